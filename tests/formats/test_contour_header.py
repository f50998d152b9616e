"""The 3D interpolation contours' header value: a round trip, and every damaged or
foreign value refused with a reason (the session then ignores it and says so)."""

from __future__ import annotations

import base64
import json
import zlib

import numpy as np
import pytest

from demarcate.formats import contour_header
from demarcate.formats.contour_header import decode_contours, encode_contours

SHAPE = (6, 20, 30)


def contours():
    axial = np.zeros((20, 30), bool)
    axial[3:9, 4:20] = True
    axial[15, 25] = True
    sagittal = np.zeros((6, 20), bool)
    sagittal[1:5, 2:3] = True
    return [(1, 0, 0, 2, axial), (2, 1, 2, 29, sagittal),
            (1, 0, 1, 7, np.zeros((6, 30), bool))]  # an empty one: "nothing here"


def test_round_trip_keeps_every_contour_exactly():
    text = encode_contours(contours())
    assert text.startswith("v1 ") and len(text) < 200
    decoded = decode_contours(text, SHAPE, 2, {1, 2})
    for (label, t, axis, index, mask), original in zip(decoded, contours(), strict=True):
        assert (label, t, axis, index) == original[:4]
        assert np.array_equal(mask, original[4])


def raw(heads, bits=b""):
    payload = json.dumps(heads).encode() + b"\n" + bits
    return "v1 " + base64.b64encode(zlib.compress(payload)).decode()


@pytest.mark.parametrize("text, reason", [
    ("v2 AAAA", "format"),
    ("v1 ***", "damaged"),
    ("v1 " + base64.b64encode(b"not zlib").decode(), "damaged"),
    (raw({"a": 1}), "list of contours"),
    (raw([[1, 0, 0, 2, 0, 0, 1]]), "entry"),
    (raw([[1, 0, 0, 2.5, 0, 0, 0, 0]]), "entry"),
    (raw([[9, 0, 0, 2, 0, 0, 0, 0]]), "label 9"),
    (raw([[1, 5, 0, 2, 0, 0, 0, 0]]), "outside the image"),
    (raw([[1, 0, 0, 6, 0, 0, 0, 0]]), "outside the image"),
    (raw([[1, 0, 3, 2, 0, 0, 0, 0]]), "outside the image"),
    (raw([[1, 0, 0, 2, 15, 0, 8, 1]], b"\xff"), "outside its plane"),
    (raw([[1, 0, 0, 2, 0, 0, 4, 4]], b"\xff"), "cut short"),
    (raw([[1, 0, 0, 2, 0, 0, 1, 8]], b"\xff\x00"), "more than"),
])
def test_damaged_values_are_refused_with_a_reason(text, reason):
    with pytest.raises(ValueError, match=reason):
        decode_contours(text, SHAPE, 2, {1, 2})


def test_sizes_are_bounded_both_ways(monkeypatch):
    monkeypatch.setattr(contour_header, "MAX_BYTES", 1000)
    bomb = "v1 " + base64.b64encode(zlib.compress(b"[]\n" + bytes(5000))).decode()
    with pytest.raises(ValueError, match="unpacks to more"):
        decode_contours(bomb, SHAPE, 2, {1, 2})
    monkeypatch.setattr(contour_header, "MAX_CHARS", 40)
    with pytest.raises(ValueError, match="MiB"):
        encode_contours(contours())
    with pytest.raises(ValueError, match="longer"):
        decode_contours("v1 " + "A" * 60, SHAPE, 2, {1, 2})
