"""The 3D pane in the real window: label surfaces in their colours, turned by the mouse,
standard views by key, hidden labels gone, a brush stroke in 3D; and a window without
OpenGL that says so and works on."""

from __future__ import annotations

import numpy as np

from .test_window import region

BACKGROUND = (20, 20, 26)  # render.scene.BACKGROUND in 8 bits
LIVER, LIVER_RGB = 5, (0.0, 0.9, 0.9)  # the sample's label 5, cyan


def pane(app, name: str) -> np.ndarray:
    """The 3D picture on screen, as (H, W, 3) floats in 0..1."""
    shot = app.screenshot(name)
    return region(shot, app.wait_for_item("view_3d"), app.window_origin) / 255.0


def coloured(picture: np.ndarray, rgb) -> np.ndarray:
    """Pixels whose colour points the way of ``rgb``, whatever the light made of it
    (darker on slanted faces, whiter in the highlight)."""
    brightness = picture.max(axis=-1, keepdims=True)
    direction = np.asarray(rgb) / max(rgb)
    return (brightness[..., 0] > 0.25) & (
        np.abs(picture / np.maximum(brightness, 1e-6) - direction) < 0.4).all(axis=-1)


def drawn(picture: np.ndarray) -> np.ndarray:
    """Pixels that are not the background."""
    return np.abs(picture - np.array(BACKGROUND) / 255.0).max(axis=-1) > 0.05


def wait_for_surfaces(app, count: int) -> None:
    app.wait_for(lambda: app.state("_surfaces_pending") == 0
                 and app.state("_surfaces") == count, what=f"{count} surfaces in 3D")


def test_surfaces_follow_labels_mouse_keys_and_a_brush_stroke(launch):
    app = launch("--sample")
    wait_for_surfaces(app, 41)
    everything = pane(app, "all_labels")
    assert drawn(everything).mean() > 0.05

    app.click("hide_all_button")
    wait_for_surfaces(app, 0)
    assert not drawn(pane(app, "none")).any()
    app.click("view3d_planes")  # the three slices through the crosshair
    assert drawn(pane(app, "planes")).mean() > 0.05
    app.click("view3d_planes")
    assert not drawn(pane(app, "no_planes")).any()

    app.click(f"visible_{LIVER}")
    wait_for_surfaces(app, 1)
    liver = pane(app, "liver")
    assert coloured(liver, LIVER_RGB).sum() > 500
    other_colours = (liver.max(axis=-1) > 0.25) & ~coloured(liver, LIVER_RGB)
    assert other_colours.sum() < 0.01 * drawn(liver).sum()

    app.drag("view_3d", [(0.3, 0.5), (0.45, 0.55), (0.6, 0.6)])
    turned = pane(app, "turned")
    assert (coloured(turned, LIVER_RGB) != coloured(liver, LIVER_RGB)).sum() > 300

    app.hover("view_3d")
    app.key("5")  # from the head
    from_above = pane(app, "superior")
    assert (coloured(from_above, LIVER_RGB) != coloured(turned, LIVER_RGB)).sum() > 300
    app.click("view3d_reset")
    np.testing.assert_allclose(pane(app, "reset"), liver, atol=2 / 255)

    app.click(f"visible_{LIVER}")
    wait_for_surfaces(app, 0)
    assert not coloured(pane(app, "liver_hidden"), LIVER_RGB).any()

    # A new segmentation's red label: a stroke in the axial view becomes a surface.
    app.new_segmentation_with_brush()
    app.drag("view_axial", [(0.35, 0.45), (0.5, 0.5)])
    wait_for_surfaces(app, 1)
    triangles = app.state("_surface_triangles")
    assert coloured(pane(app, "stroke"), (1.0, 0.0, 0.0)).sum() > 50
    app.drag("view_axial", [(0.5, 0.3), (0.6, 0.3)])
    app.wait_for(lambda: app.state("_surfaces_pending") == 0
                 and app.state("_surface_triangles") > triangles, what="the second stroke")


def test_without_opengl_the_pane_says_why_and_the_views_work(launch, monkeypatch):
    monkeypatch.setenv("DEMARCATE_NO_3D", "1")
    app = launch("--sample")
    app.wait_for_item("view3d_message")
    assert app.layout().get("view_3d") is None
    cursor = app.state("_cursor")
    app.click("view_axial", 0.3, 0.3)
    app.wait_for(lambda: app.state("_cursor") != cursor, what="the crosshair to move")
    assert app.state("_surfaces") == 0 and app.state("_surfaces_pending") == 0
