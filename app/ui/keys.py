"""The central key-binding table: one place that says which key does what.

The Help window and docs/ list these rows with the keys as printed on a keyboard;
first-letter tool shortcuts are reserved for the tools.
"""

from __future__ import annotations

from dataclasses import dataclass

import dearpygui.dearpygui as dpg

from ..tools.registry import TOOL_INFOS

#: Key codes Dear PyGui sends (Dear ImGui's key numbers) where its mvKey_ names are
#: wrong or missing: mvKey_Prior and mvKey_Next are not what Page Up and Page Down
#: send, and "=" (also "+" with Shift) has no name. Checked with xdotool under Xvfb.
_CODES = {"Page Up": 517, "Page Down": 518, "=": 602, "[": dpg.mvKey_Open_Brace,
          "]": dpg.mvKey_Close_Brace, "Keypad +": dpg.mvKey_Add, "Enter": dpg.mvKey_Return}


def key_code(name: str) -> int:
    """The code Dear PyGui sends for the key printed ``name``."""
    return _CODES[name] if name in _CODES else getattr(dpg, f"mvKey_{name}")


@dataclass(frozen=True)
class Binding:
    action: str
    key: str  # as printed on the keyboard
    ctrl: bool = False
    shift: bool = False
    description: str = ""

    def label(self) -> str:
        mods = ("Ctrl+" if self.ctrl else "") + ("Shift+" if self.shift else "")
        return mods + self.key


BINDINGS: tuple[Binding, ...] = (
    Binding("undo", "Z", ctrl=True, description="Undo the last change"),
    Binding("redo", "Y", ctrl=True, description="Redo"),
    Binding("redo", "Z", ctrl=True, shift=True, description="Redo"),
    Binding("save", "S", ctrl=True, description="Save the segmentation"),
    Binding("save_as", "S", ctrl=True, shift=True, description="Save the segmentation as..."),
    Binding("open", "O", ctrl=True, description="Open an image"),
    Binding("quit", "Q", ctrl=True, description="Quit (asks about unsaved changes)"),
    Binding("shortcuts", "F1", description="This list of keys"),
    Binding("new_segmentation", "N", ctrl=True, description="New segmentation"),
    Binding("add_label", "=", ctrl=True, description="Add a label (Ctrl and the + key)"),
    Binding("add_label", "=", ctrl=True, shift=True, description="Add a label"),
    Binding("add_label", "Keypad +", ctrl=True, description="Add a label"),
    Binding("next_slice", "Up", description="Next slice"),
    Binding("previous_slice", "Down", description="Previous slice"),
    Binding("next_slice_fast", "Page Up", description="10 slices on"),
    Binding("previous_slice_fast", "Page Down", description="10 slices back"),
    Binding("next_time_step", "Right", ctrl=True, description="Next time step (3D+t)"),
    Binding("previous_time_step", "Left", ctrl=True, description="Previous time step"),
    Binding("reset_view", "Home", description="Reset zoom, pan and window"),
    Binding("layout_grid", "1", ctrl=True, description="Layout: 2 x 2 views"),
    Binding("layout_big", "2", ctrl=True, description="Layout: one big, three small"),
    Binding("layout_single", "3", ctrl=True, description="Layout: the view under the mouse"),
    Binding("no_tool", "Escape", description="No tool: clicks move the crosshair"),
    Binding("confirm", "Enter", description="Confirm (mouse over a view): write the 3D "
            "tool's preview or the closed contour"),
    Binding("brush_smaller", "[", description="Smaller brush"),
    Binding("brush_larger", "]", description="Larger brush"),
    Binding("delete_anchor", "Delete", description="Lasso: delete the selected anchor"),
    Binding("view_anterior", "1", description="3D view (mouse over it): from the front"),
    Binding("view_posterior", "2", description="3D view: from behind"),
    Binding("view_left", "3", description="3D view: from the patient's left"),
    Binding("view_right", "4", description="3D view: from the patient's right"),
    Binding("view_superior", "5", description="3D view: from the head"),
    Binding("view_inferior", "6", description="3D view: from the feet"),
)

# Mouse gestures, listed in the Help window beside the keys.
MOUSE_GESTURES: tuple[tuple[str, str], ...] = (
    ("Left click / drag", "Move the crosshair (no tool active)"),
    ("Wheel", "Next / previous slice"),
    ("Ctrl+Wheel", "Zoom around the mouse"),
    ("Right drag", "Zoom (up: in, down: out)"),
    ("Middle drag", "Pan"),
    ("Shift+Left drag", "Window (horizontal: width, vertical: level)"),
    ("Double click", "Maximise the view / back to the layout"),
    ("Shift+Wheel", "Brush size"),
    ("3D view: left drag", "Turn the surfaces"),
    ("3D view: wheel / right drag", "Zoom"),
    ("3D view: middle drag", "Pan"),
)


def tool_for_key(code: int) -> str | None:
    """The tool whose shortcut letter is the key ``code``."""
    for tool in TOOL_INFOS:
        if key_code(tool.key) == code:
            return tool.name
    return None


def find_binding(code: int, ctrl: bool, shift: bool) -> Binding | None:
    for binding in BINDINGS:
        if (key_code(binding.key), binding.ctrl, binding.shift) == (code, ctrl, shift):
            return binding
    return None
