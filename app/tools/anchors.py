"""Contours made of anchors and the segments between them (Lasso and Live wire).

Segment i runs from anchor i to anchor i + 1 (the last one back to anchor 0 once the
contour is closed). A segment is straight (no inner points), freehand (points drawn
with the mouse) or a live-wire path; only straight segments can take an inserted anchor
and only anchors between straight segments can be deleted, as in MITK.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Point = tuple[float, float]


@dataclass
class AnchorContour:
    anchors: list[Point] = field(default_factory=list)
    inner: list[list[Point]] = field(default_factory=list)  # per segment; [] = straight
    freehand: list[bool] = field(default_factory=list)
    closed: bool = False
    selected: int | None = None

    def add_anchor(self, point: Point, inner: list[Point] | None = None,
                   freehand: bool = False) -> None:
        """Append an anchor; ``inner`` are the points of the segment leading to it."""
        if self.anchors:
            self.inner.append(list(inner or []))
            self.freehand.append(freehand)
        self.anchors.append(point)

    def close(self, inner: list[Point] | None = None) -> None:
        if len(self.anchors) >= 3 and not self.closed:
            self.inner.append(list(inner or []))
            self.freehand.append(False)
            self.closed = True

    def points(self) -> list[Point]:
        """The outline as a polygon: every anchor followed by its segment's points."""
        result: list[Point] = []
        for index, anchor in enumerate(self.anchors):
            result.append(anchor)
            if index < len(self.inner):
                result.extend(self.inner[index])
        return result

    def nearest_anchor(self, point: Point, tolerance: float) -> int | None:
        if not self.anchors:
            return None
        distances = np.hypot(*(np.asarray(self.anchors) - np.asarray(point)).T)
        index = int(np.argmin(distances))
        return index if distances[index] <= tolerance else None

    def move_anchor(self, index: int, point: Point) -> None:
        """Move an anchor; its freehand neighbours keep their drawn points."""
        self.anchors[index] = point

    def _segment_end(self, index: int) -> Point:
        return self.anchors[(index + 1) % len(self.anchors)]

    def insert_anchor(self, point: Point) -> int | None:
        """Insert on the nearest straight segment; returns the new anchor's index."""
        best, best_distance = None, np.inf
        for index in range(len(self.inner)):
            if self.inner[index]:
                continue
            distance = _point_segment_distance(point, self.anchors[index],
                                               self._segment_end(index))
            if distance < best_distance:
                best, best_distance = index, distance
        if best is None:
            return None
        self.anchors.insert(best + 1, point)
        self.inner.insert(best + 1, [])
        self.freehand.insert(best + 1, False)
        return best + 1

    def delete_anchor(self, index: int) -> bool:
        """Delete an anchor between two straight segments (never below three anchors)."""
        if len(self.anchors) <= 3 or not self.closed:
            return False
        before, after = (index - 1) % len(self.inner), index
        if self.inner[before] or self.inner[after]:
            return False
        del self.anchors[index]
        del self.inner[after]
        del self.freehand[after]
        self.selected = None
        return True


def _point_segment_distance(point: Point, start: Point, end: Point) -> float:
    p, a, b = (np.asarray(v, dtype=float) for v in (point, start, end))
    direction = b - a
    length2 = float(direction @ direction)
    t = 0.0 if length2 == 0 else float(np.clip((p - a) @ direction / length2, 0.0, 1.0))
    return float(np.hypot(*(p - (a + t * direction))))
