"""3D interpolation from contours on shapes of known geometry: the interpolated shape
against the analytic one (Dice), parallel contours against the 2D slice interpolation."""

from __future__ import annotations

import numpy as np
import pytest

from demarcate.gpu import backend
from demarcate.gpu.contour_interpolation import interpolate_contours, interpolate_contours_in_box
from demarcate.gpu.distance import interpolate_series


def dice(a: np.ndarray, b: np.ndarray) -> float:
    return 2.0 * float((a & b).sum()) / float(a.sum() + b.sum())


def contours_of(shape: np.ndarray, planes: list[tuple[int, int]]):
    """The analytic shape's masks on the drawn planes, as the session records them."""
    axes, indices = zip(*planes, strict=True)
    return list(axes), list(indices), [np.take(shape, i, axis=a) for a, i in planes]


def ball(shape, centre, radius_mm, spacing=(1.0, 1.0, 1.0)) -> np.ndarray:
    grids = np.ogrid[tuple(slice(0, n) for n in shape)]
    return sum(((g - c) * s) ** 2 for g, c, s in zip(grids, centre, spacing,
                                                   strict=True)) <= radius_mm**2


def test_sphere_from_three_orthogonal_circles():
    sphere = ball((64, 64, 64), (32, 32, 32), 20)
    result = interpolate_contours(*contours_of(sphere, [(0, 32), (1, 32), (2, 32)]),
                                  sphere.shape, (1.0, 1.0, 1.0))
    assert dice(result, sphere) >= 0.98
    # It closes: nothing beyond the drawn circles' reach, the centre filled.
    assert result[32, 32, 32] and not result[:12].any() and not result[:, :, 53:].any()


@pytest.mark.parametrize("coarse", [2, 4])
def test_a_coarse_preview_is_close(coarse):
    sphere = ball((64, 64, 64), (32, 32, 32), 20)
    result = interpolate_contours(*contours_of(sphere, [(0, 32), (1, 32), (2, 32)]),
                                  sphere.shape, (1.0, 1.0, 1.0), coarse=coarse)
    assert dice(result, sphere) >= 0.97


def test_two_separate_blobs():
    blobs = ball((80, 80, 80), (20, 20, 22), 10) | ball((80, 80, 80), (56, 58, 55), 13)
    planes = [(0, 20), (1, 20), (2, 22), (0, 56), (1, 58), (2, 55)]
    result = interpolate_contours(*contours_of(blobs, planes), blobs.shape, (1.0, 1.0, 1.0))
    assert dice(result, blobs) >= 0.95
    assert not result[40, 40, 40]  # not bridged


