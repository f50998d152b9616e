"""GrowCut against itk-growcut's FastGrowCut, its GPU relaxation, incremental re-runs (and
which path ran), slabs of thin volumes and the coarse preview."""

from __future__ import annotations

import numpy as np
import pytest

import demarcate.gpu.growcut as module
from demarcate.gpu.growcut import (
    ALREADY_CONTINUED,
    BOX_GREW,
    FIRST_RUN,
    FULL,
    INCREMENTAL,
    PARAMETERS_CHANGED,
    SEED_REMOVED,
    _growcut_relaxed,
    growcut,
    growcut_coarse,
)

from ._volumes import ct_like, real_image


def dice(a, b):
    return 2.0 * np.logical_and(a, b).sum() / max(1, a.sum() + b.sum())


def box_seeds(shape):
    seeds = np.zeros(shape, np.uint8)
    depth, height, width = shape
    seeds[depth * 3 // 8, height * 3 // 8 - 1: height * 3 // 8 + 2, width * 3 // 8] = 1
    seeds[1, :, 2] = 2
    seeds[depth - 2, height - 3, :] = 2
    return seeds


def fast_grow_cut(image, seeds, spacing, penalty=0.0):
    itk = pytest.importorskip("itk", reason="itk-growcut (the GrowCut peer) is not installed")
    peer_image = itk.image_from_array(image.astype(np.float32))
    peer_image.SetSpacing(tuple(float(s) for s in spacing[::-1]))
    peer_seeds = itk.image_from_array(seeds.astype(np.uint8))
    peer_seeds.CopyInformation(peer_image)
    grow = itk.FastGrowCut[type(peer_image), type(peer_seeds)].New()
    grow.SetInput(peer_image)
    grow.SetSeedImage(peer_seeds)
    grow.SetDistancePenalty(penalty)
    grow.Update()
    return itk.array_from_image(grow.GetOutput())


@pytest.mark.parametrize("penalty, spacing", [(0.0, (1.0, 1.0, 1.0)), (40.0, (2.0, 0.9, 0.8))])
def test_dice_against_fast_grow_cut(penalty, spacing):
    image = ct_like()
    seeds = box_seeds(image.shape)
    ours = growcut(image, seeds, spacing, penalty).labels
    peer = fast_grow_cut(image, seeds, spacing, penalty)
    for value in (1, 2):
        assert dice(ours == value, peer == value) >= 0.95


def test_dice_against_fast_grow_cut_on_real_ct():
    image, spacing = real_image("ct/example_ct_sm.nii.gz")
    seg, _ = real_image("ct/example_seg.nii.gz")
    from scipy import ndimage

    organ = seg == np.bincount(seg.ravel())[1:].argmax() + 1
    seeds = np.zeros(image.shape, np.uint8)
    seeds[ndimage.binary_erosion(organ, iterations=2)] = 1
    seeds[~ndimage.binary_dilation(organ, iterations=4) & (np.indices(seg.shape)[2] % 9 == 0)] = 2
    ours = growcut(image, seeds, spacing).labels
    peer = fast_grow_cut(image, seeds, spacing)
    for value in (1, 2):
        assert dice(ours == value, peer == value) >= 0.95


def test_relaxation_path_gives_the_same_costs_and_labels_and_continues(monkeypatch):
    image = ct_like(shape=(12, 16, 18))
    seeds = box_seeds(image.shape)
    result = growcut(image, seeds, (1.5, 1.0, 1.0), 10.0)
    relaxed = _growcut_relaxed(image, seeds, result.box, np.array([1, 2]), (1.5, 1.0, 1.0),
                               10.0, None)
    assert np.array_equal(relaxed.path_costs(), result.path_costs())
    assert np.array_equal(relaxed.labels, result.labels)
    # The GPU path through growcut, run on NumPy arrays: it honours ``previous``, and a
    # scribble (with a new label) relaxed from the previous keys equals Dijkstra.
    scribble = seeds.copy()
    scribble[6, 3:12, 9] = 2
    scribble[9, 8, 2:6] = 3
    expected = growcut(image, scribble, (1.5, 1.0, 1.0), 10.0)
    monkeypatch.setattr(module, "_use_relaxation", lambda image: True)
    first = growcut(image, seeds, (1.5, 1.0, 1.0), 10.0)
    assert (first.device, first.path, first.reason) == ("gpu", FULL, FIRST_RUN)
    again = growcut(image, scribble, (1.5, 1.0, 1.0), 10.0, previous=first)
    assert (again.device, again.path, again.reason) == ("gpu", INCREMENTAL, "")
    assert same_result(again, expected)
    scribble[6, 3, 9] = 0
    removed = growcut(image, scribble, (1.5, 1.0, 1.0), 10.0, previous=again)
    assert (removed.path, removed.reason) == (FULL, SEED_REMOVED)


def same_result(a, b) -> bool:
    return (a.box == b.box and np.array_equal(a.labels, b.labels)
            and np.array_equal(a.path_costs(), b.path_costs()))


def test_incremental_scribble_equals_full_rerun():
    image = ct_like()
    seeds = box_seeds(image.shape)
    first = growcut(image, seeds, margin=None)
    assert (first.path, first.reason, first.device) == (FULL, FIRST_RUN, "cpu")
    scribble = seeds.copy()
    scribble[12, 30:36, 10:20] = 1
    scribble[5, 5, 30:40] = 2
    incremental = growcut(image, scribble, previous=first)
    assert (incremental.path, incremental.reason) == (INCREMENTAL, "")
    full = growcut(image, scribble)
    assert np.array_equal(incremental.labels, full.labels)
    assert np.array_equal(incremental.path_costs(), full.path_costs())


@pytest.mark.parametrize("penalty, spacing", [(0.0, (1.0, 1.0, 1.0)), (25.0, (2.5, 0.8, 0.7))])
def test_scripted_scribbles_continue_exactly(penalty, spacing):
    """Line strokes of one label after another, a new label among them, each continued
    from the last result: every step equals a one-slab full run on the same seeds."""
    image = ct_like()
    seeds = box_seeds(image.shape)
    result = growcut(image, seeds, spacing, penalty)
    strokes = [(np.s_[12, 30:36, 10:20], 1), (np.s_[3:20, 20, 40], 2), (np.s_[8, 8:30, 30], 7),
               (np.s_[20, 35, 5:45], 1)]
    for where, value in strokes:
        seeds[where] = np.where(seeds[where] == 0, value, seeds[where])
        result = growcut(image, seeds, spacing, penalty, previous=result)
        assert result.path == INCREMENTAL
        assert same_result(result, growcut(image, seeds, spacing, penalty, slabs=1))


def test_path_and_reason_for_each_case():
    image = ct_like()
    seeds = np.zeros(image.shape, np.uint16)
    seeds[10, 10, 10:14] = 1
    seeds[14, 12, 10:14] = 2
    first = growcut(image, seeds, margin=3)
    assert (first.path, first.reason) == (FULL, FIRST_RUN)
    seeds[12, 11, 11] = 2
    added = growcut(image, seeds, margin=3, previous=first)
    assert (added.path, added.reason) == (INCREMENTAL, "")
    again = growcut(image, seeds, margin=3, previous=first)  # ``first`` was taken over
    assert (again.path, again.reason) == (FULL, ALREADY_CONTINUED)
    seeds[12, 11, 11] = 0
    removed = growcut(image, seeds, margin=3, previous=again)
    assert (removed.path, removed.reason) == (FULL, SEED_REMOVED)
    seeds[10, 10, 10] = 2  # relabelled
    relabelled = growcut(image, seeds, margin=3, previous=removed)
    assert (relabelled.path, relabelled.reason) == (FULL, SEED_REMOVED)
    changed = growcut(image, seeds, margin=4, previous=relabelled)
    assert (changed.path, changed.reason) == (FULL, PARAMETERS_CHANGED)
    penalty = growcut(image, seeds, distance_penalty=5.0, margin=4, previous=changed)
    assert (penalty.path, penalty.reason) == (FULL, PARAMETERS_CHANGED)
    # an integer image keeps its integer costs in a larger box: continued
    seeds[20, 30, 40] = 1
    grown = growcut(image, seeds, distance_penalty=5.0, margin=4, previous=penalty)
    assert (grown.path, grown.reason) == (INCREMENTAL, "")
    assert grown.box != penalty.box
    assert same_result(grown, growcut(image, seeds, distance_penalty=5.0, margin=4, slabs=1))
    # float levels are spread over the box's own range: a larger box is a full run
    floats = image.astype(np.float32)
    small = growcut(floats, seeds * (np.indices(seeds.shape)[0] < 16), margin=2)
    grown = growcut(floats, seeds, margin=2, previous=small)
    assert (grown.path, grown.reason) == (FULL, BOX_GREW)


def test_a_grown_box_continues_exactly_across_slabs_and_labels(monkeypatch):
    """A stroke outside the old box with a new label, in a box cut into slabs along
    another axis than before: the old costs land in the right slabs."""
    monkeypatch.setattr(module, "_thread_count", lambda: 3)
    image = ct_like(shape=(60, 40, 30))
    seeds = np.zeros(image.shape, np.uint8)
    seeds[10, 2:38, 10] = 1
    seeds[12, 20, 5:25] = 2
    first = growcut(image, seeds, (2.0, 0.8, 0.8), 10.0, margin=3)
    assert (first.slab_axis, len(first.slab_bounds)) == (1, 2)
    seeds[50:58, 35, 3] = 4
    grown = growcut(image, seeds, (2.0, 0.8, 0.8), 10.0, margin=3, previous=first)
    assert grown.path == INCREMENTAL
    assert (grown.slab_axis, len(grown.slab_bounds)) == (0, 3)
    assert same_result(grown, growcut(image, seeds, (2.0, 0.8, 0.8), 10.0, margin=3, slabs=1))


def test_seeds_keep_their_label_in_a_flat_region():
    """Two touching seeds in a flat region without distance penalty reach each other at
    cost 0; the lower label wins the tie everywhere but on the other seed itself."""
    image = np.zeros((4, 6, 6), np.int16)
    seeds = np.zeros(image.shape, np.uint8)
    seeds[1, 2, 2], seeds[1, 2, 3] = 1, 2
    labels = growcut(image, seeds).labels
    assert labels[1, 2, 3] == 2
    assert np.count_nonzero(labels == 2) == 1


@pytest.mark.parametrize("dtype, big", [(np.uint16, 117), (np.int16, 117), (np.int32, 70000),
                                        (np.uint8, 200), (np.int64, -3)])
def test_margin_limits_the_box_and_label_values_are_kept(dtype, big):
    image = ct_like()
    seeds = np.zeros(image.shape, dtype)
    seeds[10, 10, 10:14] = big
    seeds[14, 12, 10:14] = 5
    result = growcut(image, seeds, margin=3)
    assert result.box == (slice(7, 18), slice(7, 16), slice(7, 17))
    assert set(np.unique(result.labels)) == {0, 5, big}
    assert result.labels.dtype == dtype
    assert not result.labels[:7].any()


def test_needs_two_labels():
    image = ct_like()
    with pytest.raises(ValueError, match="two labels"):
        growcut(image, (image > 500).astype(np.uint8))


@pytest.mark.parametrize("slabs", [2, 3, 5])
def test_parallel_slabs_give_exactly_the_one_slab_result(slabs, monkeypatch):
    """Slabs solved apart and relaxed across their cuts equal one Dijkstra, even when a
    slab holds no seed at all; a tiny first block pool is enlarged while running."""
    import demarcate.gpu.growcut as module

    image = ct_like(shape=(30, 24, 26))
    seeds = np.zeros(image.shape, np.uint8)
    seeds[2, 5:9, 5] = 1
    seeds[4, 20, 3:20] = 2
    seeds[8, 12, 12] = 3
    one = growcut(image, seeds, (2.0, 0.8, 0.8), 15.0, slabs=1)
    monkeypatch.setattr(module, "_MIN_BLOCKS", 27)
    monkeypatch.setattr(module, "_VOXELS_PER_BLOCK", 10**9)
    split = growcut(image, seeds, (2.0, 0.8, 0.8), 15.0, slabs=slabs)
    assert len(split._slabs) == slabs
    assert np.array_equal(split.path_costs(), one.path_costs())
    assert np.array_equal(split.labels, one.labels)
    scribble = seeds.copy()
    scribble[25, 3:20, 10] = 3
    again = growcut(image, scribble, (2.0, 0.8, 0.8), 15.0, previous=split)
    full = growcut(image, scribble, (2.0, 0.8, 0.8), 15.0, slabs=1)
    assert np.array_equal(again.labels, full.labels)
    assert np.array_equal(again.path_costs(), full.path_costs())


def test_incremental_sees_strokes_painted_into_the_same_seed_array():
    """A tool paints into one seed array and re-runs: the result must not keep a view of
    the caller's seeds, or the next stroke would look as if it were already there."""
    image = ct_like()
    seeds = box_seeds(image.shape)
    result = growcut(image, seeds)
    seeds[12, 30:36, 10:20] = 1
    result = growcut(image, seeds, previous=result)
    seeds[5, 5, 30:40] = 2
    incremental = growcut(image, seeds, previous=result)
    full = growcut(image, seeds)
    assert np.array_equal(incremental.path_costs(), full.path_costs())
    assert np.array_equal(incremental.labels, full.labels)


def test_a_thin_volume_is_cut_into_slabs_along_another_axis(monkeypatch):
    """20 slices cannot make two 16-plane Z slabs; the box is cut along Y instead, one
    slab per thread, and the result (first run and re-run) equals one Dijkstra."""
    monkeypatch.setattr(module, "_thread_count", lambda: 4)
    image, spacing = real_image("ct/example_ct_sm.nii.gz")
    image = image[5:25]
    seeds = np.zeros(image.shape, np.uint8)
    seeds[10, 45:55, 55:65] = 1
    seeds[:, 5, ::10] = 2
    seeds[2, :, 110] = 2
    split = growcut(image, seeds, spacing, 5.0)
    assert split.slab_axis == 1
    assert split.slab_bounds == [(0, 25), (25, 50), (50, 76), (76, 101)]
    assert same_result(split, growcut(image, seeds, spacing, 5.0, slabs=1))
    seeds[15, 30:70, 40] = 1
    again = growcut(image, seeds, spacing, 5.0, previous=split)
    assert again.path == INCREMENTAL and again.slab_bounds == split.slab_bounds
    assert same_result(again, growcut(image, seeds, spacing, 5.0, slabs=1))


def test_the_default_uses_every_thread_on_a_thin_volume():
    """On this machine's own thread count: a 20 x 64 x 48 volume gets as many slabs as
    there are threads (up to 64 // 16 = 4), not one."""
    image = ct_like(shape=(20, 64, 48))
    seeds = box_seeds(image.shape)
    result = growcut(image, seeds)
    assert len(result.slab_bounds) == min(4, module._thread_count())
    assert result.slab_axis == (0 if len(result.slab_bounds) == 1 else 1)


def two_blobs(shape=(48, 64, 64)):
    """Noise around two bright blobs; seeds: a stroke in each blob (label 1) and a
    background stroke (label 2)."""
    rng = np.random.default_rng(3)
    grid = np.indices(shape)
    image = rng.normal(0.0, 60.0, shape)
    centres = [(16, 20, 20), (32, 44, 40)]
    for centre in centres:
        image[sum((g - c) ** 2 for g, c in zip(grid, centre, strict=True)) < 10**2] += 600
    seeds = np.zeros(shape, np.uint16)
    for z, y, x in centres:
        seeds[z, y - 3:y + 4, x] = 1
    seeds[2, 2:60, 50] = 2
    seeds[40, 5, 5:60] = 2
    return image.astype(np.int16), seeds


@pytest.mark.parametrize("margin, factor, blob_dice", [(None, 4, 0.8), (6, 4, 0.8), (None, 2, 0.9)])
def test_the_coarse_preview_agrees_with_the_exact_result(margin, factor, blob_dice):
    """Same shape, dtype and box as the exact labels, seeds kept, >= 95 % of the box
    equal; the blobs (radius 10) are blocky at the border, more so at factor 4."""
    image, seeds = two_blobs()
    exact = growcut(image, seeds, (1.0, 0.8, 0.8), margin=margin)
    preview = growcut_coarse(image, seeds, (1.0, 0.8, 0.8), margin=margin, factor=factor)
    assert preview.shape == image.shape and preview.dtype == seeds.dtype
    outside = np.ones(image.shape, bool)
    outside[exact.box] = False
    assert not preview[outside].any()
    inside = preview[exact.box]
    assert np.all(inside != 0)
    assert np.mean(inside == exact.labels[exact.box]) >= 0.95
    assert dice(preview == 1, exact.labels == 1) >= blob_dice
    assert dice(preview == 2, exact.labels == 2) >= 0.95
    assert np.array_equal(preview[seeds != 0], seeds[seeds != 0])


def test_the_coarse_preview_picks_its_factor_and_falls_back_to_exact():
    image, seeds = two_blobs()
    exact = growcut(image, seeds).labels
    assert np.array_equal(growcut_coarse(image, seeds, factor=1), exact)
    assert module.coarse_factors((300, 512, 512), None) == (4, 4, 4)
    assert module.coarse_factors((20, 512, 512), (4, 2, 2)) == (4, 2, 2)
    assert module.coarse_factors((3, 64, 64), 8) == (3, 8, 8)
    # A block holding both labels takes the majority; a label that every block outvotes
    # makes the factor smaller, down to the exact run.
    crowded = np.zeros(image.shape, np.uint16)
    crowded[10, 10, 10:14] = 2
    crowded[10, 11, 11] = 1
    preview = growcut_coarse(image, crowded, factor=4)
    assert set(np.unique(preview)) == {1, 2} and preview[10, 11, 11] == 1
