"""Label statistics against SimpleITK's LabelStatisticsImageFilter on the real data."""

from __future__ import annotations

import math

import numpy as np
import pytest
import SimpleITK as sitk

from demarcate import formats
from demarcate.model import Geometry, Label, LabelGroup, ReferenceImage, Segmentation
from demarcate.model.statistics import (
    FIELDS,
    StatisticsRow,
    label_statistics,
    label_sums,
    statistics_rows,
)


def itk_statistics(image: sitk.Image, labels: sitk.Image) -> dict[int, dict[str, float]]:
    """ITK's count, mean, population SD, min, max and volume (ml) per label value."""
    spacing = image.GetSpacing()[:3]
    voxel_ml = float(np.prod(spacing)) / 1000.0
    statistics = sitk.LabelStatisticsImageFilter()
    statistics.Execute(image, labels)
    result = {}
    for value in statistics.GetLabels():
        if value == 0:
            continue
        count = statistics.GetCount(value)
        # ITK's sigma divides by count - 1 (a sample SD); ours by count.
        sd = statistics.GetSigma(value) * math.sqrt((count - 1) / count)
        result[value] = {"voxels": count, "mean": statistics.GetMean(value), "sd": sd,
                         "min": statistics.GetMinimum(value),
                         "max": statistics.GetMaximum(value), "volume_ml": count * voxel_ml}
    return result


def time_step_of(image: sitk.Image, t: int) -> sitk.Image:
    size = list(image.GetSize())
    return sitk.Extract(image, [*size[:3], 0], [0, 0, 0, t])


def assert_rows_match(rows: list[StatisticsRow], expected: dict[int, dict[str, float]]):
    assert {row.value for row in rows if row.voxels} == set(expected)
    for row in rows:
        if not row.voxels:
            continue
        itk = expected[row.value]
        assert row.voxels == itk["voxels"], row
        for field in ("mean", "sd", "min", "max", "volume_ml"):
            assert getattr(row, field) == pytest.approx(itk[field], rel=1e-6, abs=1e-6), (
                row, field)


def test_ct_table_equals_itk(shared_data):
    image_path = shared_data / "ct/example_ct_sm.nii.gz"
    seg_path = shared_data / "ct/example_seg.nii.gz"
    image = formats.read_image(image_path)
    seg = formats.read_segmentation(seg_path, reference=image)
    rows = label_statistics(seg, image)
    assert len(rows) == 41
    assert all(row.group == seg.groups[0].name for row in rows)
    expected = itk_statistics(sitk.ReadImage(str(image_path)),
                              sitk.ReadImage(str(seg_path), sitk.sitkUInt16))
    assert_rows_match(rows, expected)


def test_4d_two_overlapping_groups_at_a_time_step_equal_itk(shared_data):
    image_path = shared_data / "4d/img4d_11f.nii.gz"
    image = formats.read_image(image_path)
    seg = formats.read_segmentation(
        shared_data / "seg/mitk/mitral_4d_11frames_2groups.mitk.nrrd", reference=image)
    t = 6
    rows = label_statistics(seg, image, t)
    assert [(row.group, row.value, row.name) for row in rows] == [
        ("posterior", 1, "posterior leaflet"), ("anterior", 2, "anterior leaflet")]
    itk_image = time_step_of(sitk.ReadImage(str(image_path)), t)
    expected = {}
    for value in (1, 2):
        labels = sitk.ReadImage(str(shared_data / f"4d/seg4d_11f_label{value}.nii.gz"))
        expected |= itk_statistics(itk_image, time_step_of(labels, t))
    assert_rows_match(rows, expected)
    assert rows[0].voxels != label_statistics(seg, image, 0)[0].voxels  # it moves


def small_segmentation() -> tuple[Segmentation, ReferenceImage]:
    image = ReferenceImage(np.arange(2 * 3 * 4, dtype=np.int16).reshape(1, 2, 3, 4),
                           Geometry((2.0, 1.0, 0.5)))
    seg = Segmentation((2, 3, 4), image.geometry)
    group = LabelGroup("organs", seg.new_group_array(), [Label(3, "liver"), Label(9, "cyst")])
    group.array[0, 0, 1, :2] = 3
    group.array[0, 1, 2, 3] = 7  # a value that is no label: no row
    seg.groups.append(group)
    return seg, image


def test_small_table_exact_and_empty_label_without_numbers():
    seg, image = small_segmentation()
    liver, cyst = label_statistics(seg, image)
    assert liver.fields() == ("organs", 3, "liver", 2, 0.002, 4.5, 0.5, 4.0, 5.0)
    assert len(FIELDS) == len(liver.fields())
    assert (cyst.voxels, cyst.volume_ml) == (0, 0.0)
    assert all(math.isnan(getattr(cyst, f)) for f in ("mean", "sd", "min", "max"))


def test_sums_over_a_region_equal_the_whole_volume_and_give_the_box():
    seg, image = small_segmentation()
    whole = label_sums(seg, image.array[0], 0)
    assert whole[3].box == (slice(0, 1), slice(1, 2), slice(0, 2))
    assert whole[9].box is None
    part = label_sums(seg, image.array[0], 0, {3: (slice(0, 2), slice(0, 2), slice(0, 3))})
    assert part == {3: whole[3]}
    assert statistics_rows(seg, part) == label_statistics(seg, image)[:1]


def test_a_wrong_time_step_is_refused():
    seg, image = small_segmentation()
    with pytest.raises(IndexError, match="outside 0..0"):
        label_statistics(seg, image, 1)
