"""Photos: refuse decompression bombs, drop location metadata, make thumbnail and preview.

Pillow decodes in a worker thread. The pixel limit is checked from the header, before
any pixel is decoded. GPS data is removed by rewriting the file without the GPS IFD
(and without XMP, which can repeat the location); orientation and other EXIF stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

THUMB_SIDE = 320
PREVIEW_SIDE = 1280
GPS_IFD = 0x8825
ORIENTATION = 0x0112
_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


class BadImage(Exception):
    """Not a photo Pillow can read in an accepted format."""


class ImageTooBig(Exception):
    """More pixels (or frames) than the configured limit."""


@dataclass(frozen=True, slots=True)
class Photo:
    path: Path  # the file to store: the upload itself, or a rewrite without GPS
    mime: str
    width: int
    height: int
    animated: bool
    frames: int
    thumb: Path
    preview: Path | None  # None when the photo itself is small enough (or animated)


def process_photo(src: Path, work: Path, *, max_pixels: int, max_frames: int) -> Photo:
    """Check and prepare one uploaded photo; derived files are written next to ``work``."""
    try:
        with Image.open(src, formats=list(_FORMATS)) as img:
            return _process(img, src, work, max_pixels, max_frames)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooBig(str(exc)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise BadImage(str(exc)) from exc


def _process(img: Image.Image, src: Path, work: Path, max_pixels: int, max_frames: int) -> Photo:
    width, height = img.size
    if width * height > max_pixels:
        raise ImageTooBig(f"{width}x{height} is more than {max_pixels} pixels")
    frames = int(getattr(img, "n_frames", 1))
    if frames > max_frames:
        raise ImageTooBig(f"{frames} frames is more than {max_frames}")
    fmt = str(img.format)
    main = _without_location(img, src, work.with_suffix(".clean"))
    exif = img.getexif()
    if exif.get(ORIENTATION) in (5, 6, 7, 8):
        width, height = height, width
    img.seek(0)
    first = ImageOps.exif_transpose(img.convert("RGBA") if img.mode in ("P", "LA") else img)
    thumb = _scaled(first, THUMB_SIDE, work.with_suffix(".thumb"))
    preview = None
    if frames == 1 and max(width, height) > PREVIEW_SIDE:
        preview = _scaled(first, PREVIEW_SIDE, work.with_suffix(".preview"))
    return Photo(main, _FORMATS[fmt], width, height, frames > 1, frames, thumb, preview)


def _without_location(img: Image.Image, src: Path, dest: Path) -> Path:
    """``src`` itself when it carries no location; else a copy without GPS and XMP."""
    exif = img.getexif()
    has_gps = GPS_IFD in exif
    has_xmp = "xmp" in img.info or "XML:com.adobe.xmp" in img.info
    if not (has_gps or has_xmp):
        return src
    if GPS_IFD in exif:
        del exif[GPS_IFD]
    fmt = str(img.format)
    options: dict[str, object] = {"exif": exif.tobytes()}
    if icc := img.info.get("icc_profile"):
        options["icc_profile"] = icc
    if fmt == "JPEG":
        options.update(quality="keep", subsampling="keep")
    elif fmt == "WEBP":
        options.update(lossless=bool(img.info.get("lossless")), quality=90)
    if getattr(img, "n_frames", 1) > 1:
        options["save_all"] = True
    img.seek(0)
    img.save(dest, format=fmt, **options)
    return dest


def _scaled(img: Image.Image, side: int, dest: Path) -> Path:
    """A JPEG no larger than ``side`` on its longer edge (transparency on white)."""
    copy = img.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    if copy.mode in ("RGBA", "LA", "PA"):
        flat = Image.new("RGB", copy.size, "white")
        flat.paste(copy, mask=copy.getchannel("A"))
        copy = flat
    elif copy.mode != "RGB":
        copy = copy.convert("RGB")
    copy.save(dest, format="JPEG", quality=82, optimize=True)
    return dest
