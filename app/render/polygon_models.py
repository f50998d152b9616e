"""Polygon models of a segmentation's labels: MITK's "Create polygon model" and "Create
smoothed polygon model" (segmentation-semantics.md, "Data-manager actions").

The plain model is each label's marching-cubes surface (``label_surface``): it follows
the voxels exactly, staircase and all, which is what measuring or 3D printing a
segmentation as drawn wants. The smoothed model trades that for looks, in MITK's
order: a 3x3x3 median removes single-voxel noise, a Gaussian of sigma = sqrt(largest
spacing) mm (MITK's variance = largest spacing) rounds the voxel steps, marching cubes
at 0.5, Taubin smoothing of the mesh, and quadric decimation to half the triangles.

Taubin smoothing (``trimesh.smoothing.filter_taubin``) is Laplacian smoothing that
alternates a shrinking and an inflating step, so it smooths without shrinking. Plain
Laplacian smoothing (``filter_laplacian``) shrinks every pass, thin structures
(vessels, leaflets) most: a 15 mm ball on 3 mm voxels lost a third of its volume in
ten passes. trimesh's volume constraint for it rescales the whole mesh about one
centre, which moves the separate pieces of a label (two kidneys) against each other.
The Laplacian weighs neighbours by inverse distance: marching cubes on anisotropic
voxels gives long thin triangles, and equal weights drag vertices along the long edges
(on 0.7 x 1.1 x 2.5 mm voxels that left the surface rougher than before smoothing).
Decimation is trimesh's ``simplify_quadric_decimation`` (the fast-simplification
library), which keeps the shape where triangles matter.

Every label is meshed on its bounding box only (one ``find_objects`` pass finds all
boxes), so a model of many small labels costs the labels, not the volume.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import trimesh
from scipy import ndimage, sparse

from ..gpu.backend import bounding_box
from ..gpu.morphology import gaussian_smooth, median3
from ..model.geometry import Geometry
from ..model.mesh import Mesh
from ..model.polygon_model import LabelMesh, PolygonModel
from ..model.segmentation import Segmentation
from .surfaces import field_surface, label_surface

Box = tuple[slice, slice, slice]
Progress = Callable[[float, str], None]

TAUBIN_LAMBDA = 0.5  # the shrinking step
TAUBIN_NU = 0.52  # the inflating step: 0 < 1/lambda - 1/nu < 0.1 keeps the volume
SMOOTHING_ITERATIONS = 10
DECIMATION = 0.5  # the share of triangles decimation removes
MIN_DECIMATED_TRIANGLES = 64  # below this a model is left as it is: nothing to gain
GAUSSIAN_TRUNCATE = 4.0  # scipy's default: the kernel reaches 4 sigma


def smoothing_sigma_mm(geometry: Geometry) -> float:
    """MITK's Gaussian for smoothed models: variance = the largest spacing, so sigma is
    its square root (1.73 mm for 3 mm voxels, 2.55 mm for 6.5 mm slices)."""
    return math.sqrt(max(geometry.spacing_xyz))


def smoothed_label_surface(labels_zyx: np.ndarray, value: int, geometry: Geometry,
                           box: Box | None = None, *, sigma_mm: float | None = None,
                           iterations: int = SMOOTHING_ITERATIONS,
                           decimation: float = DECIMATION) -> Mesh:
    """The smoothed surface of label ``value`` in a (Z, Y, X) label array (world
    coordinates, outward normals); empty when the label has no voxel or is too thin
    for even the Gaussian alone to keep it above 0.5.

    ``box`` is the label's bounding box (None: searched). The filters run on the box
    grown by the Gaussian's reach plus the median's, clipped to the array, which gives
    the very values filtering the whole array would (outside the box the label is
    absent; at the array's border both reflect). ``sigma_mm`` defaults to
    ``smoothing_sigma_mm``; ``decimation`` is the share of triangles to remove.
    """
    box = bounding_box(labels_zyx == value) if box is None else box
    if box is None:
        return Mesh.empty()
    sigma_mm = smoothing_sigma_mm(geometry) if sigma_mm is None else sigma_mm
    spacing_zyx = geometry.spacing_zyx
    margins = [int(GAUSSIAN_TRUNCATE * sigma_mm / s + 0.5) + 2 for s in spacing_zyx]
    crop = tuple(slice(max(s.start - m, 0), min(s.stop + m, n))
                 for s, m, n in zip(box, margins, labels_zyx.shape, strict=True))
    mask = labels_zyx[crop] == value
    filtered = median3(mask)
    # A label thinner than the median (a valve leaflet, a vessel wall) would vanish
    # whole; it is then smoothed by the Gaussian alone, which keeps it.
    field = gaussian_smooth(filtered if filtered.any() else mask, sigma_mm, spacing_zyx)
    mesh = field_surface(field, geometry, 0.5, tuple(s.start for s in crop))
    if not mesh.triangle_count:
        return mesh
    return _smooth_and_decimate(mesh, iterations, decimation)


def inverse_distance_laplacian(surface: trimesh.Trimesh) -> sparse.csr_matrix:
    """The umbrella operator with neighbours weighted by 1 / distance, rows summing to
    one: ``trimesh.smoothing.laplacian_calculation(surface, equal_weight=False)``, built
    from the edge list in a few array operations instead of a Python loop per vertex
    (0.5 s instead of 4 s for the 170 000 vertices of a ball filling a 256^3 volume)."""
    edges = surface.edges_unique
    rows, cols = np.concatenate([edges[:, 0], edges[:, 1]]), np.concatenate(
        [edges[:, 1], edges[:, 0]])
    lengths = np.linalg.norm(surface.vertices[rows] - surface.vertices[cols], axis=1)
    count = len(surface.vertices)
    weights = sparse.csr_matrix((1.0 / np.maximum(lengths, 1e-6), (rows, cols)),
                                shape=(count, count))
    totals = np.asarray(weights.sum(axis=1)).ravel()
    return sparse.diags(1.0 / np.maximum(totals, 1e-12)) @ weights


def _smooth_and_decimate(mesh: Mesh, iterations: int, decimation: float) -> Mesh:
    """Taubin smoothing in world millimetres (so it is isotropic however anisotropic
    the voxels), then decimation; normals are recomputed from the new faces."""
    surface = trimesh.Trimesh(mesh.vertices.astype(np.float64), mesh.faces, process=False)
    laplacian = inverse_distance_laplacian(surface)
    trimesh.smoothing.filter_taubin(surface, lamb=TAUBIN_LAMBDA, nu=TAUBIN_NU,
                                    iterations=iterations, laplacian_operator=laplacian)
    if decimation > 0 and len(surface.faces) >= MIN_DECIMATED_TRIANGLES:
        surface = surface.simplify_quadric_decimation(percent=decimation)
    return Mesh(np.asarray(surface.vertices, np.float32),
                np.ascontiguousarray(surface.faces, dtype=np.int32),
                np.asarray(surface.vertex_normals, np.float32))


def polygon_model(segmentation: Segmentation, time_step: int = 0, *, smoothed: bool = False,
                  progress: Progress | None = None) -> PolygonModel:
    """One mesh per label of every group at ``time_step`` (labels of different groups
    may overlap, and each gets its whole surface); labels without voxels there are left
    out. ``progress(fraction, label name)`` is called before each label (the job
    runner's report, which is also where Cancel stops the work).

    The arrays are read while this runs: give it a copy when they may change meanwhile.
    """
    t_index = segmentation.stored_time_index(time_step)
    geometry = segmentation.geometry
    total = max(len(segmentation.labels), 1)
    done = 0
    meshes: list[LabelMesh] = []
    vanished: list[str] = []
    for group in segmentation.groups:
        array = group.array[t_index]
        values = group.label_values()
        boxes = ndimage.find_objects(array, max_label=max(values)) if values else []
        for label in group.labels:
            if progress is not None:
                progress(done / total, label.name)
            done += 1
            box = boxes[label.value - 1]  # values start at 1: find_objects' index 0
            if box is None:
                continue
            mesh = (smoothed_label_surface(array, label.value, geometry, box) if smoothed
                    else label_surface(array, label.value, geometry, box))
            if mesh.triangle_count:
                meshes.append(LabelMesh(label.value, label.name, label.color, mesh))
            else:
                vanished.append(label.name)
    if progress is not None:
        progress(1.0, "")
    name = "Smoothed polygon model" if smoothed else "Polygon model"
    return PolygonModel(name, smoothed, time_step, tuple(meshes), tuple(vanished))
