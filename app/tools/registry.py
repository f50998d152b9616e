"""Every tool the window offers, in tool-panel order, and how to find one.

The registry is the only place that lists tools: the tool panel, the key table, the
Help window and docs/shortcuts.md all read it, so adding a tool here adds it everywhere.
"""

from __future__ import annotations

from .base import OptionValue, Tool, ToolInfo
from .brush import PaintTool, WipeTool
from .contour import AddTool, SubtractTool
from .growcut_tool import GrowCutTool
from .lasso import LassoTool
from .live_wire import LiveWireTool
from .nnunet_tool import NnunetTool
from .otsu_tool import OtsuTool
from .picking import PickingTool
from .region_growing import RegionGrowingTool
from .region_tools import CloseTool, EraseTool, FillTool
from .threshold_tools import ThresholdTool, ULThresholdTool
from .totalsegmentator_tool import TotalSegmentatorTool

TOOL_CLASSES: tuple[type[Tool], ...] = (
    AddTool, SubtractTool, PaintTool, WipeTool, FillTool, EraseTool, CloseTool,
    RegionGrowingTool, LassoTool, LiveWireTool,
    ThresholdTool, ULThresholdTool, OtsuTool, GrowCutTool, PickingTool,
    NnunetTool, TotalSegmentatorTool,
)
TOOL_INFOS: tuple[ToolInfo, ...] = tuple(cls.info for cls in TOOL_CLASSES)


def create_tools() -> dict[str, Tool]:
    """One instance of every tool, by name; tools of one option group share options."""
    shared: dict[str, dict[str, OptionValue]] = {}
    tools = {}
    for cls in TOOL_CLASSES:
        options = shared.setdefault(cls.option_group, {}) if cls.option_group else None
        tools[cls.info.name] = cls(options)
    return tools


def tool_for_key(letter: str) -> ToolInfo | None:
    """The tool whose shortcut is ``letter`` (case-insensitive)."""
    letter = letter.upper()
    return next((info for info in TOOL_INFOS if info.key == letter), None)
