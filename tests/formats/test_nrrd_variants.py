"""NRRD files are read by Demarcate's own reader: every valid variant the format allows,
and nothing whose payload disagrees with its header.

The variants are the ones a public NRRD library's test files have (pynrrd's): gzip data
after ``line skip``, bzip2, byte skip -1 (also into a detached .nii.gz), 1D and 2D ascii,
a 4D raw file whose last axis has no space direction, and detached headers.
"""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from demarcate.formats import FormatError, read_image, read_segmentation, write_segmentation
from demarcate.formats.nrrd_header import read_header
from demarcate.formats.nrrd_reader import read_nrrd
from demarcate.formats.sitk_arrays import arrays_of, geometry_of

from .conftest import synthetic_segmentation

BALL = (np.indices((6, 5, 4)).sum(axis=0) % 3).astype(np.int16)  # z, y, x
LPS_FIELDS = {
    "type": "short",
    "dimension": "3",
    "space": "left-posterior-superior",
    "sizes": "4 5 6",
    "space directions": "(1,0,0) (0,1,0) (0,0,1)",
    "kinds": "domain domain domain",
    "endian": "little",
    "space origin": "(0,0,0)",
}


def nrrd(path: Path, fields: dict[str, str], payload: bytes = b"") -> Path:
    """A NRRD file with the header written by hand (a .nhdr when ``payload`` is empty)."""
    head = "NRRD0004\n" + "".join(f"{key}: {value}\n" for key, value in fields.items())
    path.write_bytes(head.encode() + (b"\n" + payload if payload else b""))
    return path


def assert_ball(path: Path) -> None:
    for read in (lambda p: read_image(p).array, lambda p: read_segmentation(p).groups[0].array):
        np.testing.assert_array_equal(read(path), BALL[np.newaxis])


# --- item 6: a payload longer or shorter than the header says -------------------------


def test_mitk_file_with_halved_sizes_is_refused(tmp_path):
    """It loaded 15 of 30 slices: the gzip payload holds twice what the header says."""
    seg = synthetic_segmentation(groups=2)
    path = tmp_path / "seg.nrrd"
    write_segmentation(seg, path, mitk_version=4)
    blob = path.read_bytes()
    path.write_bytes(blob.replace(b"sizes: 2 5 6 4\n", b"sizes: 2 5 6 2\n", 1))
    with pytest.raises(FormatError) as caught:
        read_segmentation(path)
    assert str(caught.value) == (f"{path}: voxel data is longer than the header says: the "
                                 "header needs 240 bytes, the decompressed data holds 480")


@pytest.mark.parametrize(("sizes", "message"), [
    ("4 5 3", "longer than the header says: the header needs 120 bytes, the file holds 240"),
    ("4 5 7", "cut short: the header needs 280 bytes, the file holds 240"),
])
def test_raw_payload_must_match_the_header(tmp_path, sizes, message):
    path = nrrd(tmp_path / "ball.nrrd", {**LPS_FIELDS, "sizes": sizes, "encoding": "raw"},
                BALL.tobytes())
    with pytest.raises(FormatError, match=f"^{path}: voxel data is {message}$"):
        read_image(path)


def test_detached_raw_data_honours_line_and_byte_skip(tmp_path):
    data = tmp_path / "ball.raw"
    data.write_bytes(b"a text header\nof two lines\n" + bytes(5) + BALL.tobytes())
    header = nrrd(tmp_path / "ball.nhdr", {**LPS_FIELDS, "encoding": "raw", "line skip": "2",
                                           "byte skip": "5", "data file": "ball.raw"})
    assert_ball(header)
    data.write_bytes(data.read_bytes() + b"\0")
    with pytest.raises(FormatError, match=f"^{data}: voxel data is longer than the header "
                       "says: the header needs 245 bytes, the file holds 246$"):
        read_image(header)


# --- item 10: valid variants that were refused or misread -----------------------------


def test_gzip_after_line_skip(tmp_path):
    payload = b"this line\nand this line\nand this line should be skipped\n"
    assert_ball(nrrd(tmp_path / "ball.nrrd", {**LPS_FIELDS, "encoding": "gzip",
                                              "line skip": "3"},
                     payload + gzip.compress(BALL.tobytes())))


def test_bzip2(tmp_path):
    assert_ball(nrrd(tmp_path / "ball.nrrd", {**LPS_FIELDS, "encoding": "bzip2"},
                     bz2.compress(BALL.tobytes())))


