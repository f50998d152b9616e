"""GrowCut against itk-growcut's FastGrowCut, its GPU relaxation and incremental re-runs."""

from __future__ import annotations

import numpy as np
import pytest

from demarcate.gpu.growcut import _growcut_relaxed, growcut

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


def test_relaxation_path_gives_the_same_costs_and_labels():
    image = ct_like(shape=(12, 16, 18))
    seeds = box_seeds(image.shape)
    result = growcut(image, seeds, (1.5, 1.0, 1.0), 10.0)
    relaxed = _growcut_relaxed(image, seeds, result.box, np.array([1, 2]), (1.5, 1.0, 1.0),
                               10.0, None)
    assert np.array_equal(relaxed.path_costs(), result.path_costs())
    assert np.array_equal(relaxed.labels, result.labels)


def test_incremental_scribble_equals_full_rerun():
    image = ct_like()
    seeds = box_seeds(image.shape)
    first = growcut(image, seeds, margin=None)
    scribble = seeds.copy()
    scribble[12, 30:36, 10:20] = 1
    scribble[5, 5, 30:40] = 2
    incremental = growcut(image, scribble, previous=first)
    full = growcut(image, scribble)
    assert np.array_equal(incremental.labels, full.labels)
    assert np.array_equal(incremental.path_costs(), full.path_costs())


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
