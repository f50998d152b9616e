"""Broken files are errors with a one-line message, never a different segmentation."""

from __future__ import annotations

import gzip
import json
import os
import stat

import numpy as np
import pytest

from demarcate.formats import FormatError, read_image, read_segmentation, write_segmentation
from demarcate.formats.nrrd_header import read_header
from demarcate.formats.nrrd_writer import write_label_nrrd
from demarcate.model import Geometry

from .conftest import real, synthetic_segmentation

GZIP_FILES = [
    "seg/mitk/ct3slice_2groups.mitk.nrrd",
    "seg/slicer/Segmentation.seg.nrrd",
    "mr/brain1_label.nrrd",
    "ct/example_seg.nii.gz",
]
GROUPS_KEY = "org.mitk.multilabel.segmentation.labelgroups"


def _payload_start(path) -> int:
    return read_header(path).header_bytes if path.name.endswith(".nrrd") else 0


@pytest.mark.parametrize("relative", GZIP_FILES)
def test_truncated_gzip(data, tmp_path, relative):
    source = real(data, relative)
    broken = tmp_path / source.name
    blob = source.read_bytes()
    broken.write_bytes(blob[: _payload_start(source) + (len(blob) - _payload_start(source)) // 2])
    with pytest.raises(FormatError, match="truncated|corrupt") as caught:
        read_segmentation(broken)
    assert source.name in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("relative", GZIP_FILES)
def test_one_flipped_payload_byte(data, tmp_path, relative):
    source = real(data, relative)
    blob = bytearray(source.read_bytes())
    start = _payload_start(source)
    # A byte inside the deflate data, past the 10-byte gzip header and before the trailer.
    position = start + 10 + (len(blob) - start - 18) // 3
    blob[position] ^= 0x01
    broken = tmp_path / source.name
    broken.write_bytes(bytes(blob))
    with pytest.raises(FormatError, match="corrupt|truncated|CRC"):
        read_segmentation(broken)


def test_flipped_byte_in_gzip_image(data, tmp_path):
    source = real(data, "ct/example_ct_sm.nii.gz")
    blob = bytearray(source.read_bytes())
    blob[len(blob) // 2] ^= 0x10
    (tmp_path / "ct.nii.gz").write_bytes(bytes(blob))
    with pytest.raises(FormatError, match="ct.nii.gz: compressed data"):
        read_image(tmp_path / "ct.nii.gz")


def test_crc_mismatch_with_valid_deflate_stream(tmp_path):
    """A payload that inflates fine but whose CRC is wrong: only the CRC check sees it."""
    seg = synthetic_segmentation(groups=1)
    path = tmp_path / "seg.nrrd"
    write_segmentation(seg, path)
    blob = bytearray(path.read_bytes())
    blob[-8] ^= 0xFF  # first byte of the stored CRC-32
    path.write_bytes(bytes(blob))
    with pytest.raises(FormatError, match="corrupt"):
        read_segmentation(path)


def _mitk_with(tmp_path, data, change):
    """A copy of the real two-group MITK file with one header key changed."""
    source = real(data, "seg/mitk/ct3slice_2groups.mitk.nrrd")
    seg = read_segmentation(source)
    path = tmp_path / "changed.nrrd"
    write_segmentation(seg, path, mitk_version=4)
    header = read_header(path)
    keys = dict(header.keyvalues)
    change(keys)
    arrays = [g.array for g in seg.groups]
    write_label_nrrd(path, arrays, seg.geometry, keys)
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda k: k.update({"org.mitk.multilabel.segmentation.version": "7"}), "version 7"),
        (lambda k: k.update({"org.mitk.multilabel.segmentation.version": "x"}), "not a number"),
        (lambda k: k.pop("org.mitk.multilabel.segmentation.version"), "lacks"),
        (lambda k: k.pop(GROUPS_KEY), "lacks 'org.mitk.multilabel.segmentation.labelgroups'"),
        (lambda k: k.update({GROUPS_KEY: '[{"labels":[{"value":1,'}), "not valid JSON"),
        (lambda k: k.update({GROUPS_KEY: '{"labels":[]}'}), "not a JSON list"),
        (lambda k: k.update({GROUPS_KEY: '[{"labels":[{"name":"x"}]}, {}]'}), "no 'value'"),
        (lambda k: k.update({GROUPS_KEY: json.dumps([{"labels": []}])}), "2 group image"),
        (
            lambda k: k.update(
                {GROUPS_KEY: json.dumps([{"labels": [{"value": 1}]}, {"labels": [{"value": 3}]}])}
            ),
            r"group 0 holds voxel values \(2\)",
        ),
        (
            lambda k: k.update(
                {
                    GROUPS_KEY: json.dumps(
                        [
                            {"labels": [{"value": 1}, {"value": 2}]},
                            {"labels": [{"value": 2}, {"value": 3}]},
                        ]
                    )
                }
            ),
            "used twice",
        ),
    ],
)
def test_bad_mitk_headers(data, tmp_path, change, message):
    path = _mitk_with(tmp_path, data, change)
    with pytest.raises(FormatError, match=message) as caught:
        read_segmentation(path)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


