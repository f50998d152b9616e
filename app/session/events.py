"""What the session announces, so the window redraws only what an action changed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..model.changes import Change
from ..model.document import SegmentationDocument


class Topic(Enum):
    IMAGES = "images"  # an image was opened or closed
    SEGMENTATIONS = "segmentations"  # attached, closed, shown, hidden, saved, renamed
    SELECTION = "selection"  # another image or segmentation is selected
    CURSOR = "cursor"  # the crosshair moved
    TIME_STEP = "time_step"
    WINDOW = "window"  # level/width of the shown image
    DOCUMENT = "document"  # a document changed: ``change`` says what
    POLYGON_MODELS = "polygon_models"  # a polygon model of ``document`` came or went
    TOOL = "tool"  # the active tool or a tool option
    TOOL_FEEDBACK = "tool_feedback"  # contour, anchors or preview of the active tool
    INTERPOLATION = "interpolation"  # suggestions switched on/off or recomputed
    SURFACES = "surfaces"  # a label surface or the 3D preview's surface landed
    STATISTICS = "statistics"  # label statistics of the selected segmentation counted
    PREFERENCES = "preferences"
    JOBS = "jobs"  # a job was submitted or delivered
    ERROR = "error"  # background work failed: ``message`` says why, nothing changed


@dataclass(frozen=True)
class SessionEvent:
    topic: Topic
    document: SegmentationDocument | None = None
    change: Change | None = None
    message: str = ""
