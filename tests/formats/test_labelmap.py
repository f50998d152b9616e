"""Plain label maps: any integer type, floats, reference grids and reorientation."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from demarcate.formats import FormatError, read_image, read_segmentation, write_segmentation
from demarcate.model import palette_color

from .conftest import assert_same_voxels, real, synthetic_segmentation


@pytest.mark.parametrize(
    ("relative", "image", "values"),
    [
        ("mr/brain1_label.nrrd", "mr/brain1_image.nrrd", [1]),
        ("ct/example_seg.nii.gz", "ct/example_ct_sm.nii.gz", None),
        ("dicom/liver_seg.nrrd", "dicom/dcmqi_ct_3slice", [1]),
        ("dicom/heart_seg.nrrd", "dicom/dcmqi_ct_3slice", [3]),
        ("seg/itksnap/MRIcrop-seg.gipl.gz", "seg/itksnap/MRIcrop-orig.gipl.gz", list(range(1, 9))),
    ],
)
def test_real_label_maps(data, tmp_path, relative, image, values):
    reference = read_image(real(data, image))
    seg = read_segmentation(real(data, relative), reference=reference)
    assert seg.source_format == "labelmap" and seg.source_version is None
    assert seg.shape_zyx == reference.shape_zyx and seg.geometry.matches(reference.geometry)
    if values is not None:
        assert [label.value for label in seg.labels] == values
    assert seg.labels[0].name == f"Label {seg.labels[0].value}"
    assert seg.labels[0].color == palette_color(0)
    raw = sitk.GetArrayFromImage(sitk.ReadImage(str(real(data, relative))))
    np.testing.assert_array_equal(seg.groups[0].array[0], raw)
    written = write_segmentation(seg, tmp_path / "out.nii.gz")
    back = read_segmentation(written[0], reference=reference)
    assert_same_voxels(seg, back)


def test_totalsegmentator_labelmap_equals_mitk_file(data):
    mitk = read_segmentation(real(data, "seg/mitk/ct_sm_totalseg.mitk.nrrd"))
    labelmap = read_segmentation(real(data, "ct/example_seg.nii.gz"))
    assert_same_voxels(mitk, labelmap)
    assert [x.value for x in mitk.labels] == [x.value for x in labelmap.labels]


def test_itksnap_description_beside_label_map_is_not_auto_loaded(data):
    seg = read_segmentation(real(data, "seg/itksnap/MRIcrop-seg.gipl.gz"))
    assert seg.labels[0].name == "Label 1"


def test_4d_label_map_with_4d_reference(data):
    reference = read_image(real(data, "4d/img4d_11f.nii.gz"))
    seg = read_segmentation(real(data, "4d/seg4d_11f_label2.nii.gz"), reference=reference)
    assert seg.time_steps == 11 and seg.is_dynamic
    assert [x.value for x in seg.labels] == [2]


def test_3d_label_map_on_4d_reference_is_static(data, tmp_path):
    reference = read_image(real(data, "4d/img4d_11f.nii.gz"))
    dynamic = read_segmentation(real(data, "4d/seg4d_11f_label1.nii.gz"))
    image = sitk.GetImageFromArray(dynamic.groups[0].array[4])
    image.SetSpacing(reference.geometry.spacing_xyz)
    image.SetOrigin(reference.geometry.origin_xyz)
    image.SetDirection(reference.geometry.direction.ravel().tolist())
    sitk.WriteImage(image, str(tmp_path / "frame4.nii.gz"))
    seg = read_segmentation(tmp_path / "frame4.nii.gz", reference=reference)
    assert seg.time_steps == 11 and not seg.is_dynamic
    assert seg.groups[0].array.shape == (1, 38, 35, 38)
    with pytest.raises(FormatError, match="time steps"):
        read_segmentation(
            real(data, "4d/seg4d_11f_label1.nii.gz"),
            reference=(reference.geometry, (3, 38, 35, 38)),
        )


def test_float_label_maps(tmp_path):
    array = np.zeros((3, 4, 5), np.float32)
    array[0, 0, 0] = 2.0
    sitk.WriteImage(sitk.GetImageFromArray(array), str(tmp_path / "int.nii.gz"))
    assert [x.value for x in read_segmentation(tmp_path / "int.nii.gz").labels] == [2]
    array[1, 1, 1] = 1.4
    sitk.WriteImage(sitk.GetImageFromArray(array), str(tmp_path / "frac.nii.gz"))
    with pytest.raises(FormatError, match="fractional"):
        read_segmentation(tmp_path / "frac.nii.gz")
    seg = read_segmentation(tmp_path / "frac.nii.gz", round_floats=True)
    assert [x.value for x in seg.labels] == [1, 2]


def test_rgb_label_map_is_refused(tmp_path):
    rgb = sitk.GetImageFromArray(np.zeros((4, 5, 3), np.uint8), isVector=True)
    sitk.WriteImage(rgb, str(tmp_path / "rgb.png"))
    with pytest.raises(FormatError, match="components"):
        read_segmentation(tmp_path / "rgb.png")


def test_several_groups_give_one_file_each(tmp_path):
    seg = synthetic_segmentation(groups=2)
    written = write_segmentation(seg, tmp_path / "maps.nii.gz")
    assert [p.name for p in written] == ["maps_group0.nii.gz", "maps_group1.nii.gz"]
    for group, path in zip(seg.groups, written, strict=True):
        back = read_segmentation(path)
        np.testing.assert_array_equal(back.groups[0].array, group.array)
        assert back.geometry.matches(seg.geometry)
    nrrd = write_segmentation(seg, tmp_path / "maps.nrrd", labelmap=True)
    assert [p.name for p in nrrd] == ["maps_group0.nrrd", "maps_group1.nrrd"]
    assert read_segmentation(nrrd[1]).source_format == "labelmap"


def _flipped_copy(image: sitk.Image, axes) -> sitk.Image:
    """The same physical voxels stored with flipped axes (like an RAS writer would)."""
    return sitk.Flip(image, axes)


@pytest.mark.parametrize("axes", [[True, False, False], [False, True, True]])
def test_flipped_label_map_is_reoriented_onto_the_reference(data, tmp_path, axes):
    reference = read_image(real(data, "mr/brain1_image.nrrd"))
    source = sitk.ReadImage(str(real(data, "mr/brain1_label.nrrd")))
    flipped = _flipped_copy(source, axes)
    assert not np.array_equal(sitk.GetArrayFromImage(flipped), sitk.GetArrayFromImage(source))
    sitk.WriteImage(flipped, str(tmp_path / "flipped.nrrd"), True)
    seg = read_segmentation(tmp_path / "flipped.nrrd", reference=reference)
    np.testing.assert_array_equal(seg.groups[0].array[0], sitk.GetArrayFromImage(source))
    # Same answer as SimpleITK's nearest-neighbour resampling onto the reference grid.
    resampled = sitk.Resample(flipped, source, sitk.Transform(), sitk.sitkNearestNeighbor)
    np.testing.assert_array_equal(seg.groups[0].array[0], sitk.GetArrayFromImage(resampled))


def test_permuted_axes_are_reoriented(data, tmp_path):
    reference = read_image(real(data, "mr/brain1_image.nrrd"))
    source = sitk.ReadImage(str(real(data, "mr/brain1_label.nrrd")))
    permuted = sitk.PermuteAxes(source, [2, 0, 1])
    sitk.WriteImage(permuted, str(tmp_path / "permuted.nii.gz"))
    seg = read_segmentation(tmp_path / "permuted.nii.gz", reference=reference)
    np.testing.assert_array_equal(seg.groups[0].array[0], sitk.GetArrayFromImage(source))


def test_cropped_label_map_is_placed_into_the_reference_grid(data, tmp_path):
    reference = read_image(real(data, "mr/brain1_image.nrrd"))
    source = sitk.ReadImage(str(real(data, "mr/brain1_label.nrrd")))
    cropped = source[100:200, 90:180, 5:20]
    sitk.WriteImage(cropped, str(tmp_path / "crop.nrrd"), True)
    seg = read_segmentation(tmp_path / "crop.nrrd", reference=reference)
    expected = np.zeros_like(sitk.GetArrayFromImage(source))
    expected[5:20, 90:180, 100:200] = sitk.GetArrayFromImage(source)[5:20, 90:180, 100:200]
    np.testing.assert_array_equal(seg.groups[0].array[0], expected)


def test_other_grid_is_refused(data, tmp_path):
    reference = read_image(real(data, "mr/brain1_image.nrrd"))
    source = sitk.ReadImage(str(real(data, "mr/brain1_label.nrrd")))
    shifted = sitk.Image(source)
    origin = list(source.GetOrigin())
    origin[0] += 0.3
    shifted.SetOrigin(origin)
    sitk.WriteImage(shifted, str(tmp_path / "shifted.nrrd"), True)
    with pytest.raises(FormatError, match="does not match the reference"):
        read_segmentation(tmp_path / "shifted.nrrd", reference=reference)
    with pytest.raises(FormatError, match="does not match the reference"):
        read_segmentation(real(data, "ct/example_seg.nii.gz"), reference=reference)
    with pytest.raises(FormatError, match="does not match the reference"):
        read_segmentation(
            real(data, "mr/brain1_label.nrrd"),
            reference=(reference.geometry, (25, 256, 255)),
        )
