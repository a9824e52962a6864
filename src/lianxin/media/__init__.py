"""Media: blob storage backends and the processing of uploaded photos, voice notes and videos.

Nothing here knows HTTP or SQL. ``storage`` is the one interface to the bytes (local
filesystem or S3-compatible); the other modules turn an uploaded file into what is
stored (sniffed type, stripped metadata, thumbnails, durations, waveforms, posters).
"""
