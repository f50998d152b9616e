"""2D interpolation between segmented slices (shape-based, signed distance)."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from skimage.draw import disk

import demarcate.tools.interpolation as interpolation
from demarcate.model.changes import Change, ChangeKind, VoxelChange
from demarcate.tools.interpolation import SliceInterpolator, suggestions
from demarcate.tools.slicing import SlicePosition

from ..gpu._volumes import real_image
from ..model.helpers import make_document

LIVER, SPLEEN, STOMACH = 5, 1, 6  # ct/totalsegmentator_total_classmap.json


def circle(shape, radius, center=None):
    mask = np.zeros(shape, bool)
    center = center or (shape[0] // 2, shape[1] // 2)
    mask[disk(center, radius, shape=shape)] = True
    return mask


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_circle_to_bigger_circle_gives_intermediate_radii(axis):
    volume = np.zeros((11, 41, 41), np.uint16)
    volume = np.moveaxis(volume, 0, axis).copy()
    small, big = circle((41, 41), 6), circle((41, 41), 16)
    index = [slice(None)] * 3
    index[axis] = 0
    volume[tuple(index)][small] = 1
    index[axis] = 10
    volume[tuple(index)][big] = 1
    result = suggestions(volume, 1, axis)
    assert sorted(result) == list(range(1, 10))
    radii = [np.sqrt(result[i].sum() / np.pi) for i in range(1, 10)]
    assert all(a < b for a, b in zip(radii, radii[1:], strict=False))
    np.testing.assert_allclose(radii[4], 11, atol=0.8)  # halfway between 6 and 16


def test_slices_that_hold_the_label_get_no_suggestion():
    volume = np.zeros((5, 20, 20), np.uint16)
    for z in (0, 2, 4):
        volume[z][circle((20, 20), 5)] = 1
    assert set(suggestions(volume, 1, 0)) == {1, 3}


def test_two_pieces_are_both_interpolated():
    volume = np.zeros((5, 30, 60), np.uint16)
    for z in (0, 4):
        volume[z][circle((30, 60), 6, (15, 15))] = 1
        volume[z][circle((30, 60), 6, (15, 45))] = 1
    middle = suggestions(volume, 1, 0)[2]
    assert middle[15, 15] and middle[15, 45] and not middle[15, 30]


def test_confirm_all_is_one_undo_step_and_respects_locks():
    document = make_document((7, 30, 30), labels_per_group=2)
    seg = document.segmentation
    seg.active_label_value = 2
    array = seg.groups[0].array[0]
    array[0][circle((30, 30), 8)] = 2
    array[6][circle((30, 30), 8)] = 2
    array[3, 15:, :] = 1  # locked label 1 covers half of slice 3
    seg.label(1).locked = True
    interpolator = SliceInterpolator()
    interpolator.enabled = True
    interpolator.update(document, 0, 0)
    assert interpolator.slice_indices == [1, 2, 3, 4, 5]
    interpolator.confirm(document, 0)
    assert document.history.undo_depth == 1
    assert (array[3, 15:, :] == 1).all()
    assert (array[3][:15][circle((30, 30), 8)[:15]] == 2).all()
    document.undo()
    assert not (array[1:6] == 2).any()


def mitk_style(volume, axis, drawn, spacing_zyx):
    """The reference: SimpleITK's signed Maurer maps of the drawn slices, blended."""
    other = tuple(k for k in range(3) if k != axis)
    result = np.zeros_like(volume)

    def distance(mask):
        image = sitk.GetImageFromArray(mask.astype(np.uint8))
        image.SetSpacing(tuple(spacing_zyx[k] for k in other[::-1]))
        return sitk.GetArrayFromImage(sitk.SignedMaurerDistanceMap(
            image, insideIsPositive=False, squaredDistance=False, useImageSpacing=True))

    for lower, upper in zip(drawn[:-1], drawn[1:], strict=False):
        masks = np.take(volume, lower, axis), np.take(volume, upper, axis)
        if not masks[0].any() or not masks[1].any():
            continue
        maps = [distance(mask) for mask in masks]
        for index in range(lower + 1, upper):
            ratio = (index - lower) / (upper - lower)
            plane = [slice(None)] * 3
            plane[axis] = index
            result[tuple(plane)] = (1 - ratio) * maps[0] + ratio * maps[1] <= 0
    return result


