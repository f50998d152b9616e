"""Polygon models of a segmentation: one surface mesh per label, as the data manager's
"Create polygon model" and "Create smoothed polygon model" make them.

A model keeps each mesh with the label's value, name and colour as they were when it
was made, so an export names and colours its files like the labels and a 3D view can
draw them in the label colours, even after the labels change or go.
"""

from __future__ import annotations

from dataclasses import dataclass

from .labels import Color
from .mesh import Mesh


@dataclass(frozen=True, eq=False)
class LabelMesh:
    """The surface of one label (world coordinates, see ``Mesh``)."""

    value: int
    name: str
    color: Color
    mesh: Mesh


@dataclass(frozen=True, eq=False)
class PolygonModel:
    """The label surfaces of one segmentation at one time step.

    Labels without voxels at that time step have no surface and are not in ``labels``;
    ``vanished`` names the labels that had voxels but whose smoothed surface vanished
    (a structure thinner than the smoothing). Models compare by identity: two models
    made alike are still two items to remove.
    """

    name: str
    smoothed: bool
    time_step: int
    labels: tuple[LabelMesh, ...]
    vanished: tuple[str, ...] = ()

    @property
    def triangle_count(self) -> int:
        return sum(label.mesh.triangle_count for label in self.labels)
