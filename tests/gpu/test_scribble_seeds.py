"""The background a few scribbles imply (region of interest, unlike intensities) and the
cleanup after GrowCut, on small hand-made volumes."""

from __future__ import annotations

import numpy as np

from demarcate.gpu.scribble_seeds import implied_background, keep_seeded, region_of_interest


def test_region_of_interest_is_the_seeds_box_grown_in_mm_and_clipped():
    seeds = np.zeros((10, 20, 20), bool)
    seeds[5, 8:10, 2:4] = True
    assert region_of_interest(seeds, (3.0, 1.0, 0.5), 3.0) == (
        slice(4, 7), slice(5, 13), slice(0, 10))
    assert region_of_interest(np.zeros_like(seeds), (1.0, 1.0, 1.0), 3.0) is None


def test_faces_inside_the_image_and_unlike_intensities_are_background():
    image = np.full((6, 12, 12), 50.0)
    image[:, :, 8:] = 200.0  # a brighter neighbour
    image[:, 2:4, 2:4] = 500.0  # gas-like part of the object, scribbled on its own
    seeds = np.zeros(image.shape, bool)
    seeds[3, 6, 3:6] = True  # a stroke on the 50s
    seeds[3, 2:4, 2] = True  # a stroke on the 500s
    box = (slice(0, 6), slice(1, 12), slice(0, 12))  # starts inside the image along y
    background = implied_background(image, seeds, box, tolerance=10.0)
    assert background[:, 0].all()  # the face at y = 1 lies inside the image
    assert not background[:, 1:, :8][image[box][:, 1:, :8] == 50].any()
    assert not background[image[box] == 500].any()  # the second stroke's intensity is kept
    assert background[:, 1:, 8:].all()  # 200 is unlike both strokes


def test_keep_seeded_drops_unscribbled_pieces_and_fills_holes():
    grown = np.zeros((9, 12, 12), bool)
    grown[1:8, 1:6, 1:6] = True
    grown[4, 3, 3] = False  # a hole
    grown[2:4, 8:11, 8:11] = True  # a piece no scribble touches
    seeds = np.zeros_like(grown)
    seeds[4, 2, 2] = True
    kept = keep_seeded(grown, seeds)
    assert kept[4, 3, 3] and not kept[2:4, 8:11, 8:11].any()
    assert kept[2:7, 2:5, 2:5].all()
