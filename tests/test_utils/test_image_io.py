"""Truncation checks of JPEG / PNG files and read_image."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import ImageFile

from risseg.utils.image_io import (
    TruncatedImageError,
    jpeg_is_complete,
    png_is_complete,
    read_image,
)


def _image(h: int = 24, w: int = 32) -> np.ndarray:
    rng = np.random.default_rng(0)
    return (rng.random((h, w, 3)) * 255).astype(np.uint8)


def _jpeg(**flags: int) -> bytes:
    params = [v for k, val in flags.items() for v in (getattr(cv2, k), val)]
    ok, buf = cv2.imencode(".jpg", _image(), params)
    assert ok
    return buf.tobytes()


def _with_app_segment(jpeg: bytes, payload: bytes) -> bytes:
    """Insert an APP1 segment (as an EXIF thumbnail would be) right after SOI."""
    return jpeg[:2] + b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


JPEGS = {
    "baseline": _jpeg(),
    "progressive": _jpeg(IMWRITE_JPEG_PROGRESSIVE=1),
    "restart_markers": _jpeg(IMWRITE_JPEG_RST_INTERVAL=1),
    # an embedded thumbnail has its own SOI..EOI inside the APP1 segment
    "thumbnail": _with_app_segment(_jpeg(), b"Exif\x00\x00" + _jpeg()[:40] + b"\xff\xd9"),
}


@pytest.mark.parametrize("name", sorted(JPEGS))
def test_every_cut_of_a_jpeg_is_detected(name):
    data = JPEGS[name]
    assert jpeg_is_complete(data)
    assert jpeg_is_complete(data + b"\x00" * 7 + b"trailing data")  # appended after EOI
    truncated = [n for n in range(2, len(data)) if jpeg_is_complete(data[:n])]
    assert truncated == []


def test_every_cut_of_a_png_is_detected():
    data = cv2.imencode(".png", _image())[1].tobytes()
    assert png_is_complete(data)
    assert [n for n in range(8, len(data)) if png_is_complete(data[:n])] == []


@pytest.mark.parametrize("backend", ["cv2", "pillow"])
def test_read_image_refuses_a_truncated_jpeg_that_decoders_accept(tmp_path, backend, monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # as some libraries set it
    path = tmp_path / "cut.jpg"
    path.write_bytes(JPEGS["baseline"][: len(JPEGS["baseline"]) * 2 // 3])
    assert cv2.imread(str(path)) is not None  # what the check protects against
    with pytest.raises(TruncatedImageError, match=r"JPEG end-of-image.*cut\.jpg"):
        read_image(str(path), backend)


@pytest.mark.parametrize("ext", [".jpg", ".png", ".bmp"])
def test_read_image_matches_the_plain_decoders(tmp_path, ext):
    path = str(tmp_path / f"img{ext}")
    cv2.imwrite(path, _image())
    expected = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
    assert np.array_equal(read_image(path), expected)
    assert read_image(path, "pillow").shape == expected.shape


def test_read_image_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.jpg"):
        read_image(str(tmp_path / "missing.jpg"))
    path = tmp_path / "junk.bmp"
    path.write_bytes(b"BM not really")
    with pytest.raises(ValueError, match=r"Cannot decode.*junk\.bmp"):
        read_image(str(path))
    with pytest.raises(ValueError, match="backend"):
        read_image(str(path), "turbo")
