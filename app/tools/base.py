"""The one tool interface: what every segmentation tool, 2D or 3D, offers the session.

A tool gets pointer events in slice coordinates (never screen pixels), declares its
options so the tool panel can render them without knowing the tool, shows what it
would do as a preview, and writes only through the document's write path. The session
builds the ``ToolContext`` (document, image at the shown time step, window) so no tool
reaches into the session or the window.

To add a tool: subclass ``Tool``, give it ``info`` (name, shortcut, icon, tooltip) and
``options``, override the events it uses, and list the class in ``registry.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple

import numpy as np

from ..model.document import SegmentationDocument
from .anchors import AnchorContour
from .slicing import SlicePosition

OptionValue = bool | int | float | str


@dataclass(frozen=True)
class ToolInfo:
    """How the tool appears: name (also its icon file), shortcut, tooltip, tab."""

    name: str
    key: str  # shortcut letter; Ctrl is never needed to select a tool
    description: str
    tab: str = "2D"
    inverts_with_ctrl: bool = False  # Ctrl swaps it with its opposite while drawing
    display_name: str = ""  # when the name's capitalised form is wrong ("UL Threshold")

    @property
    def title(self) -> str:
        return self.display_name or self.name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Option:
    """A setting of a tool, declared so that any panel can render and validate it.

    The kind follows the default's type: bool (checkbox), int or float (slider within
    ``minimum``..``maximum``), str (one of ``choices``; any text when there are none,
    e.g. a folder or a list of class names).
    """

    name: str
    label: str
    default: OptionValue
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()

    def coerce(self, value: OptionValue) -> OptionValue:
        """``value`` as this option's type, clamped into range; ValueError if impossible."""
        kind = type(self.default)
        if kind is bool:
            return bool(value)
        if kind is str:
            if self.choices and str(value) not in self.choices:
                raise ValueError(f"{self.label} must be one of {', '.join(self.choices)}")
            return str(value)
        number = kind(value)
        if self.minimum is not None:
            number = max(number, kind(self.minimum))
        if self.maximum is not None:
            number = min(number, kind(self.maximum))
        return number


@dataclass
class ToolContext:
    """What a tool may use while handling an event; assembled by the session."""

    document: SegmentationDocument
    image_zyx: np.ndarray | None = None  # the image at the shown time step
    window_width: float = 400.0  # the display window, for intensity-based tools
    time_step: int = 0


@dataclass(frozen=True)
class PointerEvent:
    """A press, drag, hover or double click on one slice, in plane (row, col) pixels."""

    position: SlicePosition
    point_rc: tuple[float, float]
    ctrl: bool = False

    @property
    def pixel(self) -> tuple[int, int]:
        return int(round(self.point_rc[0])), int(round(self.point_rc[1]))


class SlicePreview(NamedTuple):
    """A 2D tool's preview: a mask on one slice of one orientation."""

    axis: int
    index: int
    mask: np.ndarray

    def crosses(self, axis: int, index: int) -> bool:
        return (axis, index) == (self.axis, self.index)

    def mask_on(self, axis: int, index: int,
                shape_zyx: tuple[int, int, int]) -> np.ndarray | None:
        """The preview on the slice (axis, index), or None when it is not there."""
        return self.mask if self.crosses(axis, index) else None


@dataclass(frozen=True)
class VolumePreview:
    """A 3D tool's preview over ``box`` of the volume at ``time_step``: a boolean mask,
    or region numbers (0: none) for tools that preview several regions at once (Otsu).

    Only the box is kept, so a small result of a large volume stays small.
    """

    regions: np.ndarray  # (Z, Y, X) within box
    box: tuple[slice, slice, slice]
    time_step: int = 0

    def crosses(self, axis: int, index: int) -> bool:
        span = self.box[axis]
        return span.start <= index < span.stop

    def mask_on(self, axis: int, index: int,
                shape_zyx: tuple[int, int, int]) -> np.ndarray | None:
        """The preview on the slice (axis, index) of a volume of ``shape_zyx``, or None
        when the slice misses the box."""
        if not self.crosses(axis, index):
            return None
        span = self.box[axis]
        rows, cols = (k for k in range(3) if k != axis)
        plane = np.zeros((shape_zyx[rows], shape_zyx[cols]), dtype=self.regions.dtype)
        plane[self.box[rows], self.box[cols]] = np.take(self.regions, index - span.start,
                                                        axis=axis)
        return plane

    def keeping(self, numbers: set[int]) -> VolumePreview:
        """The preview showing only the regions ``numbers`` (Otsu's ticked regions)."""
        table = np.zeros(int(self.regions.max(initial=0)) + 1, dtype=self.regions.dtype)
        for number in numbers:
            if number < table.size:
                table[number] = number
        return VolumePreview(table[self.regions], self.box, self.time_step)


