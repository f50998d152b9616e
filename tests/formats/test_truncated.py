"""Voxel data shorter (or longer) than its header says is an error, never a silent load.

SimpleITK does not compare the two: a NIfTI cut to half loaded with the rest zero-filled,
a GIPL with half its data loaded uninitialised memory (other labels in every run).
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from demarcate.formats import FormatError, read_image, read_segmentation

LABELS = (np.arange(6 * 7 * 8) % 5 + 1).astype(np.uint8).reshape(6, 7, 8)
VOXEL_BYTES = LABELS.nbytes
# Where the voxels start in a file SimpleITK writes (NIfTI: vox_offset, GIPL: the header).
DATA_START = {".nii": 352, ".nii.gz": 352, ".gipl": 256, ".gipl.gz": 256}


def _written(tmp_path: Path, name: str, compress: bool = False) -> Path:
    path = tmp_path / name
    sitk.WriteImage(sitk.GetImageFromArray(LABELS), str(path), useCompression=compress)
    return path


def _metaimage_data(path: Path) -> tuple[Path, int]:
    """The file holding a MetaImage's voxels and where they start in it."""
    blob = path.read_bytes()
    line = blob.index(b"ElementDataFile = ")
    end = blob.index(b"\n", line) + 1
    name = blob[line + len(b"ElementDataFile = ") : end].strip().decode()
    return (path, end) if name == "LOCAL" else (path.parent / name, 0)


def _change_data(path: Path, start: int, change, compressed: str | None) -> None:
    """Apply ``change`` to the (decompressed) voxel bytes from ``start`` and store them back
    the way they were stored (gzip for the whole file, zlib for MetaImage's data)."""
    blob = path.read_bytes()
    if compressed == "gzip":
        whole = gzip.decompress(blob)
        path.write_bytes(gzip.compress(whole[:start] + change(whole[start:])))
    elif compressed == "zlib":
        path.write_bytes(blob[:start] + zlib.compress(change(zlib.decompress(blob[start:]))))
    else:
        path.write_bytes(blob[:start] + change(blob[start:]))


CASES = [  # (file name, written compressed, how its data is compressed)
    ("seg.nii", False, None),
    ("seg.nii.gz", True, "gzip"),
    ("seg.gipl", False, None),
    ("seg.gipl.gz", True, "gzip"),
    ("seg.mha", False, None),
    ("seg.mha", True, "zlib"),
    ("seg.mhd", False, None),
    ("seg.mhd", True, "zlib"),
]


def _cut(tmp_path: Path, name: str, compress: bool, compressed: str | None,
         change) -> tuple[Path, Path, int]:
    """(file to open, file holding the data, bytes the header asks for)."""
    path = _written(tmp_path, name, compress)
    if name.endswith((".mha", ".mhd")):
        data, start = _metaimage_data(path)
        _change_data(data, start, change, compressed)
        return path, data, VOXEL_BYTES
    suffix = next(s for s in (".nii.gz", ".gipl.gz", ".nii", ".gipl") if name.endswith(s))
    _change_data(path, DATA_START[suffix], change, compressed)
    return path, path, DATA_START[suffix] + VOXEL_BYTES


@pytest.mark.parametrize(("name", "compress", "compressed"), CASES,
                         ids=[f"{n}-{c or 'raw'}" for n, _, c in CASES])
def test_data_cut_to_half_is_refused_with_both_sizes(tmp_path, name, compress, compressed):
    path, data, needed = _cut(tmp_path, name, compress, compressed,
                              lambda voxels: voxels[: len(voxels) // 2])
    held = needed - VOXEL_BYTES + VOXEL_BYTES // 2
    holder = "the decompressed data holds" if compressed else "the file holds"
    expected = f"{data}: voxel data is cut short: the header needs {needed} bytes, {holder} {held}"
    for read in (read_segmentation, read_image):
        with pytest.raises(FormatError) as caught:
            read(path)
        assert str(caught.value) == expected


EXACT = [case for case in CASES if not case[0].startswith("seg.nii")]


@pytest.mark.parametrize(("name", "compress", "compressed"), EXACT,
                         ids=[f"{n}-{c or 'raw'}" for n, _, c in EXACT])
def test_data_longer_than_an_exact_format_allows_is_refused(tmp_path, name, compress,
                                                            compressed):
    path, data, needed = _cut(tmp_path, name, compress, compressed,
                              lambda voxels: voxels + bytes(8))
    with pytest.raises(FormatError, match="voxel data is longer than the header says: "
                       f"the header needs {needed} bytes, .* holds {needed + 8}$"):
        read_segmentation(path)


@pytest.mark.parametrize(("name", "compressed"), [("seg.nii", None), ("seg.nii.gz", "gzip")])
def test_nifti_may_hold_bytes_after_its_data(tmp_path, name, compressed):
    """NIfTI data runs from vox_offset and the standard says nothing of what follows it."""
    path = _written(tmp_path, name, compressed is not None)
    _change_data(path, 352, lambda voxels: voxels + b"trailing bytes", compressed)
    np.testing.assert_array_equal(read_segmentation(path).groups[0].array[0], LABELS)


def test_detached_metaimage_data_file_must_exist(tmp_path):
    path = _written(tmp_path, "seg.mhd")
    data, _ = _metaimage_data(path)
    data.unlink()
    with pytest.raises(FormatError, match=rf"seg\.mhd: MetaImage data file {data.name} does "
                       "not exist"):
        read_image(path)