def test_slicer_voxels_without_segment(tmp_path):
    layer = np.zeros((1, 2, 3, 4), np.uint8)
    layer[0, 0, 0, 0] = 5
    keys = {"Segment0_ID": "a", "Segment0_LabelValue": "1", "Segment0_Layer": "0"}
    write_label_nrrd(tmp_path / "s.seg.nrrd", [layer], Geometry(), keys, dtype=np.uint8)
    with pytest.raises(FormatError, match=r"values \(5\)"):
        read_segmentation(tmp_path / "s.seg.nrrd")


def test_mismatched_reference(data):
    with pytest.raises(FormatError, match="does not match the reference image grid"):
        read_segmentation(
            real(data, "seg/mitk/ct3slice_2groups.mitk.nrrd"),
            reference=read_image(real(data, "ct/example_ct_sm.nii.gz")),
        )


def test_non_label_and_missing_files(tmp_path):
    with pytest.raises(FormatError, match="no such file"):
        read_segmentation(tmp_path / "absent.nrrd")
    (tmp_path / "text.nii.gz").write_bytes(gzip.compress(b"hello"))
    with pytest.raises(FormatError, match="text.nii.gz"):
        read_segmentation(tmp_path / "text.nii.gz")
    with pytest.raises(FormatError, match="unknown segmentation suffix"):
        write_segmentation(synthetic_segmentation(), tmp_path / "seg.xyz")
    with pytest.raises(FormatError, match="version 9"):
        write_segmentation(synthetic_segmentation(), tmp_path / "seg.nrrd", mitk_version=9)
    assert not list(tmp_path.glob("*seg*"))


@pytest.mark.parametrize("name", ["seg.nrrd", "seg.seg.nrrd", "seg.nii.gz"])
@pytest.mark.skipif(os.name != "posix", reason="read-only folders are a POSIX notion here")
def test_unwritable_destination_is_left_alone(tmp_path, name):
    folder = tmp_path / "locked"
    folder.mkdir()
    target = folder / name
    target.write_bytes(b"precious bytes")
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        with pytest.raises((OSError, FormatError)):
            write_segmentation(synthetic_segmentation(groups=1), target)
    finally:
        folder.chmod(stat.S_IRWXU)
    assert target.read_bytes() == b"precious bytes"
    assert [p.name for p in folder.iterdir()] == [name]


def test_failed_write_leaves_existing_file_and_no_temp(tmp_path, monkeypatch):
    """Works as root too: the write fails half-way and the old file stays byte-identical."""
    from demarcate.formats import nrrd_writer

    target = tmp_path / "seg.nrrd"
    target.write_bytes(b"precious bytes")

    class Exploding:
        def __init__(self, *args, **kwargs):
            raise OSError("disk full")

    monkeypatch.setattr(nrrd_writer.gzip, "GzipFile", Exploding)
    with pytest.raises(OSError, match="disk full"):
        write_segmentation(synthetic_segmentation(), target)
    assert target.read_bytes() == b"precious bytes"
    assert [p.name for p in tmp_path.iterdir()] == ["seg.nrrd"]


def test_missing_folder(tmp_path):
    with pytest.raises(OSError):
        write_segmentation(synthetic_segmentation(), tmp_path / "nowhere" / "seg.nrrd")
