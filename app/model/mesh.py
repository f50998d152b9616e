"""A triangle mesh in world (patient) coordinates: what the 3D view draws and what the
polygon-model exports write.

Vertices are (x, y, z) millimetres in the image's world space (ITK/LPS, as
``Geometry.index_to_world``), so a mesh opens at the right place in any tool that reads
the image's physical coordinates. Faces wind counter-clockwise seen from outside, and
normals point outwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Mesh:
    vertices: np.ndarray  # (N, 3) float32, world x, y, z in mm
    faces: np.ndarray  # (M, 3) int32 indices into vertices
    normals: np.ndarray  # (N, 3) float32, unit, outward

    @property
    def triangle_count(self) -> int:
        return int(self.faces.shape[0])

    @classmethod
    def empty(cls) -> Mesh:
        return cls(np.zeros((0, 3), np.float32), np.zeros((0, 3), np.int32),
                   np.zeros((0, 3), np.float32))
