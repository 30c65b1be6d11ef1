"""Reading images with a check for truncated files.

OpenCV decodes a truncated JPEG without an error (libjpeg pads the missing rows with grey and
only prints "Premature end of JPEG file"), and Pillow does the same when some library has set
``ImageFile.LOAD_TRUNCATED_IMAGES``. :func:`read_image` therefore reads the file's bytes once,
checks that a JPEG reaches its end-of-image marker (walking the marker segments, so an EXIF
thumbnail's marker or data appended after the end do not mislead it) and that a PNG reaches its
``IEND`` chunk, and then decodes the same bytes. The check scans the bytes with a compiled
regular expression and costs a small fraction of decoding (``benchmarks/image_read_check.py``).
"""

from __future__ import annotations

import io
import os.path as osp
import re

import cv2
import numpy as np
from PIL import Image

_JPEG_SOI = b"\xff\xd8"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The marker that ends a scan's entropy-coded data: 0xFF followed by anything but a stuffed
# zero, a restart marker (RST0-7, inside the scan) or another fill byte.
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


class TruncatedImageError(ValueError):
    """An image file ends before its format's end marker (an incomplete copy or download)."""


def jpeg_is_complete(data: bytes) -> bool:
    """Whether JPEG ``data`` reaches its end-of-image (EOI) marker.

    Walks the marker segments from the start-of-image marker, skipping each segment by its
    length and each scan's entropy-coded data up to the next marker, until EOI (complete) or
    the end of the data (truncated).
    """
    n, pos = len(data), 2
    while pos + 2 <= n:
        if data[pos] != 0xFF:  # stray bytes between segments: resynchronise on the next marker
            pos = data.find(b"\xff", pos)
            if pos < 0:
                return False
            continue
        marker = data[pos + 1]
        if marker == 0xD9:  # EOI
            return True
        if marker == 0xFF or 0xD0 <= marker <= 0xD7 or marker == 0x01:  # fill, RSTn, TEM
            pos += 1 if marker == 0xFF else 2
            continue
        if pos + 4 > n:
            return False
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == 0xDA:  # start of scan: skip its entropy-coded data
            end = _SCAN_END.search(data, pos)
            if end is None:
                return False
            pos = end.start()
    return False


def png_is_complete(data: bytes) -> bool:
    """Whether PNG ``data`` holds its chunks up to and including ``IEND``."""
    n, pos = len(data), len(_PNG_SIGNATURE)
    while pos + 8 <= n:
        length = int.from_bytes(data[pos : pos + 4], "big")
        if data[pos + 4 : pos + 8] == b"IEND":
            return pos + 12 <= n
        pos += 12 + length  # length, type, data, CRC
    return False


def check_complete(data: bytes, path: str) -> None:
    """Raise :class:`TruncatedImageError` naming ``path`` if a JPEG or PNG is cut short.

    Other formats are left to their decoder.
    """
    if data.startswith(_JPEG_SOI):
        complete, what = jpeg_is_complete(data), "JPEG end-of-image marker"
    elif data.startswith(_PNG_SIGNATURE):
        complete, what = png_is_complete(data), "PNG IEND chunk"
    else:
        return
    if not complete:
        raise TruncatedImageError(
            f"Truncated or corrupt image (no {what} in its {len(data)} bytes; copy or "
            f"download it again): {path}"
        )


def read_image(path: str, backend: str = "cv2", check: bool = True) -> np.ndarray:
    """Read an image file as RGB after checking that it is complete.

    Args:
        path: image file.
        backend: ``cv2`` or ``pillow`` (the decoder; both decode the bytes read once).
        check: check JPEG / PNG files for truncation first.

    Returns:
        (H, W, 3) uint8 RGB array.

    Raises:
        FileNotFoundError: no such file.
        TruncatedImageError: the file is a truncated JPEG or PNG.
        ValueError: the decoder cannot read the file.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f"Image not found: {path}")
    with open(path, "rb") as f:
        data = f.read()
    if check:
        check_complete(data, path)
    if backend == "cv2":
        img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if img is not None:
            return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    elif backend == "pillow":
        try:
            with Image.open(io.BytesIO(data)) as im:
                return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()
        except (OSError, ValueError, Image.DecompressionBombError):
            pass
    else:
        raise ValueError(f"backend must be 'cv2' or 'pillow', got {backend!r}.")
    raise ValueError(f"Cannot decode image (corrupt or unsupported format): {path}")
