"""Labels and the default colour palette."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

Color = tuple[float, float, float]

# Distinct, saturated colours in the order MITK-like tools hand them out: the first
# label is red so a new segmentation looks the way users of those tools expect.
PALETTE: tuple[Color, ...] = (
    (1.0, 0.0, 0.0),
    (0.0, 0.8, 0.0),
    (0.0, 0.4, 1.0),
    (1.0, 0.85, 0.0),
    (0.0, 0.9, 0.9),
    (0.9, 0.0, 0.9),
    (1.0, 0.5, 0.0),
    (0.55, 0.3, 1.0),
    (0.5, 1.0, 0.5),
    (1.0, 0.6, 0.75),
    (0.6, 0.4, 0.2),
    (0.3, 0.7, 0.7),
    (0.8, 0.8, 0.4),
    (0.4, 0.0, 0.6),
    (0.0, 0.5, 0.25),
    (0.75, 0.0, 0.25),
    (0.5, 0.75, 1.0),
    (1.0, 0.8, 0.5),
    (0.35, 0.35, 0.7),
    (0.7, 0.9, 0.0),
)

MAX_LABEL_VALUE = 65535


def palette_color(index: int) -> Color:
    """Colour for the index-th label, cycling through the palette."""
    return PALETTE[index % len(PALETTE)]


@dataclass
class Label:
    """One label: a unique voxel value and how it is shown and protected.

    ``extra`` keeps attributes other tools store that Demarcate does not interpret
    (MITK's tracking id and description, Slicer's terminology tags), so that a
    read/write cycle does not lose them.
    """

    value: int
    name: str
    color: Color = (1.0, 0.0, 0.0)
    opacity: float = 0.6
    visible: bool = True
    locked: bool = True
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 1 <= int(self.value) <= MAX_LABEL_VALUE:
            raise ValueError(f"label value must be in 1..{MAX_LABEL_VALUE}, got {self.value}")
        self.value = int(self.value)
        self.color = tuple(float(c) for c in self.color)
        self.opacity = float(self.opacity)

    def copy(self) -> Label:
        return copy.deepcopy(self)
