"""2D interpolation between segmented slices (shape-based, signed distance)."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.draw import disk

from demarcate.tools.interpolation import SliceInterpolator, suggestions

from ..model.helpers import make_document


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
