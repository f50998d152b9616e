"""The surface of one label as a mesh in world coordinates (marching cubes).

Marching cubes is the kernel's (``gpu.morphology.surface_mesh``): the field is cropped
to where it reaches the level and padded by one voxel, so surfaces are closed where a
label touches the volume's border and the work is proportional to the label, not the
volume; a re-mesh after a brush stroke therefore costs the label's box. Vertices come
back in index space (z, y, x) and are mapped to world space with the image's spacing,
direction and origin; with a mirroring direction (determinant < 0, as some DICOM series
have) the triangles' winding is flipped so that they still face outwards.
"""

from __future__ import annotations

import numpy as np

from ..gpu.morphology import surface_mesh
from ..model.geometry import Geometry
from ..model.mesh import Mesh


def index_to_world(points_zyx: np.ndarray, geometry: Geometry) -> np.ndarray:
    """(N, 3) continuous (z, y, x) indices to (N, 3) world (x, y, z) millimetres."""
    scaled = points_zyx[:, ::-1] * np.asarray(geometry.spacing_xyz)
    return scaled @ geometry.direction.T + np.asarray(geometry.origin_xyz)


def normals_to_world(normals_zyx: np.ndarray, geometry: Geometry) -> np.ndarray:
    """Normals transform with the inverse transpose of index_to_world's linear part."""
    linear = geometry.direction * np.asarray(geometry.spacing_xyz)  # columns scaled
    world = normals_zyx[:, ::-1] @ np.linalg.inv(linear)
    length = np.linalg.norm(world, axis=1, keepdims=True)
    return world / np.maximum(length, 1e-12)


def field_surface(field_zyx: np.ndarray, geometry: Geometry, level: float = 0.5,
                  offset_zyx: tuple[int, int, int] = (0, 0, 0)) -> Mesh:
    """The iso-surface ``level`` of a (Z, Y, X) scalar field (a mask, or a smoothed
    mask) placed at ``offset_zyx`` of the image grid; empty when nothing reaches it."""
    vertices, faces, normals = surface_mesh(field_zyx, level)
    if not len(faces):
        return Mesh.empty()
    world = index_to_world(vertices + np.asarray(offset_zyx, float), geometry)
    world_normals = normals_to_world(normals, geometry)  # skimage's point outwards
    # Read in (z, y, x) index space the triangles wind inwards; mapping to (x, y, z)
    # mirrors them outwards, and a mirroring direction would mirror them back.
    faces = faces[:, ::-1] if np.linalg.det(geometry.direction) < 0 else faces
    return Mesh(world.astype(np.float32), np.ascontiguousarray(faces, dtype=np.int32),
                world_normals.astype(np.float32))


def mask_surface(mask_zyx: np.ndarray, geometry: Geometry,
                 offset_zyx: tuple[int, int, int] = (0, 0, 0)) -> Mesh:
    """The boundary of a boolean (Z, Y, X) mask placed at ``offset_zyx`` of the image
    grid, through voxel centres' half-way points (level 0.5); empty when the mask is."""
    return field_surface(mask_zyx, geometry, 0.5, offset_zyx)


def label_surface(labels_zyx: np.ndarray, value: int, geometry: Geometry,
                  box: tuple[slice, slice, slice] | None = None) -> Mesh:
    """The surface of label ``value`` in a (Z, Y, X) label array on ``geometry``.

    ``box`` (the label's bounding box, e.g. from ``scipy.ndimage.find_objects``, which
    finds every label's box in one pass) limits the work to it; None searches the array.
    """
    if box is None:
        return mask_surface(labels_zyx == value, geometry)
    return mask_surface(labels_zyx[box] == value, geometry, tuple(s.start for s in box))
