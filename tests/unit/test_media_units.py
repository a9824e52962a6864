"""Tricky pure logic of media: Range parsing, waveforms, sniffing, signatures, GPS removal."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lianxin.media import images, signing, sniff
from lianxin.media.audio import waveform
from lianxin.media.ranges import ByteRange, Unsatisfiable, parse_range
from tests import media_samples as samples


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-9", ByteRange(0, 9)),
        ("bytes=5-", ByteRange(5, 99)),
        ("bytes=-10", ByteRange(90, 99)),
        ("bytes=-500", ByteRange(0, 99)),  # a suffix longer than the content: all of it
        ("bytes=90-1000", ByteRange(90, 99)),  # clipped at the end
        ("BYTES = 1-2", ByteRange(1, 2)),
        ("bytes=9-2", None),  # invalid: ignored, whole content
        ("bytes=a-b", None),
        ("bytes=--1", None),
        ("bytes=1", None),
        ("items=0-1", None),
        ("bytes=0-1,5-6", None),  # several ranges: whole content
    ],
)
def test_parse_range(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=150-200", "bytes=-0"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(Unsatisfiable):
        parse_range(header, 100)


def test_any_range_of_empty_content_is_unsatisfiable() -> None:
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=-5", 0)


def test_waveform_buckets_peaks() -> None:
    assert waveform(np.zeros(1000, dtype=np.float32)) == [0] * 64
    assert waveform(np.zeros(0, dtype=np.float32)) == [0] * 64
    ramp = np.linspace(0, 1, 6400, dtype=np.float32)
    wave = waveform(ramp)
    assert len(wave) == 64 and wave[-1] == 255 and wave == sorted(wave) and wave[0] < 5
    short = waveform(np.array([0.5, -1.0], dtype=np.float32))  # fewer samples than buckets
    assert len(short) == 64 and max(short) == 255
    quiet = waveform((ramp * 0.01).astype(np.float32))  # scaled to the loudest bucket
    assert quiet[-1] == 255


def test_sniff_uses_content_not_names(tmp_path: Path) -> None:
    cases = {
        "a.txt": (samples.jpeg(10, 10), "image/jpeg"),
        "b.jpg": (samples.pdf(), "application/pdf"),
        "c.mp3": (samples.ogg_opus(0.5), "audio/ogg"),
        "d.png": (b"hello world", None),
    }
    for name, (data, mime) in cases.items():
        (tmp_path / name).write_bytes(data)
        assert sniff.sniff(tmp_path / name) == mime
    assert sniff.is_ogg_opus(tmp_path / "c.mp3")


def test_signatures_bind_id_variant_user_and_expiry() -> None:
    key = b"k" * 32
    sig = signing.sign(key, 7, "thumb", 42, 1000)
    assert signing.verify(key, 7, "thumb", 42, 1000, sig, now_s=999)
    assert not signing.verify(key, 7, "thumb", 42, 1000, sig, now_s=1001)  # expired
    assert not signing.verify(key, 8, "thumb", 42, 1000, sig, now_s=999)
    assert not signing.verify(key, 7, "", 42, 1000, sig, now_s=999)
    assert not signing.verify(key, 7, "thumb", 43, 1000, sig, now_s=999)  # another user
    assert not signing.verify(key, 7, "thumb", 42, 2000, sig, now_s=999)
    assert not signing.verify(b"x" * 32, 7, "thumb", 42, 1000, sig, now_s=999)


def test_url_expiry_is_rounded_to_a_window() -> None:
    # Everyone asking within one window gets the same expiry, one to two windows away.
    assert signing.window_expiry(3600, 3600) == signing.window_expiry(7199, 3600) == 10800
    assert signing.window_expiry(7200, 3600) == 14400
    for now in (3600, 5000, 7199):
        assert 3600 < signing.window_expiry(now, 3600) - now <= 7200


def test_gps_removed_from_png_and_untouched_files_kept(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[images.GPS_IFD] = {1: "N", 2: (1.0, 2.0, 3.0)}
    exif[images.ORIENTATION] = 3
    src = tmp_path / "p.png"
    Image.new("RGB", (50, 40), "red").save(src, "PNG", exif=exif.tobytes())
    photo = images.process_photo(src, tmp_path / "work", max_pixels=10_000, max_frames=10)
    assert photo.path != src and photo.mime == "image/png"
    with Image.open(photo.path) as img:
        clean = img.getexif()
    assert images.GPS_IFD not in clean and clean[images.ORIENTATION] == 3
    plain = tmp_path / "plain.jpg"
    plain.write_bytes(samples.jpeg(30, 20))
    assert (
        images.process_photo(plain, tmp_path / "w2", max_pixels=10_000, max_frames=1).path == plain
    )


def test_pixel_and_frame_limits(tmp_path: Path) -> None:
    src = tmp_path / "big.png"
    src.write_bytes(samples.png(200, 100))
    with pytest.raises(images.ImageTooBig):
        images.process_photo(src, tmp_path / "w", max_pixels=19_999, max_frames=10)
    gif = tmp_path / "a.gif"
    gif.write_bytes(samples.animated_gif(5))
    with pytest.raises(images.ImageTooBig):
        images.process_photo(gif, tmp_path / "w", max_pixels=10**6, max_frames=4)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(samples.jpeg(50, 50)[:200])
    with pytest.raises(images.BadImage):
        images.process_photo(broken, tmp_path / "w", max_pixels=10**6, max_frames=4)
    assert Image.open(io.BytesIO(samples.jpeg(5, 5))).size == (5, 5)
