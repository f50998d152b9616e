"""Live wire: the cheapest path along image edges from the last anchor to the mouse.

Cost per pixel follows MITK's weighting, roughly: gradient magnitude 0.85 and Canny edges
(standing in for Laplacian zero crossings) 0.10; the 0.05 gradient-direction term is left
out. Costs are computed once per anchor (a Dijkstra sweep from it), so following the
mouse is only a trace back along the stored predecessors.
"""

from __future__ import annotations

import numpy as np
from skimage.feature import canny
from skimage.filters import sobel
from skimage.graph import MCP_Geometric

from .anchor_tool import ANCHOR_TOLERANCE_PX, AnchorTool
from .base import PointerEvent, ToolContext, ToolInfo
from .slicing import plane_of

GRADIENT_WEIGHT, EDGE_WEIGHT, BASE_COST = 0.85, 0.10, 0.05


def edge_cost(plane: np.ndarray) -> np.ndarray:
    """Low cost on strong edges, high cost in flat regions (values in about 0.05..1)."""
    image = plane.astype(np.float32)
    span = float(image.max() - image.min()) or 1.0
    image = (image - image.min()) / span
    gradient = sobel(image)
    gradient /= float(gradient.max()) or 1.0
    edges = canny(image, sigma=1.0)
    return BASE_COST + GRADIENT_WEIGHT * (1.0 - gradient) + EDGE_WEIGHT * (~edges)


class LiveWire:
    """Paths from one anchor to any pixel of a slice."""

    def __init__(self, plane: np.ndarray) -> None:
        self.cost = edge_cost(plane)
        self._mcp: MCP_Geometric | None = None
        self.anchor: tuple[int, int] | None = None

    def set_anchor(self, point: tuple[int, int]) -> None:
        self.anchor = point
        self._mcp = MCP_Geometric(self.cost, fully_connected=True)
        self._mcp.find_costs([point])

    def path_to(self, point: tuple[int, int]) -> list[tuple[float, float]]:
        """Pixels from the anchor to ``point`` (both included)."""
        if self._mcp is None:
            return [tuple(map(float, point))]
        rows, cols = self.cost.shape
        clamped = (min(max(int(point[0]), 0), rows - 1), min(max(int(point[1]), 0), cols - 1))
        return [(float(r), float(c)) for r, c in self._mcp.traceback(clamped)]


class LiveWireTool(AnchorTool):
    """Anchors joined by live-wire paths; moving an anchor re-routes both its segments."""

    info = ToolInfo("live_wire", "V", "Live wire: clicks set anchors, the path follows "
                    "image edges to the mouse; double click closes; drag anchors to edit "
                    "before confirming")

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self._wire: LiveWire | None = None
        self._path: list[tuple[float, float]] = []  # to the mouse

    def _start(self, context: ToolContext, event: PointerEvent) -> None:
        if context.image_zyx is None:
            raise ValueError("live wire needs the image")
        self._wire = LiveWire(plane_of(context.image_zyx, event.position))

    def press(self, context: ToolContext, event: PointerEvent) -> int:
        point = event.pixel
        if not self._same_slice(event.position):
            self._begin(context, event, point)
        elif self.anchors.closed:
            return self._grab_anchor(self.anchors.nearest_anchor(point, ANCHOR_TOLERANCE_PX))
        else:
            self.anchors.add_anchor(point, self._wire.path_to(point)[1:-1])
        self._wire.set_anchor(point)
        self._path = []
        return 0

    def release(self, context: ToolContext) -> int:
        if self._gesture and self._moving_anchor is not None:
            self._reroute(self._moving_anchor)
        return super().release(context)

    def hover(self, context: ToolContext, event: PointerEvent) -> bool:
        """The path from the last anchor follows the mouse."""
        if self._wire is None or self.anchors is None or self.anchors.closed:
            return False
        self._path = self._wire.path_to(event.pixel)
        return True

    def _reroute(self, index: int) -> None:
        """Recompute the paths on both sides of a moved anchor."""
        contour = self.anchors
        anchor = tuple(int(round(v)) for v in contour.anchors[index])
        contour.anchors[index] = anchor
        self._wire.set_anchor(anchor)
        count = len(contour.anchors)
        previous, following = (index - 1) % count, (index + 1) % count
        if index > 0 or contour.closed:
            back = self._wire.path_to(tuple(int(v) for v in contour.anchors[previous]))
            contour.inner[previous] = back[::-1][1:-1]
        if index < count - 1 or contour.closed:
            contour.inner[index] = self._wire.path_to(
                tuple(int(v) for v in contour.anchors[following]))[1:-1]

    def _closing_segment(self) -> list[tuple[float, float]]:
        path = self._wire.path_to(tuple(int(v) for v in self.anchors.anchors[0]))
        return path[1:-1]

    def _trail(self) -> list[tuple[float, float]]:
        return list(self._path)

    def cancel(self) -> None:
        super().cancel()
        self._wire, self._path = None, []
