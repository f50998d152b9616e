"""3D interpolation from contours on a 300 x 512 x 512 CT: what the session runs,
against scipy's RBF interpolation (MITK's 3D method) and, for parallel contours, the
2D slice interpolation (MITK's signed-distance method; SimpleITK lacks ITK's
morphological contour interpolator and the itk wheels here do not hold it).

The real CT's TotalSegmentator map in ../shared/data (or the bundled sample) is
resampled to 300 x 512 x 512 (nearest); its largest organ is the shape. Five contours
are that organ's masks on planes spread from 5 % to 95 % of its extent: two axial, two
coronal and one sagittal (mixed), or five axial (parallel). Timed, best of three after
one untimed run: ``shape_of`` as the session's job runs it (kernel and crop), coarse
(the first preview) and exact; scipy's ``RBFInterpolator`` (thin-plate spline, MITK's
kernel) on the contours' boundary pixels (value 0) and a pixel inside and outside along
each pixel's normal (-1 and +1 mm), subsampled to at most 3000 points, evaluated on the
grid nodes of our exact shape in the contours' box (its Dice after a trilinear
upsampling of the field to the voxels, which is not timed); the 2D slice interpolation
between the parallel contours as the 2D tool computes it. Dice is against the organ.

    python -m bench.interpolation_3d [--size 512]
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from scipy import ndimage
from scipy.interpolate import RBFInterpolator

from bench.label_statistics import resampled_labels
from bench.timing import best_of
from bench.volume_tools import resampled_ct
from demarcate.gpu.contour_interpolation import MAX_CELLS, _grid_steps
from demarcate.gpu.distance import edge_distance
from demarcate.model import Geometry, Label, LabelGroup, Segmentation
from demarcate.session.contour_interpolation import shape_of
from demarcate.tools.contour_set import Contour
from demarcate.tools.interpolation import suggestions

RBF_POINTS = 3000


def dice(a: np.ndarray, b: np.ndarray) -> float:
    return 2.0 * float((a & b).sum()) / max(1.0, float(a.sum() + b.sum()))


def planes_across(organ: np.ndarray, axes: list[int]) -> list[tuple[int, int]]:
    """Planes at evenly spread fractions of the organ's extent along each axis."""
    spans = {a: np.flatnonzero(organ.any(axis=tuple(k for k in range(3) if k != a)))
             for a in set(axes)}
    planes = []
    for axis in sorted(set(axes)):
        count = axes.count(axis)
        first, last = spans[axis][0], spans[axis][-1]
        for k in range(count):
            fraction = 0.05 + 0.9 * k / (count - 1) if count > 1 else 0.5
            planes.append((axis, int(round(first + fraction * (last - first)))))
    return planes


def rbf_constraints(contours: list[Contour], spacing_zyx) -> tuple[np.ndarray, np.ndarray]:
    """MITK's constraints: boundary points (0) and one point inside and one outside
    along each point's in-plane normal (-1, +1 mm), in mm."""
    points, values = [], []
    for contour in contours:
        in_plane = [s for k, s in enumerate(spacing_zyx) if k != contour.axis]
        distance = edge_distance(contour.mask, in_plane)
        if not np.isfinite(distance).all():
            continue
        rows, cols = np.nonzero(contour.mask & ~ndimage.binary_erosion(contour.mask))
        grad_r, grad_c = np.gradient(distance, *in_plane)
        norm = np.hypot(grad_r[rows, cols], grad_c[rows, cols]) + 1e-9
        for offset in (0.0, -1.0, 1.0):
            mm = np.zeros((rows.size, 3))
            plane_axes = [k for k in range(3) if k != contour.axis]
            mm[:, contour.axis] = contour.index * spacing_zyx[contour.axis]
            mm[:, plane_axes[0]] = rows * in_plane[0] + offset * grad_r[rows, cols] / norm
            mm[:, plane_axes[1]] = cols * in_plane[1] + offset * grad_c[rows, cols] / norm
            points.append(mm)
            values.append(np.full(rows.size, offset))
    points, values = np.concatenate(points), np.concatenate(values)
    keep = np.random.default_rng(0).permutation(points.shape[0])[:RBF_POINTS]
    return points[keep], values[keep]


