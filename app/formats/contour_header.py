"""The 3D interpolation's contours in one header value of our MITK .nrrd files.

MITK keeps unknown header keys out of its way, and we keep them through
``Segmentation.extra_header``, so a reopened file continues the interpolation (MITK
needs a project file for that). The value is compact: ``v1 `` and the base64 of a zlib
stream holding one JSON line ``[[label, time step, axis, index, row0, col0, rows,
cols], ...]`` and then, for each contour in that order, the bits (``np.packbits``) of
its mask cropped to ``rows x cols`` at ``(row0, col0)`` of its plane. Values past
:data:`MAX_CHARS`, or that would unpack past :data:`MAX_BYTES`, are refused.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Sequence

import numpy as np

from ..gpu.backend import bounding_box

#: The header key (MITK's own keys have other names; ours says whose it is).
KEY = "demarcate.interpolation_contours"
_PREFIX = "v1 "
#: Longest value written or read (a header line; about 100 complex contours of 512^2).
MAX_CHARS = 8 << 20
#: Most bytes a value may unpack to (bounds what a hostile value can make us allocate).
MAX_BYTES = 64 << 20

#: (label value, time step, axis, slice index, whole-plane bool mask)
ContourRecord = tuple[int, int, int, int, np.ndarray]


def encode_contours(contours: Sequence[ContourRecord]) -> str:
    """The header value for ``contours``; ValueError when it would pass MAX_CHARS."""
    heads, bits = [], []
    for label, time_step, axis, index, mask in contours:
        box = bounding_box(mask)
        rows, cols = box if box is not None else (slice(0, 0), slice(0, 0))
        crop = mask[rows, cols]
        heads.append([int(label), int(time_step), int(axis), int(index), rows.start,
                      cols.start, crop.shape[0], crop.shape[1]])
        bits.append(np.packbits(crop.ravel()).tobytes())
    payload = json.dumps(heads, separators=(",", ":")).encode() + b"\n" + b"".join(bits)
    text = _PREFIX + base64.b64encode(zlib.compress(payload, 6)).decode("ascii")
    if len(text) > MAX_CHARS:
        raise ValueError(f"the interpolation contours take {len(text) >> 20} MiB, more "
                         f"than the {MAX_CHARS >> 20} MiB a header value may hold")
    return text


def decode_contours(text: str, shape_zyx: Sequence[int], time_steps: int,
                    labels: set[int]) -> list[ContourRecord]:
    """The contours of a header value, checked against the segmentation they belong to
    (shape, time steps, label values). ValueError, saying why, for anything else."""
    if len(text) > MAX_CHARS:
        raise ValueError("the value is longer than any this program writes")
    if not text.startswith(_PREFIX):
        raise ValueError("it is not in a format this program knows")
    try:
        packed = base64.b64decode(text[len(_PREFIX):].encode("ascii"), validate=True)
        inflater = zlib.decompressobj()
        payload = inflater.decompress(packed, MAX_BYTES)
    except (binascii.Error, UnicodeEncodeError, zlib.error) as error:
        raise ValueError(f"it is damaged ({error})") from None
    if inflater.unconsumed_tail:
        raise ValueError("it unpacks to more than any this program writes")
    head, _, bits = payload.partition(b"\n")
    try:
        heads = json.loads(head)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ValueError("its list of contours is damaged") from None
    if not isinstance(heads, list):
        raise ValueError("its list of contours is damaged")
    contours, offset = [], 0
    for entry in heads:
        if (not isinstance(entry, list) or len(entry) != 8
                or not all(type(v) is int for v in entry)):
            raise ValueError("a contour's entry is damaged")
        label, time_step, axis, index, row0, col0, rows, cols = entry
        if label not in labels:
            raise ValueError(f"a contour names label {label}, which the file lacks")
        if not 0 <= time_step < time_steps or axis not in (0, 1, 2) or not (
                0 <= index < shape_zyx[axis]):
            raise ValueError("a contour lies outside the image")
        plane = tuple(n for k, n in enumerate(shape_zyx) if k != axis)
        if min(row0, col0, rows, cols) < 0 or row0 + rows > plane[0] or (
                col0 + cols > plane[1]):
            raise ValueError("a contour's mask lies outside its plane")
        size = -(-rows * cols // 8)
        if offset + size > len(bits):
            raise ValueError("the contours' masks are cut short")
        mask = np.zeros(plane, dtype=bool)
        crop = np.unpackbits(np.frombuffer(bits, np.uint8, size, offset))[:rows * cols]
        mask[row0:row0 + rows, col0:col0 + cols] = crop.reshape(rows, cols).astype(bool)
        contours.append((label, time_step, axis, index, mask))
        offset += size
    if offset != len(bits):
        raise ValueError("the contours' masks hold more than their list names")
    return contours