def dice(a, b):
    return 2 * (a & b).sum() / (a.sum() + b.sum())


@pytest.mark.parametrize("spacing", [None, (3.0, 0.7, 0.7), (1.0, 2.0, 0.8)])
def test_real_organs_at_least_as_good_as_the_mitk_style_reference(spacing):
    """Every k-th slice of liver, spleen and stomach drawn (empty ones too), axial and
    coronal: the filled volume is at least as close to the truth as MITK's method."""
    seg, file_spacing = real_image("ct/example_seg.nii.gz")
    spacing = spacing or file_spacing
    for label in (LIVER, SPLEEN, STOMACH):
        truth = seg == label
        for axis in (0, 1):
            for k in (5, 8, 12):
                drawn = list(range(0, truth.shape[axis], k))
                plane = [slice(None)] * 3
                plane[axis] = drawn
                ours = np.zeros_like(truth)
                ours[tuple(plane)] = truth[tuple(plane)]
                reference = ours | mitk_style(truth, axis, drawn, spacing)
                for index, mask in suggestions(truth.astype(np.uint8), 1, axis, spacing,
                                               drawn).items():
                    plane[axis] = index
                    ours[tuple(plane)] = mask
                assert dice(ours, truth) >= dice(reference, truth) - 1e-9, (label, axis, k)


def test_an_empty_drawn_slice_ends_the_shape():
    volume = np.zeros((9, 20, 20), np.uint16)
    for z in (0, 8):
        volume[z][circle((20, 20), 6)] = 1
    assert set(suggestions(volume, 1, 0)) == set(range(1, 8))
    assert set(suggestions(volume, 1, 0, drawn=[0, 4, 8])) == set()  # 4 was erased


def test_an_edit_recomputes_only_the_gaps_it_touches(monkeypatch):
    document = make_document((13, 30, 30))
    seg = document.segmentation
    seg.active_label_value = 1
    array = seg.groups[0].array[0]
    for z in (0, 4, 8, 12):
        array[z][circle((30, 30), 5 + z // 2)] = 1
    calls = []
    real = interpolation.interpolate_series
    monkeypatch.setattr(interpolation, "interpolate_series",
                        lambda *args: calls.append(args) or real(*args))
    interpolator = SliceInterpolator()
    interpolator.enabled = True
    interpolator.update(document, 0, 0)
    assert len(calls) == 3 and interpolator.slice_indices == [1, 2, 3, 5, 6, 7, 9, 10, 11]
    before = interpolator.suggestion_for(0, 2)
    array[9][circle((30, 30), 9)] = 1  # a new drawn slice inside the gap 8..12
    interpolator.note_change(Change(ChangeKind.EDIT, "paint", (VoxelChange(
        0, 0, (slice(9, 10), slice(0, 30), slice(0, 30))),)), 0, 0)
    assert not interpolator.is_current(document, 0, 0)
    interpolator.update(document, 0, 0)
    assert len(calls) == 4  # only 9..12 (8..9 has no slice between)
    assert interpolator.suggestion_for(0, 2) is before
    assert interpolator.slice_indices == [1, 2, 3, 5, 6, 7, 10, 11]


def test_drawn_slices_follow_the_gestures_not_the_voxels():
    document = make_document((9, 20, 20))
    seg = document.segmentation
    seg.active_label_value = 1
    array = seg.groups[0].array[0]
    array[:, 10, 5:15] = 1  # a contour drawn in another orientation crosses every slice
    array[0][circle((20, 20), 5)] = 1
    array[8][circle((20, 20), 5)] = 1
    interpolator = SliceInterpolator()
    interpolator.enabled = True
    interpolator.update(document, 0, 0)
    assert interpolator.slice_indices == []  # voxel presence: every slice "drawn"
    for z in (0, 8):
        interpolator.note_drawn(document, SlicePosition(0, z, 0), 1)
    interpolator.note_drawn(document, SlicePosition(1, 10, 0), 1)
    interpolator.update(document, 0, 0)
    assert interpolator.slice_indices == list(range(1, 8))
