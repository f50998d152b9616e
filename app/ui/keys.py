"""The central key-binding table: one place that says which key does what.

The Help window and docs/ list these rows; first-letter tool shortcuts are reserved for
the tools.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Binding:
    action: str
    key: str  # Dear PyGui key name without the "mvKey_" prefix
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
    Binding("open", "O", ctrl=True, description="Open an image"),
    Binding("new_segmentation", "N", ctrl=True, description="New segmentation"),
    Binding("add_label", "Plus", ctrl=True, description="Add a label"),
    Binding("next_slice", "Up", description="Next slice"),
    Binding("previous_slice", "Down", description="Previous slice"),
    Binding("next_slice_fast", "Next", description="10 slices on (Page Down)"),
    Binding("previous_slice_fast", "Prior", description="10 slices back (Page Up)"),
)


def find_binding(key: str, ctrl: bool, shift: bool) -> Binding | None:
    for binding in BINDINGS:
        if (binding.key, binding.ctrl, binding.shift) == (key, ctrl, shift):
            return binding
    return None