@pytest.mark.parametrize("module", [gzip, bz2], ids=["gzip", "bzip2"])
@pytest.mark.parametrize(("skip", "stream"), [
    ("10", b"not voxels" + BALL.tobytes()),
    ("-2", b"not voxels" + BALL.tobytes() + b"!"),  # teem: the data end 1 byte before it
])
def test_compressed_byte_skip_counts_decompressed_bytes(tmp_path, module, skip, stream):
    encoding = "gzip" if module is gzip else "bzip2"
    assert_ball(nrrd(tmp_path / "ball.nrrd", {**LPS_FIELDS, "encoding": encoding,
                                              "byte skip": skip}, module.compress(stream)))


def test_four_axes_with_no_direction_on_the_last_and_a_measurement_frame(tmp_path):
    """ITK refused it (4 domain axes in a 3D space); the fourth axis is time."""
    volumes = np.arange(2 * 3 * 4 * 5, dtype="<f8").reshape(2, 3, 4, 5)  # t, z, y, x
    path = nrrd(tmp_path / "4d.nrrd", {
        "type": "double", "dimension": "4", "space": "right-anterior-superior",
        "sizes": "5 4 3 2", "space directions": "(1.5,0,0) (0,1.5,0) (0,0,1) none",
        "endian": "little", "encoding": "raw",
        "measurement frame": "(1.0001,0,0) (0,1.0000000006,0) (0,0,1.000000000000009)",
    }, volumes.tobytes() + b"\n")  # pynrrd's file ends with a line end after the data
    image = read_image(path)
    np.testing.assert_array_equal(image.array, volumes)
    assert image.geometry.spacing_xyz == (1.5, 1.5, 1.0)
    np.testing.assert_array_equal(image.geometry.direction, np.diag([-1.0, -1.0, 1.0]))


def test_one_dimensional_file_gets_a_plain_message(tmp_path):
    path = nrrd(tmp_path / "1d.nrrd", {"type": "unsigned char", "dimension": "1", "sizes": "27",
                                       "spacings": "1.0458", "kinds": "domain",
                                       "encoding": "ASCII"},
                "\n".join(str(v) for v in range(1, 28)).encode())
    for read in (read_image, read_segmentation):
        with pytest.raises(FormatError) as caught:
            read(path)
        assert str(caught.value) == (f"{path}: a 1D image is not supported (Demarcate reads "
                                     "2D, 3D and 3D+t images)")


def test_two_dimensional_ascii(tmp_path):
    path = nrrd(tmp_path / "2d.nrrd", {"type": "unsigned short", "dimension": "2",
                                       "sizes": "3 9", "spacings": "1.0458 2",
                                       "kinds": "domain domain", "encoding": "ASCII"},
                b"\n".join(b"%d %d %d" % (v, v + 1, v + 2) for v in range(1, 28, 3)) + b"\n")
    image = read_image(path)
    np.testing.assert_array_equal(image.array, np.arange(1, 28).reshape(1, 1, 9, 3))
    assert image.geometry.spacing_xyz == (1.0458, 2.0, 1.0)


def _nifti_data_file(tmp_path: Path) -> None:
    image = sitk.GetImageFromArray(BALL)
    sitk.WriteImage(image, str(tmp_path / "ball.nii.gz"), useCompression=True)


def test_detached_header_over_nifti_needs_byte_skip_minus_one(tmp_path):
    """Without ``byte skip: -1`` the NIfTI header's 352 bytes would be read as voxels."""
    _nifti_data_file(tmp_path)
    fields = {**LPS_FIELDS, "encoding": "gzip", "data file": "ball.nii.gz"}
    with pytest.raises(FormatError, match=r"ball\.nii\.gz: voxel data is longer than the "
                       "header says: the header needs 240 bytes, the decompressed data holds "
                       "592$"):
        read_image(nrrd(tmp_path / "plain.nhdr", fields))
    assert_ball(nrrd(tmp_path / "skip.nhdr", {**fields, "byte skip": "-1"}))


def test_raw_byte_skip_minus_one_reads_the_end_of_the_file(tmp_path):
    (tmp_path / "ball.raw").write_bytes(b"any header of any length" + BALL.tobytes())
    assert_ball(nrrd(tmp_path / "ball.nhdr", {**LPS_FIELDS, "encoding": "raw",
                                              "byte skip": "-1", "data file": "ball.raw"}))


def test_detached_data_in_several_files(tmp_path):
    for z, plane in enumerate(BALL):
        (tmp_path / f"slice{z:02d}.raw").write_bytes(plane.tobytes())
    fields = {**LPS_FIELDS, "encoding": "raw"}
    assert_ball(nrrd(tmp_path / "pattern.nhdr", {**fields, "data file": "slice%02d.raw 0 5 1 2"}))
    listed = nrrd(tmp_path / "list.nhdr", {**fields, "data file": "LIST"})
    listed.write_bytes(listed.read_bytes() + b"".join(b"slice%02d.raw\n" % z for z in range(6)))
    assert_ball(listed)


