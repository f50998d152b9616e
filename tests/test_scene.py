"""The 3D view's picture, rendered headless (a standalone EGL context): the label's
colour appears where its surface is, turning changes the picture, hidden labels and
their colour go, and a machine without OpenGL gets one line saying why."""

from __future__ import annotations

import moderngl
import numpy as np
import pytest

from demarcate.model import Geometry, Label, LabelGroup, ReferenceImage, Segmentation
from demarcate.model.preferences import Preferences
from demarcate.render import scene
from demarcate.render.orbit_camera import OrbitCamera
from demarcate.render.scene import (
    NO_3D_ENV,
    GLUnavailable,
    Overlay,
    SceneRenderer,
    Surface,
    open_context,
    picture,
    slice_planes,
    volume_corners,
)
from demarcate.render.surfaces import mask_surface
from demarcate.session import Session

SHAPE = (24, 32, 32)
GEOMETRY = Geometry((1.0, 1.0, 1.5), direction=np.diag([-1.0, -1.0, 1.0]))
SIZE = (160.0, 120.0)
RED, BLUE = (1.0, 0.0, 0.0), (0.0, 0.3, 1.0)


@pytest.fixture(scope="module")
def renderer(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MESA_SHADER_CACHE_DIR", str(tmp_path_factory.mktemp("mesa")))
        try:
            context = open_context("egl")
        except GLUnavailable as error:
            pytest.skip(f"no headless OpenGL context on this machine: {error}")
        renderer = SceneRenderer(context)
        yield renderer
        renderer.release()
        context.release()


def box_mask(low, high) -> np.ndarray:
    mask = np.zeros(SHAPE, bool)
    mask[tuple(slice(a, b) for a, b in zip(low, high, strict=True))] = True
    return mask


def camera() -> OrbitCamera:
    return OrbitCamera.around(volume_corners(GEOMETRY, SHAPE), SIZE)


def render(renderer, cam, surfaces, overlay=None) -> np.ndarray:
    return picture(renderer.render(cam, surfaces, overlay), (int(SIZE[0]), int(SIZE[1])))


def coloured(image: np.ndarray, rgb) -> np.ndarray:
    """Pixels whose colour points the way of ``rgb`` (any brightness the light gives)."""
    colour = image[..., :3]
    brightness = colour.max(axis=-1, keepdims=True)
    direction = np.asarray(rgb) / max(rgb)
    return (brightness[..., 0] > 0.2) & (np.abs(colour / np.maximum(brightness, 1e-6)
                                                - direction) < 0.25).all(axis=-1)


def test_a_label_surface_shows_in_its_colour_where_it_is(renderer):
    cube = mask_surface(box_mask((6, 10, 10), (18, 22, 22)), GEOMETRY)
    image = render(renderer, camera(), [Surface("cube", cube, RED)])
    red = coloured(image, RED)
    rows, cols = np.nonzero(red)
    assert red.sum() > 500
    # The cube sits in the middle of the volume, so in the middle of the picture.
    assert abs(rows.mean() - SIZE[1] / 2) < 8 and abs(cols.mean() - SIZE[0] / 2) < 8
    np.testing.assert_allclose(image[0, 0, :3], scene.BACKGROUND[:3], atol=0.01)
    # Lit by a headlight: the face turned to the viewer is the brightest red.
    assert image[..., 0][red].max() > 0.9


def test_turning_changes_the_picture_and_back_restores_it(renderer):
    wedge = box_mask((4, 6, 4), (20, 14, 28)) | box_mask((4, 6, 4), (10, 28, 12))
    surfaces = [Surface("wedge", mask_surface(wedge, GEOMETRY), RED)]
    cam = camera()
    first = render(renderer, cam, surfaces).copy()
    cam.rotate(40, 10)
    turned = render(renderer, cam, surfaces).copy()
    assert np.abs(turned - first).max() > 0.5
    assert (coloured(turned, RED) != coloured(first, RED)).sum() > 200
    cam.set_view("anterior")
    np.testing.assert_allclose(render(renderer, cam, surfaces), first, atol=1e-6)


def test_translucent_surfaces_blend_and_keep_both_colours(renderer):
    outer = mask_surface(box_mask((2, 4, 4), (22, 28, 28)), GEOMETRY)
    inner = mask_surface(box_mask((8, 12, 12), (16, 20, 20)), GEOMETRY)
    cam = camera()
    opaque = render(renderer, cam, [Surface("outer", outer, RED),
                                    Surface("inner", inner, BLUE)]).copy()
    assert coloured(opaque, BLUE).sum() == 0  # hidden inside the opaque box
    seen_through = render(renderer, cam, [Surface("outer", outer, RED, 0.4),
                                          Surface("inner", inner, BLUE)])
    middle = seen_through[int(SIZE[1]) // 2, int(SIZE[0]) // 2, :3]
    assert middle[2] > 0.3 and middle[0] > 0.2  # blue through red


def test_from_inside_a_surface_its_walls_show(renderer):
    cube = mask_surface(box_mask((2, 2, 2), (22, 30, 30)), GEOMETRY)
    cam = camera()
    cam.zoom(1e9)  # as close as it goes: the eye is inside the cube
    assert (cube.vertices.min(axis=0) < np.asarray(cam.eye)).all()
    inside = render(renderer, cam, [Surface("cube", cube, RED)])
    assert coloured(inside, RED).mean() > 0.9


def test_slice_planes_are_drawn_in_their_colours(renderer):
    overlay = Overlay(slice_planes(GEOMETRY, SHAPE, (12, 16, 16)))
    image = render(renderer, camera(), [], overlay)
    assert coloured(image, scene.PLANE_RGB[0]).any()  # the axial outline, seen edge-on


def session_with_two_labels() -> Session:
    session = Session(Preferences())
    session.add_image(ReferenceImage(np.zeros((1, *SHAPE), np.int16), GEOMETRY, "image"))
    seg = Segmentation(SHAPE, GEOMETRY)
    group = LabelGroup("Group 0", seg.new_group_array())
    group.array[0][box_mask((4, 4, 4), (20, 14, 14))] = 1
    group.array[0][box_mask((4, 18, 18), (20, 28, 28))] = 2
    group.labels += [Label(1, "red", RED, opacity=1.0), Label(2, "blue", BLUE, opacity=1.0)]
    seg.groups.append(group)
    session.add_segmentation(seg)
    return session


def test_hiding_a_label_takes_its_colour_away_at_once(renderer):
    session = session_with_two_labels()
    session.surfaces.enable()
    session.jobs.drain()
    cam = camera()
    both = render(renderer, cam, session.surfaces.scene_surfaces()).copy()
    assert coloured(both, RED).sum() > 200 and coloured(both, BLUE).sum() > 200
    session.set_label_visible(2, False)
    assert not session.jobs.jobs  # nothing to mesh: the surface is just not drawn
    hidden = render(renderer, cam, session.surfaces.scene_surfaces())
    assert coloured(hidden, BLUE).sum() == 0 and coloured(hidden, RED).sum() > 200
    session.set_label_color(1, (0.0, 1.0, 0.0))
    recoloured = render(renderer, cam, session.surfaces.scene_surfaces())
    assert coloured(recoloured, RED).sum() == 0 and coloured(recoloured, (0, 1, 0)).sum() > 200
    session.shutdown()


def test_switched_off_by_the_environment_in_one_line(monkeypatch):
    monkeypatch.setenv(NO_3D_ENV, "1")
    with pytest.raises(GLUnavailable, match=NO_3D_ENV) as raised:
        open_context("egl")
    assert "\n" not in str(raised.value)


def test_a_driver_failure_becomes_one_line(monkeypatch):
    def fail(**_):
        raise Exception("(standalone) XOpenDisplay: cannot open display\nmore detail")

    monkeypatch.delenv(NO_3D_ENV, raising=False)
    monkeypatch.setattr(moderngl, "create_standalone_context", fail)
    with pytest.raises(GLUnavailable) as raised:
        open_context()
    assert str(raised.value) == ("no OpenGL context for the 3D view: (standalone) "
                                 "XOpenDisplay: cannot open display")
