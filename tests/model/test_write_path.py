"""The one write path against a plain per-voxel reference of MITK's label transfer."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from demarcate.model import MaskRegion, WriteMode, erase_mask, write_mask

from .helpers import make_document

SHAPE = (3, 5, 6)


def reference_write(group, locked, active, mask, mode, regard_locks, unlabeled_locked):
    """Voxel-by-voxel statement of the rule in segmentation-semantics.md."""
    out = group.copy()
    for index in np.ndindex(group.shape):
        value = group[index]
        if mask[index]:
            allowed = (
                not regard_locks
                or value == active
                or (value == 0 and not unlabeled_locked)
                or (value != 0 and not locked[value])
            )
            if allowed:
                out[index] = active
        elif mode is WriteMode.REPLACE and value == active:
            out[index] = 0
    return out


@settings(max_examples=150, deadline=None)
@given(
    voxels=arrays(np.uint16, SHAPE, elements=st.integers(0, 4)),
    mask=arrays(bool, SHAPE),
    locks=st.lists(st.booleans(), min_size=4, max_size=4),
    active=st.integers(1, 4),
    mode=st.sampled_from(list(WriteMode)),
    regard_locks=st.booleans(),
    unlabeled_locked=st.booleans(),
)
def test_write_mask_matches_reference(
    voxels, mask, locks, active, mode, regard_locks, unlabeled_locked
):
    document = make_document(SHAPE, labels_per_group=4)
    seg = document.segmentation
    seg.groups[0].array[0] = voxels
    seg.unlabeled_locked = unlabeled_locked
    locked = {0: unlabeled_locked}
    for label, lock in zip(seg.labels, locks, strict=True):
        label.locked = lock
        locked[label.value] = lock
    expected = reference_write(voxels, locked, active, mask, mode, regard_locks,
                               unlabeled_locked)

    recorded = []
    write_mask(seg, MaskRegion.from_full(mask), 0, active, mode=mode,
               regard_locks=regard_locks, record=lambda *a: recorded.append(a))

    np.testing.assert_array_equal(seg.groups[0].array[0], expected)
    assert bool(recorded) == (not np.array_equal(voxels, expected))


@settings(max_examples=100, deadline=None)
@given(
    voxels=arrays(np.uint16, SHAPE, elements=st.integers(0, 4)),
    mask=arrays(bool, SHAPE),
    active=st.integers(1, 4),
)
def test_erase_clears_only_the_given_label(voxels, mask, active):
    document = make_document(SHAPE, labels_per_group=4)
    seg = document.segmentation
    seg.groups[0].array[0] = voxels
    erase_mask(seg, MaskRegion.from_full(mask), 0, active)
    expected = np.where(mask & (voxels == active), 0, voxels)
    np.testing.assert_array_equal(seg.groups[0].array[0], expected)


def test_cookie_cutter_keeps_locked_neighbour():
    """Drawing a square across a locked neighbour leaves the neighbour's voxels intact."""
    document = make_document((1, 10, 10), labels_per_group=2)
    seg = document.segmentation
    seg.label(1).locked = True
    seg.groups[0].array[0, 0, :, 5:] = 1
    seg.active_label_value = 2
    square = np.zeros((1, 10, 10), bool)
    square[0, 2:8, 2:8] = True
    document.write(MaskRegion.from_full(square))
    slice_ = seg.groups[0].array[0, 0]
    assert (slice_[:, 5:] == 1).all()
    assert (slice_[2:8, 2:5] == 2).all()
    assert (slice_[slice_ == 2].size) == 18


def test_mask_partly_outside_is_clipped():
    document = make_document((2, 4, 4))
    mask = np.ones((1, 3, 3), bool)
    changed = document.write(MaskRegion(mask, (1, -1, 2)))
    array = document.segmentation.groups[0].array[0, 1]
    assert changed == 4
    assert array[:2, 2:].tolist() == [[1, 1], [1, 1]]
    assert document.write(MaskRegion(mask, (5, 0, 0))) == 0


def test_write_only_touches_the_active_labels_group():
    document = make_document((1, 4, 4), groups=2, labels_per_group=1)
    seg = document.segmentation
    seg.groups[1].array[...] = 2
    document.write(MaskRegion.from_full(np.ones((1, 4, 4), bool)), label_value=1)
    assert (seg.groups[0].array == 1).all()
    assert (seg.groups[1].array == 2).all()


def test_static_segmentation_writes_the_single_mask_for_every_time_step():
    document = make_document((1, 3, 3), time_steps=4)
    document.set_dynamic(False)
    seg = document.segmentation
    assert seg.groups[0].array.shape == (1, 1, 3, 3)
    document.write(MaskRegion.from_full(np.ones((1, 3, 3), bool)), time_step=3)
    assert (seg.groups[0].array[0] == 1).all()