def bent_tube(n: int = 72) -> np.ndarray:
    """A quarter torus in the (z, x) plane around (8, 8): it leaves the axial plane z = 8
    upwards and ends on the sagittal plane x = 8, its centre line at y = n / 2."""
    z, y, x = np.ogrid[:n, :n, :n]
    angle = np.arctan2(z - 8, x - 8)
    major, minor = 0.45 * n, 0.11 * n
    return ((angle >= 0) & (angle <= np.pi / 2)
            & ((np.hypot(z - 8, x - 8) - major) ** 2 + (y - n // 2) ** 2 <= minor**2))


def test_bent_tube_from_non_parallel_contours():
    tube = bent_tube()
    middle = 8 + round(0.45 * 72 * np.sin(np.pi / 4))
    planes = [(0, 8), (2, 8), (1, 36), (0, middle)]
    result = interpolate_contours(*contours_of(tube, planes), tube.shape, (1.0, 1.0, 1.0))
    assert dice(result, tube) >= 0.92
    for axis, index, in planes:  # every drawn plane holds exactly what was drawn
        assert np.array_equal(np.take(result, index, axis), np.take(tube, index, axis))


def test_parallel_contours_agree_with_the_slice_interpolation():
    """Between parallel planes each line across them blends their distances, as the 2D
    interpolation does between two drawn slices."""
    z, y, x = np.ogrid[:48, :64, :64]
    radius = 6 + 0.4 * z
    cone = ((y - 30) ** 2 + (x - 34 + 0.3 * z) ** 2 <= radius**2) & (z >= 8) & (z <= 40)
    spacing = (2.0, 0.8, 0.8)
    drawn = [8, 24, 40]
    result = interpolate_contours(*contours_of(cone, [(0, i) for i in drawn]),
                                  cone.shape, spacing)
    slices = np.zeros_like(cone)
    for lower, upper in zip(drawn[:-1], drawn[1:], strict=True):
        ratios = [(i - lower) / (upper - lower) for i in range(lower, upper + 1)]
        slices[lower:upper + 1] = interpolate_series(cone[lower], cone[upper], ratios,
                                                     spacing[1:])
    assert dice(result, slices) >= 0.98
    assert dice(result, cone) >= 0.97


def test_an_empty_drawn_plane_ends_the_shape():
    column = np.zeros((40, 32, 32), bool)
    column[5:36, 8:24, 8:24] = True
    planes = [(0, 5), (0, 20), (0, 35)]
    axes, indices, masks = contours_of(column, planes)
    masks[1] = np.zeros_like(masks[1])  # drawn "nothing here" in the middle
    result = interpolate_contours(axes, indices, masks, column.shape, (1.0, 1.0, 1.0))
    assert not result[20].any()
    assert result[6].sum() > 0.8 * column[6].sum()  # beside a drawn square it stays
    assert result[12:28].sum() < 0.5 * column[12:28].sum()


def test_nothing_drawn_gives_nothing():
    empty = np.zeros((16, 16), bool)
    result = interpolate_contours([0, 0], [3, 5], [empty, empty], (8, 16, 16),
                                  (1.0, 1.0, 1.0))
    assert result.shape == (8, 16, 16) and not result.any()
    assert not interpolate_contours([], [], [], (4, 4, 4), (1.0, 1.0, 1.0)).any()


def test_anisotropic_spacing_is_in_mm():
    """A ball of 18 mm on 3 x 0.75 x 1 mm voxels, drawn in three orientations."""
    spacing = (3.0, 0.75, 1.0)
    shape = (24, 96, 72)
    sphere = ball(shape, (12, 48, 36), 18, spacing)
    planes = [(0, 12), (1, 48), (2, 36)]
    result = interpolate_contours(*contours_of(sphere, planes), shape, spacing)
    assert dice(result, sphere) >= 0.97
    isotropic = interpolate_contours(*contours_of(sphere, planes), shape, (1.0, 1.0, 1.0))
    assert dice(result, sphere) > dice(isotropic, sphere)


def test_the_later_contour_wins_where_planes_cross():
    full = np.ones((16, 16), bool)
    empty = np.zeros((16, 16), bool)
    result = interpolate_contours([0, 1], [8, 8], [full, empty], (16, 16, 16),
                                  (1.0, 1.0, 1.0))
    assert not result[:, 8].any() and result[8].sum() == 16 * 15


@pytest.mark.parametrize("axes, indices, masks", [
    ([0], [3], [np.zeros((5, 5), bool)]),
    ([3], [0], [np.zeros((4, 4), bool)]),
    ([1], [4], [np.zeros((4, 4), bool)]),
    ([0, 1], [0], [np.zeros((4, 4), bool)]),
])
def test_contours_that_do_not_fit_are_refused(axes, indices, masks):
    with pytest.raises(ValueError):
        interpolate_contours(axes, indices, masks, (4, 4, 4), (1.0, 1.0, 1.0))


def test_the_box_variant_is_the_same_shape_without_a_whole_volume():
    sphere = ball((48, 48, 48), (20, 24, 26), 12)
    contours = contours_of(sphere, [(0, 20), (1, 24), (2, 26), (0, 40)])
    whole = interpolate_contours(*contours, sphere.shape, (1.0, 1.0, 1.0))
    shape, box = interpolate_contours_in_box(*contours, sphere.shape, (1.0, 1.0, 1.0))
    assert box == (slice(8, 33), slice(12, 37), slice(14, 39))  # the drawn voxels' box
    assert np.array_equal(whole[box], shape) and whole.sum() == shape.sum()
    assert interpolate_contours_in_box([0], [3], [np.zeros((48, 48), bool)], sphere.shape,
                                       (1.0, 1.0, 1.0)) is None


_, NO_GPU = backend._try_cupy()


@pytest.mark.skipif(bool(NO_GPU), reason=f"no usable GPU: {NO_GPU}")
def test_the_cupy_path_gives_the_numpy_shape():
    import cupy

    sphere = ball((64, 64, 64), (30, 32, 34), 18)
    axes, indices, masks = contours_of(sphere, [(0, 30), (1, 32), (2, 34), (0, 45)])
    reference = interpolate_contours(axes, indices, masks, sphere.shape, (1.5, 1.0, 0.8))
    device = interpolate_contours(axes, indices, [cupy.asarray(m) for m in masks],
                                  sphere.shape, (1.5, 1.0, 0.8))
    assert isinstance(device, cupy.ndarray)
    assert dice(device.get(), reference) > 0.999


def test_progress_is_reported_and_raising_there_stops_the_work():
    sphere = ball((48, 48, 48), (24, 24, 24), 14)
    contours = contours_of(sphere, [(0, 24), (1, 24)])
    fractions = []
    interpolate_contours(*contours, sphere.shape, (1.0, 1.0, 1.0), progress=fractions.append)
    assert len(fractions) >= 3 and fractions == sorted(fractions)
    assert fractions[0] == 0.0 and fractions[-1] == 0.8

    class Cancelled(Exception):
        pass

    def cancel_after_the_first_level(fraction: float) -> None:
        if fraction > 0:
            raise Cancelled

    with pytest.raises(Cancelled):
        interpolate_contours(*contours, sphere.shape, (1.0, 1.0, 1.0),
                             progress=cancel_after_the_first_level)