def rbf_shape(contours: list[Contour], organ: np.ndarray, spacing_zyx
              ) -> tuple[np.ndarray, tuple]:
    """The RBF field on the grid nodes of our exact shape over the contours' box, and
    that box."""
    drawn = np.zeros_like(organ)
    for contour in contours:
        np.moveaxis(drawn, contour.axis, 0)[contour.index] = contour.mask
    box = ndimage.find_objects(drawn.astype(np.uint8))[0]
    size = tuple(s.stop - s.start for s in box)
    steps = _grid_steps(size, spacing_zyx, 1, MAX_CELLS)
    nodes = tuple(slice(s.start, s.stop, step) for s, step in zip(box, steps, strict=True))
    grid = np.stack(np.meshgrid(*[np.arange(s.start, s.stop, s.step) * h for s, h in
                                  zip(nodes, spacing_zyx, strict=True)], indexing="ij"),
                    axis=-1)
    points, values = rbf_constraints(contours, spacing_zyx)
    field = RBFInterpolator(points, values, kernel="thin_plate_spline")(grid.reshape(-1, 3))
    return field.reshape(grid.shape[:3]), box


def rbf_voxels(field: np.ndarray, box: tuple, shape_zyx) -> np.ndarray:
    """The RBF's shape on every voxel: its field upsampled (trilinear) over the box."""
    size = [s.stop - s.start for s in box]
    factors = [(n - 1) / max(1, m - 1) for n, m in zip(size, field.shape, strict=True)]
    shape = np.zeros(shape_zyx, bool)
    fine = ndimage.zoom(field, factors, order=1, grid_mode=False)
    shape[box] = fine[tuple(slice(0, n) for n in size)] <= 0
    return shape


def slice_interpolation(contours: list[Contour], organ: np.ndarray, spacing_zyx
                        ) -> np.ndarray:
    """The 2D tool's suggestions between parallel axial contours, with the contours."""
    drawn = np.zeros(organ.shape, np.uint16)
    for contour in contours:
        drawn[contour.index][contour.mask] = 1
    found = suggestions(drawn, 1, 0, spacing_zyx, sorted(c.index for c in contours))
    for index, mask in found.items():
        drawn[index][mask] = 1
    return drawn == 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512, help="rows and columns (512)")
    args = parser.parse_args()
    volume, spacing_zyx = resampled_ct(args.size)
    labels = resampled_labels(volume.shape)
    value = int(np.bincount(labels.ravel())[1:].argmax() + 1)
    organ = labels == value
    print(f"volume {volume.shape}, spacing {tuple(round(s, 2) for s in spacing_zyx)} mm, "
          f"organ: label {value} ({int(organ.sum())} voxels), {os.cpu_count()} CPUs")
    segmentation = Segmentation(volume.shape, Geometry(spacing_zyx[::-1]))
    segmentation.groups.append(LabelGroup("Group 0", np.zeros((1, *volume.shape),
                                                              np.uint16), [Label(1, "organ")]))
    print("case".ljust(34) + "seconds   Dice")
    for name, axes in (("mixed (2 axial, 2 coronal, 1 sagittal)", [0, 0, 1, 1, 2]),
                       ("parallel (5 axial)", [0] * 5)):
        print(name)
        contours = [Contour(1, 0, axis, index, np.take(organ, index, axis))
                    for axis, index in planes_across(organ, axes)]
        compare(contours, organ, segmentation, spacing_zyx)


def compare(contours: list[Contour], organ: np.ndarray, segmentation: Segmentation,
            spacing_zyx) -> None:
    for coarse, what in ((4, "ours, coarse preview"), (1, "ours, exact")):
        seconds = best_of(lambda c=coarse: shape_of(contours, segmentation, c), 3)
        preview = shape_of(contours, segmentation, coarse)
        shape = np.zeros_like(organ)
        shape[preview.box] = preview.regions
        print(f"  {what}".ljust(34) + f"{seconds:7.3f}  {dice(shape, organ):.3f}")
    seconds = best_of(lambda: rbf_shape(contours, organ, spacing_zyx), 1)
    shape = rbf_voxels(*rbf_shape(contours, organ, spacing_zyx), organ.shape)
    print(f"  scipy RBF ({RBF_POINTS} points, our grid)".ljust(34)
          + f"{seconds:7.3f}  {dice(shape, organ):.3f}  (time without upsampling)")
    if {c.axis for c in contours} == {0}:
        seconds = best_of(lambda: slice_interpolation(contours, organ, spacing_zyx), 3)
        shape = slice_interpolation(contours, organ, spacing_zyx)
        preview = shape_of(contours, segmentation)
        ours = np.zeros_like(organ)
        ours[preview.box] = preview.regions
        print("  2D slice interpolation".ljust(34) + f"{seconds:7.3f}  {dice(shape, organ):.3f}"
              f"  (Dice with ours {dice(shape, ours):.3f})")

if __name__ == "__main__":
    main()
