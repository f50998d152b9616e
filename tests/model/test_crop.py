"""Autocrop: the labels' box over every group and time step, and the cropped grid's
origin, against SimpleITK and NumPy computed independently."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from demarcate import formats
from demarcate.model import Geometry, Label, LabelGroup, ReferenceImage, Segmentation
from demarcate.model.crop import (
    autocrop_box,
    crop_image,
    crop_segmentation,
    cropped_geometry,
    grid_image,
    labelled_box,
)


def sitk_box(path) -> tuple[slice, slice, slice]:
    """The union of every label's bounding box, from SimpleITK's shape statistics."""
    statistics = sitk.LabelShapeStatisticsImageFilter()
    statistics.Execute(sitk.ReadImage(str(path)))
    starts, stops = [], []
    for value in statistics.GetLabels():
        x, y, z, sx, sy, sz = statistics.GetBoundingBox(value)
        starts.append((z, y, x))
        stops.append((z + sz, y + sy, x + sx))
    return tuple(slice(a, b) for a, b in zip(np.min(starts, axis=0), np.max(stops, axis=0),
                                             strict=True))


def test_ct_box_and_origin_agree_with_simpleitk(shared_data):
    path = shared_data / "ct" / "example_seg.nii.gz"
    image = formats.read_image(shared_data / "ct" / "example_ct_sm.nii.gz")
    seg = formats.read_segmentation(path, reference=image)
    box = autocrop_box(seg)
    assert box == sitk_box(path)
    cropped = crop_segmentation(seg, box, "cropped")
    reference = sitk.ReadImage(str(path))
    start_xyz = [s.start for s in box[::-1]]
    assert np.allclose(cropped.geometry.origin_xyz,
                       reference.TransformIndexToPhysicalPoint(start_xyz), atol=1e-6)
    # SimpleITK's own crop lands its first voxel at the same place.
    region = sitk.RegionOfInterest(reference, [s.stop - s.start for s in box[::-1]], start_xyz)
    assert np.allclose(cropped.geometry.origin_xyz, region.GetOrigin(), atol=1e-6)
    np.testing.assert_array_equal(cropped.groups[0].array[0], sitk.GetArrayFromImage(region))
    assert cropped.voxel_counts() == seg.voxel_counts()
    assert [label.name for label in cropped.labels] == [label.name for label in seg.labels]


def test_3d_plus_t_box_covers_every_time_step(shared_data):
    image = formats.read_image(shared_data / "4d" / "img4d_11f.nii.gz")
    path = shared_data / "4d" / "seg4d_11f_label1.nii.gz"
    seg = formats.read_segmentation(path, reference=image)
    voxels = np.argwhere(sitk.GetArrayFromImage(sitk.ReadImage(str(path))))  # (t, z, y, x)
    expected = tuple(slice(int(a), int(b) + 1) for a, b in zip(voxels.min(axis=0)[1:],
                                                              voxels.max(axis=0)[1:],
                                                              strict=True))
    box = autocrop_box(seg)
    assert box == expected
    first_step = np.argwhere(seg.groups[0].array[0])
    assert first_step.min(axis=0)[0] > box[0].start  # one time step alone would lose voxels
    cropped = crop_segmentation(seg, box, "cropped")
    cropped_image = crop_image(image, box, "cropped image")
    assert cropped.time_steps == cropped_image.time_steps == 11 and cropped.is_dynamic
    assert cropped.voxel_counts() == seg.voxel_counts()
    assert cropped.geometry.matches(cropped_image.geometry)
    np.testing.assert_array_equal(cropped_image.array, image.array[(slice(None), *box)])
    # The 3D origin from the first three axes of SimpleITK's 4D geometry.
    reference = sitk.ReadImage(str(path))
    start = [box[2].start, box[1].start, box[0].start, 0]
    assert np.allclose(cropped.geometry.origin_xyz,
                       reference.TransformIndexToPhysicalPoint(start)[:3], atol=1e-5)


def test_every_group_counts_and_the_margin_stops_at_the_border(shared_data):
    image = formats.read_image(shared_data / "dicom" / "dcmqi_ct_3slice")
    seg = formats.read_segmentation(shared_data / "seg" / "mitk" / "ct3slice_2groups.mitk.nrrd",
                                    reference=image)
    boxes = [autocrop_box(single) for single in _one_group_each(seg)]
    box = autocrop_box(seg)
    for axis in range(3):
        assert box[axis].start == min(b[axis].start for b in boxes)
        assert box[axis].stop == max(b[axis].stop for b in boxes)
    grown = autocrop_box(seg, margin=5)
    assert grown[0] == slice(0, 3)  # three slices: the margin cannot leave the grid
    assert grown[1] == slice(box[1].start - 5, box[1].stop + 5)
    cropped = crop_segmentation(seg, grown, "cropped")
    assert [g.name for g in cropped.groups] == [g.name for g in seg.groups]
    assert cropped.voxel_counts() == seg.voxel_counts()


def _one_group_each(seg: Segmentation) -> list[Segmentation]:
    singles = []
    for group in seg.groups:
        single = Segmentation(seg.shape_zyx, seg.geometry, seg.time_steps)
        single.groups = [group]
        singles.append(single)
    return singles


def test_oblique_origin_moves_along_the_direction():
    direction = np.array([[0.0, -1.0, 0.0], [0.6, 0.0, 0.8], [-0.8, 0.0, 0.6]])
    geometry = Geometry((0.5, 2.0, 3.0), (10.0, 20.0, 30.0), direction)
    reference = sitk.Image(4, 4, 4, sitk.sitkUInt8)
    reference.SetSpacing(geometry.spacing_xyz)
    reference.SetOrigin(geometry.origin_xyz)
    reference.SetDirection(direction.flatten().tolist())
    moved = cropped_geometry(geometry, (3, 2, 1))  # z, y, x
    assert np.allclose(moved.origin_xyz, reference.TransformIndexToPhysicalPoint((1, 2, 3)))
    assert moved.spacing_xyz == geometry.spacing_xyz
    assert np.array_equal(moved.direction, direction)


def test_static_segmentation_on_a_3d_plus_t_image_and_a_blank_grid_image():
    seg = Segmentation((10, 12, 14), Geometry((1.0, 1.0, 2.0), (5.0, 0.0, 0.0)), time_steps=4,
                       dynamic=False)
    seg.groups.append(LabelGroup("Group 0", seg.new_group_array(), [Label(7, "seven")]))
    seg.groups[0].array[0, 2:4, 3:8, 9] = 7
    seg.active_label_value = 7
    seg.extra_header = {"org_mitk_uid": "the original's"}
    box = autocrop_box(seg, margin=1)
    assert box == (slice(1, 5), slice(2, 9), slice(8, 11))
    cropped = crop_segmentation(seg, box, "cropped")
    assert not cropped.is_dynamic and cropped.groups[0].array.shape == (1, 4, 7, 3)
    assert cropped.active_label_value == 7 and cropped.extra_header == {}
    cropped.validate()
    blank = grid_image(cropped, "grid")
    assert blank.array.shape == (4, 4, 7, 3) and not blank.array.any()
    assert blank.geometry.matches(cropped.geometry)
    assert isinstance(blank, ReferenceImage)


def test_nothing_to_crop_to():
    seg = Segmentation((4, 4, 4))
    seg.groups.append(LabelGroup("Group 0", seg.new_group_array(), [Label(1, "empty")]))
    assert labelled_box(seg) is None
    with pytest.raises(ValueError, match="no labelled voxel"):
        autocrop_box(seg)
    with pytest.raises(ValueError, match="margin"):
        autocrop_box(seg, margin=-1)