@pytest.mark.parametrize(("encoding", "payload"), [
    ("raw", BALL.astype(">i2").tobytes()),
    ("hex", BALL.astype(">i2").tobytes().hex().encode()),
    ("gzip", gzip.compress(BALL.astype(">i2").tobytes())),
])
def test_big_endian(tmp_path, encoding, payload):
    assert_ball(nrrd(tmp_path / "ball.nrrd", {**LPS_FIELDS, "endian": "big",
                                              "encoding": encoding}, payload))


# --- the NRRD reader gives what SimpleITK gave for the files SimpleITK reads ----------


def _assert_same_as_sitk(path: Path) -> None:
    image = sitk.ReadImage(str(path))
    ours = read_nrrd(path)
    expected = arrays_of(image, path)
    assert ours.array.dtype == expected.dtype and ours.array.flags.writeable
    np.testing.assert_array_equal(ours.array, expected)
    theirs = geometry_of(image, path)
    np.testing.assert_allclose(ours.geometry.spacing_xyz, theirs.spacing_xyz, rtol=1e-12)
    np.testing.assert_allclose(ours.geometry.origin_xyz, theirs.origin_xyz, atol=1e-9)
    np.testing.assert_allclose(ours.geometry.direction, theirs.direction, atol=1e-12)
    assert ours.geometry.time_step_ms == pytest.approx(theirs.time_step_ms, abs=1e-9)


def test_real_files_read_as_simpleitk_read_them(shared_data):
    paths = sorted(shared_data.rglob("*.nrrd"))
    assert len(paths) >= 10
    for path in paths:
        _assert_same_as_sitk(path)


SITK_WRITTEN = {
    "2d.nrrd": (np.arange(30, dtype=np.int16).reshape(5, 6), False, (0.5, 2.0)),
    "3d+t.nrrd": (np.arange(210, dtype=np.uint16).reshape(2, 3, 5, 7), False,
                  (0.5, 2.0, 3.0, 40.0)),
    "vector.nrrd": (np.arange(120, dtype=np.float32).reshape(2, 3, 4, 5), True,
                    (1.0, 2.0, 3.0)),
    "oblique.nhdr": (np.arange(60, dtype=np.float64).reshape(3, 4, 5), False,
                     (0.7, 0.8, 0.9)),
}


@pytest.mark.parametrize("name", SITK_WRITTEN)
def test_simpleitk_written_files_read_as_simpleitk_reads_them(tmp_path, name):
    array, vector, spacing = SITK_WRITTEN[name]
    image = sitk.GetImageFromArray(array, isVector=vector)
    image.SetSpacing(spacing)
    image.SetOrigin(tuple(float(i + 3) for i in range(len(spacing))))
    if name.startswith("oblique"):
        c, s = np.cos(0.3), np.sin(0.3)
        image.SetDirection((c, -s, 0, s, c, 0, 0, 0, -1))
    sitk.WriteImage(image, str(tmp_path / name), useCompression=True)
    _assert_same_as_sitk(tmp_path / name)


@pytest.mark.parametrize("space", ["right-anterior-superior", "left-anterior-superior"])
def test_other_spaces_become_lps_as_in_simpleitk(tmp_path, space):
    fields = {**LPS_FIELDS, "space": space, "space directions": "(1,0,0) (0,2,0) (0,0.5,3)",
              "space origin": "(10,20,30)", "encoding": "raw"}
    _assert_same_as_sitk(nrrd(tmp_path / "ball.nrrd", fields, BALL.tobytes()))


def test_field_names_without_spaces_mean_the_same(tmp_path):
    fields = {**LPS_FIELDS, "encoding": "raw", "lineskip": "1", "byteskip": "2"}
    path = nrrd(tmp_path / "ball.nrrd", fields, b"skip me\n.." + BALL.tobytes())
    assert read_header(path).fields["line skip"] == "1"
    assert_ball(path)


def test_sizes_no_machine_can_hold_are_refused_before_reading(tmp_path):
    path = nrrd(tmp_path / "huge.nrrd", {**LPS_FIELDS, "type": "double",
                                         "sizes": "100000 100000 100000", "encoding": "gzip"},
                gzip.compress(b"tiny"))
    with pytest.raises(FormatError, match=r"declares 100000 x 100000 x 100000 voxels of float64 "
                                          r"\(7276\.0 TiB\)"):
        read_image(path)
