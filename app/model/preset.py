"""Label-set presets: the label structure of a segmentation without its voxels."""

from __future__ import annotations

from dataclasses import dataclass, field

from .labels import Label
from .segmentation import Segmentation


@dataclass
class PresetGroup:
    name: str | None
    labels: list[Label] = field(default_factory=list)


@dataclass
class LabelSetPreset:
    """Groups with their labels (names, values, colours, locks, visibility, opacity)."""

    groups: list[PresetGroup]
    name: str = "preset"

    @classmethod
    def from_segmentation(cls, seg: Segmentation, name: str = "preset") -> LabelSetPreset:
        return cls(
            [PresetGroup(g.name, [label.copy() for label in g.labels]) for g in seg.groups],
            name,
        )

    @property
    def labels(self) -> list[Label]:
        return [label for group in self.groups for label in group.labels]

    def validate(self) -> None:
        values = [label.value for label in self.labels]
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise ValueError(f"label values used more than once: {duplicates}")
