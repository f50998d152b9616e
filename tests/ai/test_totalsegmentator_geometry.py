"""Where the TotalSegmentator adapter says the image lies: the NIfTI affine it writes
puts every voxel where SimpleITK puts it (in RAS), and a result TotalSegmentator hands
back reoriented comes back onto our grid voxel for voxel. No TotalSegmentator needed."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from demarcate.ai.worker.totalsegmentator_adapter import nifti_affine, onto_grid

LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0])
SHAPE_ZYX = (4, 5, 6)


def rotation(degrees: float) -> np.ndarray:
    """A direction that is neither the identity nor axis-aligned: rotation about z, then
    the sample CT's flip of x and y."""
    angle = np.radians(degrees)
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]) @ np.diag([-1.0, -1.0, 1.0])


@pytest.mark.parametrize("direction", [
    np.diag([-1.0, -1.0, 1.0]),                   # the sample CT
    np.array([[0, 0, 1], [1, 0, 0], [0, -1, 0.]]),  # a sagittal acquisition
    rotation(30.0),
])
def test_the_affine_puts_each_voxel_where_simpleitk_does(tmp_path, direction):
    spacing_xyz, origin_xyz = (0.7, 0.8, 2.5), (-120.5, 33.25, 410.0)
    image = sitk.GetImageFromArray(np.zeros(SHAPE_ZYX, np.float32))
    image.SetSpacing(spacing_xyz)
    image.SetOrigin(origin_xyz)
    image.SetDirection(direction.reshape(-1).tolist())
    sitk.WriteImage(image, str(tmp_path / "image.nrrd"))
    image = sitk.ReadImage(str(tmp_path / "image.nrrd"))
    affine = nifti_affine(image.GetSpacing()[::-1],
                          np.reshape(image.GetDirection(), (3, 3)).tolist(),
                          list(image.GetOrigin()))
    for index in [(0, 0, 0), (5, 0, 0), (0, 4, 0), (0, 0, 3), (5, 4, 3), (2, 1, 3)]:
        lps = np.array(image.TransformIndexToPhysicalPoint(index))
        ras = (affine @ [*index, 1.0])[:3]
        np.testing.assert_allclose(ras, LPS_TO_RAS @ lps, atol=1e-9)


def test_the_sample_ct_direction_is_already_canonical_in_ras():
    """diag(-1, -1, 1) in LPS is RAS's identity: TotalSegmentator must not flip it (as it
    did when the adapter assumed the identity direction and wrote diag(-sx, -sy, sz))."""
    affine = nifti_affine((2.5, 0.8, 0.7), np.diag([-1.0, -1.0, 1.0]), (0, 0, 0))
    np.testing.assert_allclose(affine, np.diag([0.7, 0.8, 2.5, 1.0]))


def reoriented(labels_zyx, affine, order, signs):
    """What a reorientation to canonical does to our (X, Y, Z) array: axis i of the result
    is axis order[i] of ours, reversed where signs[i] < 0; with the affine that keeps
    every voxel where it was (rounded to float32, as a NIfTI header stores it)."""
    ours = labels_zyx.transpose(2, 1, 0)
    reversed_axes = {axis for axis, sign in zip(order, signs, strict=True) if sign < 0}
    flipped = ours[tuple(slice(None, None, -1) if axis in reversed_axes else slice(None)
                         for axis in range(3))]
    # result index r -> our index g: g[order[i]] = r[i] or (n - 1 - r[i]).
    to_ours = np.zeros((4, 4))
    to_ours[3, 3] = 1.0
    for i, (axis, sign) in enumerate(zip(order, signs, strict=True)):
        to_ours[axis, i] = sign
        to_ours[axis, 3] = 0 if sign > 0 else ours.shape[axis] - 1
    return (flipped.transpose(order),
            (affine @ to_ours).astype(np.float32).astype(float))


@pytest.mark.parametrize("order,signs", [
    ((0, 1, 2), (1, 1, 1)), ((0, 1, 2), (-1, -1, 1)), ((2, 0, 1), (1, -1, -1)),
    ((1, 2, 0), (-1, 1, -1)),
])
def test_a_reoriented_result_comes_back_in_our_voxel_order(order, signs):
    labels = np.arange(np.prod(SHAPE_ZYX), dtype=np.uint16).reshape(SHAPE_ZYX)
    affine = nifti_affine((2.5, 0.8, 0.7), rotation(30.0), (-120.5, 33.25, 410.0))
    result, result_affine = reoriented(labels, affine, order, signs)
    back = onto_grid(result, result_affine, affine, SHAPE_ZYX)
    assert back.shape == SHAPE_ZYX
    np.testing.assert_array_equal(back, labels)


def test_a_result_on_another_grid_is_refused():
    labels = np.zeros(SHAPE_ZYX[::-1], np.uint8)
    affine = nifti_affine((2.5, 0.8, 0.7), np.diag([-1.0, -1.0, 1.0]), (0, 0, 0))
    shifted, resampled = affine.copy(), affine.copy()
    shifted[:3, 3] += 0.5 * np.array([0.7, 0.8, 2.5])
    resampled[:3, :3] *= 1.5
    for other in (shifted, resampled):
        with pytest.raises(RuntimeError, match="not on the image's voxel grid"):
            onto_grid(labels, other, affine, SHAPE_ZYX)
    with pytest.raises(RuntimeError, match="not on the image's voxel grid"):
        onto_grid(labels[:-1], affine, affine, SHAPE_ZYX)
