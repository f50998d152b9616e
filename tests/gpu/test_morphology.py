"""Fill holes, closing, median, Gaussian and surfaces against scipy / scikit-image."""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage.measure import marching_cubes

from demarcate.gpu.morphology import closing, fill_holes, gaussian_smooth, median3, surface_mesh

from ._volumes import ct_like


def blobby(seed=0):
    rng = np.random.default_rng(seed)
    return ndimage.gaussian_filter(rng.normal(0, 1, (20, 30, 36)), 2) > 0.05


def test_fill_holes_equals_scipy_2d_and_3d():
    mask = blobby()
    assert np.array_equal(fill_holes(mask), ndimage.binary_fill_holes(mask))
    assert np.array_equal(fill_holes(mask[7]), ndimage.binary_fill_holes(mask[7]))
    assert not fill_holes(np.zeros((3, 4, 5), bool)).any()


def test_closing_equals_padded_scipy_closing():
    mask = blobby(1)
    grid = np.indices((5, 5, 5)) - 2
    ball = (grid**2).sum(axis=0) <= 4
    expected = ndimage.binary_closing(np.pad(mask, 5), ball)[5:-5, 5:-5, 5:-5]
    assert np.array_equal(closing(mask, 2), expected)


def test_median_of_mask_and_image_equal_scipy():
    mask = blobby(2)
    assert np.array_equal(median3(mask),
                          ndimage.median_filter(mask.astype(np.uint8), 3).astype(bool))
    image = ct_like()
    assert np.array_equal(median3(image), ndimage.median_filter(image, 3))


def test_gaussian_sigma_is_in_mm():
    image = ct_like()
    ours = gaussian_smooth(image, 2.0, (2.0, 1.0, 0.5))
    expected = ndimage.gaussian_filter(image.astype(np.float32), (1.0, 2.0, 4.0))
    assert ours.dtype == np.float32 and np.allclose(ours, expected)


def test_surface_equals_skimage_and_is_closed_at_the_border():
    mask = np.zeros((30, 32, 34), bool)
    mask[5:20, 8:25, 10:30] = True
    verts, faces, _ = surface_mesh(mask, 0.5, (2.0, 1.0, 0.5))
    expected, expected_faces, _, _ = marching_cubes(mask.astype(np.float32), 0.5,
                                                    spacing=(2.0, 1.0, 0.5))
    assert len(faces) == len(expected_faces)
    assert np.allclose(np.sort(verts, axis=0), np.sort(expected, axis=0))
    mask[:, :, :12] = True
    _, border_faces, _ = surface_mesh(mask)
    edges = np.sort(np.concatenate([border_faces[:, [0, 1]], border_faces[:, [1, 2]],
                                    border_faces[:, [2, 0]]]), axis=1)
    _, counts = np.unique(edges, axis=0, return_counts=True)
    assert np.all(counts == 2)  # every edge shared by two triangles: a closed surface
    assert surface_mesh(np.zeros((3, 3, 3), bool))[0].shape == (0, 3)
