"""Image geometry: where the voxel grid lies in physical space.

Inside Demarcate, arrays are indexed (t, z, y, x). Geometry vectors keep the physical
(x, y, z) order of ITK/NRRD, because they describe world space, not array axes; the
names carry the order so that no reader has to guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _identity() -> np.ndarray:
    return np.eye(3)


@dataclass(frozen=True)
class Geometry:
    """Spacing, origin and direction of a 3D grid (2D images have one slice).

    ``direction`` is ITK's 3x3 matrix: column j is the world direction of index axis j
    (j = 0 for x/columns, 1 for y/rows, 2 for z/slices).
    """

    spacing_xyz: tuple[float, float, float] = (1.0, 1.0, 1.0)
    origin_xyz: tuple[float, float, float] = (0.0, 0.0, 0.0)
    direction: np.ndarray = field(default_factory=_identity)
    time_step_ms: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "spacing_xyz", tuple(float(v) for v in self.spacing_xyz))
        object.__setattr__(self, "origin_xyz", tuple(float(v) for v in self.origin_xyz))
        direction = np.asarray(self.direction, dtype=float).reshape(3, 3)
        direction.setflags(write=False)
        object.__setattr__(self, "direction", direction)

    @property
    def spacing_zyx(self) -> tuple[float, float, float]:
        return self.spacing_xyz[::-1]

    def matches(self, other: Geometry, tolerance: float = 1e-4) -> bool:
        """True when both grids put every voxel at the same world position.

        The tolerance is relative to the spacing, because files written by other tools
        round origins and spacings to a few decimals.
        """
        scale = max(max(self.spacing_xyz), 1e-12)
        return (
            np.allclose(self.spacing_xyz, other.spacing_xyz, atol=tolerance * scale)
            and np.allclose(self.origin_xyz, other.origin_xyz, atol=tolerance * scale * 10)
            and np.allclose(self.direction, other.direction, atol=tolerance)
        )

    def index_to_world(self, index_xyz: np.ndarray) -> np.ndarray:
        """World (x, y, z) position of continuous index (x, y, z)."""
        scaled = np.asarray(index_xyz, dtype=float) * np.asarray(self.spacing_xyz)
        return np.asarray(self.origin_xyz) + self.direction @ scaled

    def placement(self) -> dict[str, list]:
        """Direction (ITK's matrix, as rows) and origin (x, y, z) as plain JSON, for a
        worker that gets only the array and spacing but must say where the grid lies
        (TotalSegmentator reorients its input by them)."""
        return {"direction": self.direction.tolist(), "origin": list(self.origin_xyz)}

    def describe(self) -> str:
        spacing = " x ".join(f"{v:g}" for v in self.spacing_xyz)
        origin = ", ".join(f"{v:g}" for v in self.origin_xyz)
        return f"spacing {spacing} mm, origin ({origin})"
