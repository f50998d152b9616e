"""Zoom/pan mapping of slice views."""

from __future__ import annotations

import pytest

from demarcate.render.camera import Camera


def test_fit_keeps_physical_aspect_ratio():
    camera = Camera((100, 200), (2.0, 1.0), view_size=(400, 400))
    x0, y0, x1, y1 = camera.picture_rect()
    assert (x1 - x0, y1 - y0) == pytest.approx((400, 400))  # 200 mm x 200 mm


def test_round_trip_and_zoom_keeps_the_point_under_the_mouse():
    camera = Camera((64, 80), (1.0, 1.0), view_size=(300, 200))
    point = camera.to_picture(120, 50)
    assert camera.to_screen(*point) == pytest.approx((120, 50))
    camera.zoom_at(120, 50, 3.0)
    assert camera.to_picture(120, 50) == pytest.approx(point)
    assert camera.zoom == 3.0


def test_pan_moves_the_picture_with_the_mouse_and_reset_restores():
    camera = Camera((64, 64), (1.0, 1.0), view_size=(256, 256), zoom=2.0)
    before = camera.to_screen(10, 10)
    camera.pan(16, -8)
    after = camera.to_screen(10, 10)
    assert (after[0] - before[0], after[1] - before[1]) == pytest.approx((16, -8))
    camera.reset()
    assert camera.picture_rect() == pytest.approx((0, 0, 256, 256))
