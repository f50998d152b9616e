"""The key-binding table: no clashes, documented, every action handled by the window."""

from __future__ import annotations

import re

from demarcate.tools.registry import TOOL_INFOS as TOOLS
from demarcate.ui.keys import BINDINGS
from demarcate.ui.shortcut_docs import shortcuts_markdown

from .conftest import REPO_ROOT


def test_no_two_bindings_share_a_chord():
    chords = [(b.key, b.ctrl, b.shift) for b in BINDINGS]
    assert len(chords) == len(set(chords))


def test_single_letters_stay_free_for_tools():
    for binding in BINDINGS:
        if len(binding.key) == 1 and binding.key.isalpha():
            assert binding.ctrl, f"{binding.label()} would take a tool's first letter"


def test_tool_letters_are_unique():
    letters = [tool.key for tool in TOOLS]
    assert len(letters) == len(set(letters))


def test_docs_are_generated_from_the_table():
    assert (REPO_ROOT / "docs" / "shortcuts.md").read_text() == shortcuts_markdown()


def test_every_action_has_a_handler_in_the_window():
    source = (REPO_ROOT / "app" / "ui" / "app.py").read_text()
    handled = set(re.findall(r'"(\w+)": ', source))
    assert {b.action for b in BINDINGS} <= handled


def test_keys_are_listed_as_printed_on_a_keyboard():
    listed = " ".join(binding.label() for binding in BINDINGS)
    for internal in ("Prior", "Next", "Open_Brace", "Close_Brace", "Plus"):
        assert internal not in listed.split("+"), internal
    assert "Page Up" in listed and "Ctrl+=" in listed
