"""The reference image a segmentation is drawn on."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .geometry import Geometry


@dataclass
class ReferenceImage:
    """A scalar image as a (T, Z, Y, X) array plus its geometry.

    2D images have Z == 1 and 3D images T == 1, so every tool sees one layout.
    """

    array: np.ndarray
    geometry: Geometry = field(default_factory=Geometry)
    name: str = "image"
    source_path: str | None = None

    def __post_init__(self) -> None:
        if self.array.ndim != 4:
            raise ValueError(f"image array must be (T, Z, Y, X), got shape {self.array.shape}")

    @property
    def shape_zyx(self) -> tuple[int, int, int]:
        return tuple(self.array.shape[1:])

    @property
    def time_steps(self) -> int:
        return self.array.shape[0]

    def intensity_range(self) -> tuple[float, float]:
        return float(self.array.min()), float(self.array.max())
