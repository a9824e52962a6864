"""Real media files made on the fly for the media tests: Pillow images (one with EXIF GPS),
an animated GIF, Ogg/Opus from libsndfile, and M4A / WebM / MP4 from ffmpeg when it exists.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile
from PIL import Image

FFMPEG = shutil.which("ffmpeg")
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg(width: int = 640, height: int = 480, *, gps: bool = False, orientation: int = 1) -> bytes:
    img = Image.new("RGB", (width, height), (200, 40, 40))
    for x in range(0, width, 40):
        img.paste((20, 20, 200), (x, 0, x + 20, height))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "LianxinCam"  # Make
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 50.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def png(width: int = 100, height: int = 80) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 128, 0, 128)).save(out, "PNG")
    return out.getvalue()


def animated_gif(frames: int = 5, side: int = 64) -> bytes:
    images = [
        Image.new("RGB", (side, side), (i * 50 % 256, 255 - i * 50 % 256, 0)) for i in range(frames)
    ]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return out.getvalue()


def huge_png(width: int, height: int) -> bytes:
    """A tiny file that claims (and decodes to) very many pixels: a decompression bomb."""
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG", optimize=True)
    return out.getvalue()


def tone(seconds: float, rate: int = 48000) -> np.ndarray:
    """A 440 Hz tone that swells from silence to full volume."""
    t = np.arange(int(seconds * rate)) / rate
    return (0.8 * np.sin(2 * np.pi * 440 * t) * (t / max(seconds, 1e-9))).astype("float32")


def ogg_opus(seconds: float = 2.0) -> bytes:
    out = io.BytesIO()
    soundfile.write(out, tone(seconds), 48000, format="OGG", subtype="OPUS")
    return out.getvalue()


def _ffmpeg(args: list[str], suffix: str) -> bytes:
    assert FFMPEG is not None
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / f"out{suffix}"
        subprocess.run([FFMPEG, "-v", "error", "-y", *args, str(dest)], check=True, timeout=120)
        return dest.read_bytes()


def _wav(seconds: float, tmp: Path) -> Path:
    path = tmp / "in.wav"
    soundfile.write(path, tone(seconds), 48000)
    return path


def m4a(seconds: float = 2.0) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        wav = _wav(seconds, Path(tmp))
        return _ffmpeg(["-i", str(wav), "-c:a", "aac", "-b:a", "64k"], ".m4a")


def webm_opus(seconds: float = 2.0) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        wav = _wav(seconds, Path(tmp))
        return _ffmpeg(["-i", str(wav), "-c:a", "libopus", "-b:a", "32k"], ".webm")


def mp4(seconds: float = 2.0) -> bytes:
    return _ffmpeg(
        ["-f", "lavfi", "-i", f"testsrc=duration={seconds}:size=320x240:rate=15",
         "-c:v", "libx264", "-pix_fmt", "yuv420p"],
        ".mp4",
    )  # fmt: skip


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
