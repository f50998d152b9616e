"""The 3D view's camera: standard views in patient space, fit, turn, zoom, pan, reset."""

from __future__ import annotations

import numpy as np
import pytest
from pyglm import glm

from demarcate.render.orbit_camera import STANDARD_VIEWS, OrbitCamera

# A box 300 mm wide (x: right to left), 200 deep (y: anterior to posterior), 100 tall.
LOW, HIGH = np.array([-150.0, -100.0, -50.0]), np.array([150.0, 100.0, 50.0])
CORNERS = np.array([[x, y, z] for x in (LOW[0], HIGH[0]) for y in (LOW[1], HIGH[1])
                    for z in (LOW[2], HIGH[2])]) + [10.0, 20.0, 30.0]
CENTRE = (LOW + HIGH) / 2 + [10.0, 20.0, 30.0]


def camera(size=(400.0, 300.0)) -> OrbitCamera:
    return OrbitCamera.around(CORNERS, size)


def screen(cam: OrbitCamera, offset) -> np.ndarray:
    return np.array(cam.to_screen(tuple(CENTRE + np.asarray(offset, float))))


def test_the_default_view_is_anterior_with_the_patients_left_on_the_right():
    cam = camera()
    centre = screen(cam, (0, 0, 0))
    np.testing.assert_allclose(centre, (200, 150), atol=1e-3)
    assert screen(cam, (50, 0, 0))[0] > centre[0]  # +x is the patient's left
    assert screen(cam, (0, 0, 30))[1] < centre[1]  # superior is up (screen y grows down)
    assert cam.depth(CENTRE[None] + [[0, -50, 0]])[0] < cam.depth(CENTRE[None])[0]


@pytest.mark.parametrize("name", sorted(STANDARD_VIEWS))
def test_each_standard_view_looks_from_its_side_with_its_up_upwards(name):
    side, up = (np.array(v, float) for v in STANDARD_VIEWS[name])
    cam = camera()
    cam.rotate(123, -45)  # from anywhere
    cam.set_view(name)
    assert cam.depth(CENTRE[None] + 40 * side)[0] < cam.depth(CENTRE[None])[0] - 39
    centre, above = screen(cam, (0, 0, 0)), screen(cam, 40 * up)
    assert above[1] < centre[1] - 10 and abs(above[0] - centre[0]) < 1e-3


@pytest.mark.parametrize("name", sorted(STANDARD_VIEWS))
@pytest.mark.parametrize("size", [(400.0, 300.0), (200.0, 500.0)])
def test_a_standard_view_fits_every_corner_in_and_fills_the_view(name, size):
    cam = camera(size)
    cam.set_view(name)
    points = np.array([cam.to_screen(tuple(c)) for c in CORNERS])
    assert (points >= -1e-6).all() and (points[:, 0] <= size[0]).all() and (
        points[:, 1] <= size[1]).all()
    # Tight: the corners reach (nearly) to an edge of the view.
    reach = (points.max(axis=0) - points.min(axis=0)) / size
    assert reach.max() > 0.9


def test_a_horizontal_drag_turns_the_front_towards_the_mouse_and_a_full_turn_returns():
    cam = camera()
    before = cam.view_matrix()
    front = screen(cam, (0, -100, 0))
    cam.rotate(20, 0)
    assert screen(cam, (0, -100, 0))[0] > front[0] + 5
    cam.rotate(-20, 0)
    cam.rotate(2 * cam.view_size[1], 0)  # a drag over twice the height turns by 360 degrees
    np.testing.assert_allclose(np.array(cam.view_matrix()), np.array(before), atol=1e-3)


def test_a_vertical_drag_tips_the_top_towards_the_viewer():
    cam = camera()
    top = cam.depth(CENTRE[None] + [[0, 0, 50]])[0]
    cam.rotate(0, 30)  # dragging down: the top comes forward
    assert cam.depth(CENTRE[None] + [[0, 0, 50]])[0] < top - 5


def test_zoom_moves_closer_within_limits():
    cam = camera()
    distance = cam.distance
    cam.zoom(2.0)
    assert cam.distance == pytest.approx(distance / 2)
    cam.zoom(1e-9)
    assert cam.distance == pytest.approx(20 * cam.radius)
    cam.zoom(1e9)
    assert cam.distance == pytest.approx(0.05 * cam.radius)


def test_pan_moves_the_scene_with_the_mouse():
    cam = camera()
    cam.rotate(40, 25)
    centre = screen(cam, (0, 0, 0))
    cam.pan(30, -12)
    np.testing.assert_allclose(screen(cam, (0, 0, 0)), centre + [30, -12], atol=1e-2)


def test_reset_undoes_turn_zoom_and_pan():
    cam = camera()
    before = np.array(cam.view_matrix())
    cam.rotate(77, 31)
    cam.zoom(3)
    cam.pan(40, 40)
    cam.reset()
    np.testing.assert_allclose(np.array(cam.view_matrix()), before, atol=1e-4)


def test_the_depth_range_holds_the_whole_box_from_any_side():
    cam = camera()
    for dx in range(0, 600, 37):
        cam.rotate(37, 11)
        for corner in CORNERS:
            clip = np.array(cam.projection_matrix() * cam.view_matrix()
                            * glm.vec4(*corner, 1.0))
            assert -clip[3] <= clip[2] <= clip[3], dx