@dataclass(frozen=True)
class PlanesPreview:
    """A 3D tool's first answer while the volume is still computing: only the planes in
    view, as (axis, index, mask) each."""

    planes: tuple[tuple[int, int, np.ndarray], ...]
    shape_zyx: tuple[int, int, int]
    time_step: int = 0

    def crosses(self, axis: int, index: int) -> bool:
        return any((a, i) == (axis, index) for a, i, _ in self.planes)

    def mask_on(self, axis: int, index: int,
                shape_zyx: tuple[int, int, int]) -> np.ndarray | None:
        for a, i, mask in self.planes:
            if (a, i) == (axis, index):
                return mask
        return None

    def keeping(self, numbers: set[int]) -> PlanesPreview:
        planes = []
        for axis, index, mask in self.planes:
            keep = np.isin(mask, list(numbers))
            planes.append((axis, index, np.where(keep, mask, 0).astype(mask.dtype)))
        return PlanesPreview(tuple(planes), self.shape_zyx, self.time_step)


Preview = SlicePreview | VolumePreview | PlanesPreview


@dataclass
class Feedback:
    """What the views draw for the active tool besides the segmentation."""

    axis: int | None = None  # orientation of the contour being drawn
    contour: list[tuple[float, float]] = field(default_factory=list)
    anchors: AnchorContour | None = None
    brush_radius: float | None = None  # draw a brush circle of this radius at the mouse
    preview: Preview | None = None
    #: Colour of each region number of a preview that holds several (Otsu, GrowCut);
    #: None: the whole preview is one region, drawn in the preview green.
    preview_colors: dict[int, tuple[float, float, float]] | None = None
    confirmable: bool = False  # a finished contour waits for Confirm


class Tool:
    """Base class with the do-nothing answer to every event; tools override what they use.

    Event methods return the number of voxels they changed. ``options`` holds the
    current values by name; tools that share a setting (Paint and Wipe share the brush
    size) are given the same dictionary by the registry.
    """

    info: ClassVar[ToolInfo]
    option_specs: ClassVar[tuple[Option, ...]] = ()
    #: Tools with the same group share one set of option values (the brush size).
    option_group: ClassVar[str | None] = None
    #: Double clicks belong to the tool (closing a contour) rather than the view.
    uses_double_click: ClassVar[bool] = False

    def __init__(self, options: dict[str, OptionValue] | None = None) -> None:
        self.options = options if options is not None else {}
        for spec in self.option_specs:
            self.options.setdefault(spec.name, spec.default)

    def spec(self, name: str) -> Option:
        for spec in self.option_specs:
            if spec.name == name:
                return spec
        raise KeyError(f"the {self.info.title} tool has no option '{name}'")

    def bounds(self, name: str) -> tuple[float | None, float | None]:
        """The range a numeric option's slider offers (a tool may derive it from the
        image, as the threshold tools do)."""
        spec = self.spec(name)
        return spec.minimum, spec.maximum

    def set_option(self, name: str, value: OptionValue) -> OptionValue:
        """Validate and store an option; returns the value kept (clamped)."""
        self.options[name] = self.spec(name).coerce(value)
        return self.options[name]

    # --- events ------------------------------------------------------------------------
    def press(self, context: ToolContext, event: PointerEvent) -> int:
        return 0

    def drag(self, context: ToolContext, event: PointerEvent) -> int:
        return 0

    def release(self, context: ToolContext) -> int:
        return 0

    def hover(self, context: ToolContext, event: PointerEvent) -> bool:
        """Mouse moved with no button down; returns whether the feedback changed."""
        return False

    def double_click(self, context: ToolContext, event: PointerEvent) -> int:
        return 0

    def key(self, context: ToolContext, key: str) -> bool:
        """A key meant for the tool ("delete"); returns whether the tool used it."""
        return False

    def confirm(self, context: ToolContext) -> int:
        """Write what the tool holds (a closed contour, a preview); one undo step."""
        return 0

    def cancel(self) -> None:
        """Drop unconfirmed work and end any gesture in progress."""

    # --- state -------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A gesture (button held) is in progress."""
        return False

    def feedback(self) -> Feedback:
        return Feedback()
