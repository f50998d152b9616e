"""A modal dialog over another one (Browse... in Save as, an error over the browser).

Dear PyGui shows one modal window at a time: a second one is refused, or it closes the
first (whose on_close then deletes it). So the new dialog hides the modal windows shown
now and shows them again when it goes. Hidden windows stay on Dear PyGui's popup stack,
hence the new dialog, and each one shown again, must open over an existing popup.
"""

from __future__ import annotations

import dearpygui.dearpygui as dpg

OVER_OTHERS = {"modal": True, "no_open_over_existing_popup": False}  # window keywords


def cover() -> list[int]:
    """Hide the modal windows now shown; return them for ``uncover``."""
    covered = []
    for window in dpg.get_windows():
        if dpg.get_item_configuration(window).get("modal") and dpg.is_item_shown(window):
            dpg.configure_item(window, show=False)
            covered.append(window)
    return covered


def uncover(windows: list[int]) -> None:
    """Show again the windows ``cover`` hid (those that still exist)."""
    for window in windows:
        if dpg.does_item_exist(window):
            dpg.configure_item(window, show=True, no_open_over_existing_popup=False)
