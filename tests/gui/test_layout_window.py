"""Layouts fit their views on every switch, and a double click only maximises."""

from __future__ import annotations

import numpy as np

from .test_window import region


def view_rects(app) -> dict[str, list[float]]:
    layout = app.layout()
    return {name: layout.get(f"view_{name}") for name in ("axial", "sagittal", "coronal")}


def shows_anatomy(app, name: str, shot) -> bool:
    """The view's picture is a CT slice, not an empty pane (grey levels vary)."""
    pixels = region(shot, app.layout()[f"view_{name}"], app.window_origin)
    return pixels.size > 0 and float(pixels.std()) > 15


def test_double_click_maximises_and_restores_without_moving_the_crosshair(launch):
    app = launch("--sample")
    app.wait_for(lambda: (view_rects(app)["axial"] or [0, 0, 0])[2] > 100, what="views")
    grid = view_rects(app)
    cursor = app.state("_cursor")
    app.double_click("view_axial", 0.3, 0.3)
    app.wait_for(lambda: view_rects(app)["sagittal"] is None, what="the single view")
    axial = view_rects(app)["axial"]
    # The 2 x 2 grid's views are half the area each way: one view now takes all of it.
    assert axial[2] > 1.8 * grid["axial"][2] and axial[3] > 1.8 * grid["axial"][3], axial
    assert app.state("_cursor") == cursor, "a double click does not move the crosshair"
    shot = app.screenshot("single")
    assert shows_anatomy(app, "axial", shot)
    picture = region(shot, axial, app.window_origin)
    drawn = (np.abs(picture.astype(int) - picture[0, 0].astype(int)).sum(axis=-1) > 30)
    rows, cols = np.flatnonzero(drawn.any(axis=1)), np.flatnonzero(drawn.any(axis=0))
    assert cols[-1] - cols[0] > 0.8 * axial[2] or rows[-1] - rows[0] > 0.8 * axial[3], \
        "the picture fills the maximised view"

    app.double_click("view_axial", 0.3, 0.3)
    app.wait_for(lambda: view_rects(app)["sagittal"] is not None, what="the 2 x 2 layout")
    assert view_rects(app) == grid and app.state("_cursor") == cursor
    shot = app.screenshot("grid_again")
    assert all(shows_anatomy(app, name, shot) for name in grid)


def test_layout_keys_fit_every_view(launch):
    app = launch("--sample")
    app.wait_for(lambda: (view_rects(app)["axial"] or [0, 0, 0])[2] > 100, what="views")
    grid = view_rects(app)
    app.hover("view_coronal")
    app.key("ctrl+2")
    app.wait_for(lambda: view_rects(app)["coronal"][2] > grid["coronal"][2] * 1.2,
                 what="the coronal view big")
    shot = app.screenshot("big")
    assert all(shows_anatomy(app, name, shot) for name in grid)
    app.key("ctrl+3")
    app.wait_for(lambda: view_rects(app)["axial"] is None, what="the single coronal view")
    app.key("ctrl+1")
    app.wait_for(lambda: view_rects(app) == grid, what="the 2 x 2 layout again")
    shot = app.screenshot("grid")
    assert all(shows_anatomy(app, name, shot) for name in grid)
