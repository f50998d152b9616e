"""Writes docs/shortcuts.md from the key-binding table, so the two never disagree.

    python -m demarcate.ui.shortcut_docs > docs/shortcuts.md
"""

from __future__ import annotations

from ..tools.registry import TOOL_INFOS
from .keys import BINDINGS, MOUSE_GESTURES


def shortcuts_markdown() -> str:
    lines = [
        "# Keyboard and mouse",
        "",
        "Generated from the key-binding table (`app/ui/keys.py`); Help -> Shortcuts in the",
        "window shows the same list. Single letters select the tools; Ctrl inverts Add and",
        "Subtract, Paint and Wipe while drawing.",
        "",
        "| keys | action |",
        "|---|---|",
    ]
    lines += [f"| {b.label()} | {b.description} |" for b in BINDINGS]
    lines += ["", "| tool key | tool |", "|---|---|"]
    lines += [f"| {tool.key} | {tool.description} |" for tool in TOOL_INFOS]
    lines += ["", "| mouse | action |", "|---|---|"]
    lines += [f"| {gesture} | {what} |" for gesture, what in MOUSE_GESTURES]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(shortcuts_markdown(), end="")
