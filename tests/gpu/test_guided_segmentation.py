"""The image-aware mode from contours: real organs of the abdominal CT from five
contours (the planes the simulated user of bench.efficiency draws), a bright blob in
noise from three, the drawn planes as hard constraints, and what a shape prior adds."""

from __future__ import annotations

import numpy as np
import pytest

from demarcate.gpu.guided_segmentation import segment_from_contours

from ._volumes import real_image

LIVER, SPLEEN, STOMACH = 5, 1, 6
#: (axis, index) of the first five contours bench.efficiency's user draws for each organ
#: (the plane with the most wrong voxels each time); measured Dice 0.978, 0.958, 0.959.
FIVE_PLANES = {
    LIVER: ((0, 24), (0, 13), (0, 20), (0, 5), (0, 29)),
    SPLEEN: ((2, 15), (0, 22), (2, 9), (1, 41), (2, 11)),
    STOMACH: ((2, 44), (2, 38), (1, 75), (0, 6), (2, 47)),
}


def dice(a, b) -> float:
    return 2.0 * np.logical_and(a, b).sum() / max(1, a.sum() + b.sum())


def contours(truth: np.ndarray, planes) -> tuple[list[int], list[int], list[np.ndarray]]:
    axes = [axis for axis, _ in planes]
    indices = [index for _, index in planes]
    return axes, indices, [np.take(truth, index, axis) for axis, index in planes]


@pytest.mark.parametrize("organ, minimum", [(LIVER, 0.97), (SPLEEN, 0.945),
                                            (STOMACH, 0.945)])
def test_real_organs_from_five_contours(organ, minimum):
    image, spacing = real_image("ct/example_ct_sm.nii.gz")
    reference, _ = real_image("ct/example_seg.nii.gz")
    truth = reference == organ
    axes, indices, masks = contours(truth, FIVE_PLANES[organ])
    found = segment_from_contours(image, axes, indices, masks, spacing)
    assert dice(found, truth) >= minimum
    for axis, index, mask in zip(axes, indices, masks, strict=True):
        assert np.array_equal(np.take(found, index, axis), mask)  # hard constraints


def noisy_blob(seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An ellipsoid at 120 on 20, Gaussian noise of 25, and a smaller ellipsoid of the
    same brightness touching it (a look-alike neighbour)."""
    rng = np.random.default_rng(seed)
    shape = (32, 40, 40)
    z, y, x = np.indices(shape, dtype=float)
    blob = ((z - 16) / 9) ** 2 + ((y - 20) / 12) ** 2 + ((x - 18) / 8) ** 2 <= 1
    neighbour = ((z - 16) / 7) ** 2 + ((y - 20) / 7) ** 2 + ((x - 31) / 6) ** 2 <= 1
    image = np.where(blob | neighbour, 120, 20) + rng.normal(0, 25, shape)
    return image.astype(np.int16), blob, neighbour & ~blob


def test_bright_blob_in_noise_from_three_orthogonal_contours():
    image, blob, neighbour = noisy_blob()
    axes, indices, masks = contours(blob, ((0, 16), (1, 20), (2, 18)))
    found = segment_from_contours(image, axes, indices, masks, (1.0, 1.0, 1.0))
    assert dice(found, blob) >= 0.97  # measured 0.988
    assert not (found & neighbour).any()  # the drawn planes hold the neighbour back


def test_a_shape_prior_keeps_one_contour_from_spreading():
    image, blob, _ = noisy_blob()
    axes, indices, masks = contours(blob, ((0, 16),))
    alone = segment_from_contours(image, axes, indices, masks, (1.0, 1.0, 1.0))
    prior = np.zeros_like(blob)
    prior[1:-1, 1:-1, 1:-1] = blob[2:, 1:-1, 1:-1]  # the shape, one voxel off in z
    guided = segment_from_contours(image, axes, indices, masks, (1.0, 1.0, 1.0),
                                   shape_prior=prior)
    assert dice(guided, blob) >= 0.93 > dice(alone, blob) + 0.1


def test_an_empty_drawn_plane_stays_empty_and_no_inside_gives_nothing():
    image, blob, _ = noisy_blob()
    empty_plane = np.zeros_like(blob[0])
    axes, indices, masks = contours(blob, ((1, 20), (0, 16)))
    found = segment_from_contours(image, [*axes, 0], [*indices, 12], [*masks, empty_plane],
                                  (1.0, 1.0, 1.0))
    assert not found[12].any() and found[16].any()
    nothing = segment_from_contours(image, [0], [16], [empty_plane], (1.0, 1.0, 1.0))
    assert not nothing.any()
