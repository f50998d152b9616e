"""Reference images of every kind SimpleITK reads, and the image writer."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from demarcate.formats import FormatError, read_image, write_image

from .conftest import real


@pytest.mark.parametrize(
    ("relative", "shape", "dtype"),
    [
        ("ct/example_ct_sm.nii.gz", (1, 30, 101, 122), np.int16),
        ("mr/brain1_image.nrrd", (1, 25, 256, 256), np.int16),
        ("seg/slicer/CTChest4.nrrd", (1, 34, 128, 128), np.int32),
        ("seg/itksnap/MRIcrop-orig.gipl.gz", (1, 64, 110, 78), np.int16),
        ("dicom/dcmqi_ct_3slice", (1, 3, 512, 512), np.int32),
        ("dicom/single/CT_small.dcm", (1, 1, 128, 128), np.int32),
        ("dicom/single/MR_small.dcm", (1, 1, 64, 64), np.int16),
        ("4d/example4d.nii.gz", (2, 24, 96, 128), np.int16),
        ("4d/img4d_11f.nii.gz", (11, 38, 35, 38), np.float32),
    ],
)
def test_real_images(data, relative, shape, dtype):
    image = read_image(real(data, relative))
    assert image.array.shape == shape and image.array.dtype == dtype
    assert image.source_path.endswith(relative.split("/")[-1])


def test_geometry_is_kept(data):
    ct = read_image(real(data, "ct/example_ct_sm.nii.gz"))
    np.testing.assert_allclose(ct.geometry.direction, np.diag([-1.0, -1.0, 1.0]))
    assert ct.geometry.spacing_xyz == pytest.approx((3.0, 3.0, 3.0))
    series = read_image(real(data, "dicom/dcmqi_ct_3slice"))
    assert series.geometry.origin_xyz == pytest.approx((-235.2, -226.8, -128.69), abs=1e-3)
    epi = read_image(real(data, "4d/example4d.nii.gz"))
    assert epi.geometry.direction[1, 2] == pytest.approx(0.1616, abs=1e-3)  # oblique
    assert epi.geometry.time_step_ms == pytest.approx(2000.0)


@pytest.mark.parametrize("suffix", [".nii.gz", ".nrrd", ".mha"])
def test_write_image_round_trip(data, tmp_path, suffix):
    image = read_image(real(data, "4d/example4d.nii.gz"))
    write_image(image, tmp_path / f"copy{suffix}")
    back = read_image(tmp_path / f"copy{suffix}")
    np.testing.assert_array_equal(back.array, image.array)
    assert back.geometry.matches(image.geometry)
    assert back.geometry.time_step_ms == pytest.approx(image.geometry.time_step_ms)
    assert [p.name for p in tmp_path.iterdir()] == [f"copy{suffix}"]


def test_2d_png_and_tiff(tmp_path):
    plane = (np.arange(20, dtype=np.uint8).reshape(4, 5)) * 3
    for name in ("plane.png", "plane.tif"):
        sitk.WriteImage(sitk.GetImageFromArray(plane), str(tmp_path / name))
        image = read_image(tmp_path / name)
        assert image.array.shape == (1, 1, 4, 5)
        np.testing.assert_array_equal(image.array[0, 0], plane)


def test_rgb_image_is_refused(tmp_path):
    rgb = sitk.GetImageFromArray(np.zeros((4, 5, 3), np.uint8), isVector=True)
    sitk.WriteImage(rgb, str(tmp_path / "rgb.png"))
    with pytest.raises(FormatError, match=r"rgb\.png: has 3 components"):
        read_image(tmp_path / "rgb.png")


def test_missing_and_unreadable(tmp_path):
    with pytest.raises(FormatError, match="no such file"):
        read_image(tmp_path / "absent.nii.gz")
    (tmp_path / "junk.nrrd").write_bytes(b"not an image at all")
    with pytest.raises(FormatError, match="junk.nrrd"):
        read_image(tmp_path / "junk.nrrd")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FormatError, match="no DICOM series"):
        read_image(tmp_path / "empty")
