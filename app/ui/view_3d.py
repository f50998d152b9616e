"""The 3D pane: the label surfaces of the shown image, turned and zoomed with the mouse.

The picture comes from ``render.scene`` (an off-screen moderngl framebuffer) into a
static texture; the surfaces and their colours from ``session.surfaces``. The pane
keeps only how it looks (camera, which overlays are ticked, the texture) and redraws
only when something it shows changed: a surface landed, a label was recoloured or
hidden, the crosshair moved while planes or crosshair are shown, the camera moved, the
pane was resized. Events that may have changed it (a label's lock or the window level
may not have) are checked against what the last picture showed first.

A static texture, made anew for each picture (1.7 ms for 363 x 355 under llvmpipe),
rather than a raw one: Dear PyGui uploads a raw texture again in every frame it draws
(1.8 ms more per frame for the same size), and the 3D picture changes far less often
than the window draws frames. Where there is no OpenGL context, the pane says why in
one line and the rest of the window works as before.
"""

from __future__ import annotations

import time

import dearpygui.dearpygui as dpg
import moderngl
import numpy as np

from ..render.orbit_camera import DEFAULT_VIEW, OrbitCamera
from ..render.scene import (
    GLUnavailable,
    Overlay,
    SceneRenderer,
    Surface,
    crosshair_segments,
    open_context,
    slice_planes,
    volume_corners,
)
from ..session import Session

ZOOM_STEP = 1.15  # per wheel notch, as in the slice views
ZOOM_PER_PIXEL = 1.01  # right drag: per pixel upwards
HEADER_HEIGHT = 40  # the title row above the picture
#: While a tool gesture runs in a slice view or surfaces are still being meshed, the
#: picture (10 to 20 ms under llvmpipe) follows at most this often, so that drawing a
#: stroke stays fluid; turning the 3D view itself redraws every frame.
BUSY_INTERVAL_S = 0.25
NOT_STARTED = "3D view not started"  # a window made without a GL context


class View3D:
    """The fourth pane (``pane_3d``): a header with the overlay switches and Reset,
    and the picture (``view_3d``)."""

    name = "3d"

    def __init__(self, session: Session, parent: int | str,
                 context: moderngl.Context | None, unavailable: str = "") -> None:
        self.session = session
        self.renderer = SceneRenderer(context) if context is not None else None
        self.camera: OrbitCamera | None = None
        self._image_id: int | None = None
        self._texture: int | str | None = None
        self._shown_scene: tuple | None = None  # what the picture shows (see _scene)
        self._dirty = True
        self._camera_moved = False  # the user turns the view: no waiting
        # The standard view the camera shows, untouched (None after a gesture): a
        # resized pane fits the image in again.
        self._standard_view: str | None = DEFAULT_VIEW
        self._rendered_at = 0.0
        with dpg.child_window(parent=parent, tag="pane_3d", border=True, no_scrollbar=True):
            with dpg.group(horizontal=True):
                dpg.add_text("3D", tag="title_3d")
                dpg.add_checkbox(label="planes", tag="view3d_planes",
                                 callback=lambda: self.invalidate())
                dpg.add_checkbox(label="crosshair", tag="view3d_crosshair",
                                 callback=lambda: self.invalidate())
                dpg.add_button(label="Reset", tag="view3d_reset", callback=lambda: self.reset())
            if self.renderer is None:
                dpg.add_text(unavailable, tag="view3d_message", wrap=0)
                self.drawlist = None
            else:
                self.drawlist = dpg.add_drawlist(256, 256, tag="view_3d")
                session.surfaces.enable()

    # --- what to redraw ------------------------------------------------------------------
    def invalidate(self) -> None:
        self._dirty = True

    def cursor_moved(self) -> None:
        """The planes and the crosshair follow the crosshair."""
        if dpg.get_value("view3d_planes") or dpg.get_value("view3d_crosshair"):
            self._dirty = True

    def update(self) -> bool:
        """Draw the picture if anything in it changed; returns whether it did."""
        self._show_pending()
        if not self._dirty or self.renderer is None or not dpg.is_item_shown("pane_3d"):
            return False
        session = self.session
        if not self._camera_moved and (session.tools.busy or session.surfaces.pending) and (
                time.perf_counter() - self._rendered_at < BUSY_INTERVAL_S):
            return True  # still dirty: a frame soon draws it
        camera_moved, self._dirty, self._camera_moved = self._camera_moved, False, False
        if session.image_index is None:
            dpg.delete_item(self.drawlist, children_only=True)
            self._shown_scene = None
            return True
        image = session.image_entry.image
        if id(image) != self._image_id:
            self._image_id = id(image)
            size = self._picture_size()
            self.camera = OrbitCamera.around(volume_corners(image.geometry, image.shape_zyx),
                                             size)
            self._standard_view = DEFAULT_VIEW
            camera_moved = True
        surfaces = session.surfaces.scene_surfaces()
        overlay = self._overlay()
        scene = self._scene(surfaces, overlay)
        if scene == self._shown_scene and not camera_moved:
            return False
        self._show(self.renderer.render(self.camera, surfaces, overlay))
        self._shown_scene = scene
        self._rendered_at = time.perf_counter()
        return True

    def _scene(self, surfaces: list[Surface], overlay: Overlay) -> tuple:
        """What a picture shows besides the camera: which meshes in which look, the
        image, and where the planes and the crosshair are."""
        return (id(self.session.image_entry.image),
                tuple((s.key, id(s.mesh), s.color, s.opacity) for s in surfaces),
                bool(overlay.planes), overlay.segments is not None,
                self.session.cursor_zyx if overlay.planes or overlay.segments is not None
                else None)

    def _overlay(self) -> Overlay:
        image = self.session.image_entry.image
        cursor = self.session.cursor_zyx
        planes = (slice_planes(image.geometry, image.shape_zyx, cursor)
                  if dpg.get_value("view3d_planes") else ())
        segments = (crosshair_segments(image.geometry, image.shape_zyx, cursor)
                    if dpg.get_value("view3d_crosshair") else None)
        return Overlay(planes, segments)

    def _show(self, pixels: np.ndarray) -> None:
        """The pixels as a new texture in place of the old one; GL's rows run bottom-up,
        so the image is drawn with its v coordinate flipped."""
        size = (int(self.camera.view_size[0]), int(self.camera.view_size[1]))
        with dpg.texture_registry():
            texture = dpg.add_static_texture(size[0], size[1], pixels)
        dpg.delete_item(self.drawlist, children_only=True)
        dpg.draw_image(texture, (0, 0), size, uv_min=(0, 1), uv_max=(1, 0),
                       parent=self.drawlist)
        if self._texture is not None:
            dpg.delete_item(self._texture)
        self._texture = texture

    def _show_pending(self) -> None:
        pending = self.session.surfaces.pending if self.renderer is not None else 0
        title = f"3D  (meshing {pending})" if pending else "3D"
        if dpg.get_value("title_3d") != title:
            dpg.set_value("title_3d", title)

    # --- layout --------------------------------------------------------------------------
    def _picture_size(self) -> tuple[float, float]:
        config = dpg.get_item_configuration(self.drawlist)
        return float(config["width"]), float(config["height"])

    def place(self, x: int, y: int, width: int, height: int) -> None:
        dpg.configure_item("pane_3d", pos=(x, y), width=width, height=height, show=width > 0)
        if self.drawlist is None:
            return
        size = (max(width - 16, 16), max(height - HEADER_HEIGHT - 8, 16))
        dpg.configure_item(self.drawlist, width=size[0], height=size[1])
        if self.camera is not None:
            self.camera.view_size = (float(size[0]), float(size[1]))
            if self._standard_view is not None:
                self.camera.set_view(self._standard_view)
        self._camera_changed()

    # --- mouse and keys ------------------------------------------------------------------
    def local_mouse(self) -> tuple[float, float] | None:
        """Mouse position over the picture, or None when it is not over it (a dialog
        on top takes the mouse, as over the slice views)."""
        if self.drawlist is None or not dpg.is_item_shown("pane_3d") or not (
                dpg.is_item_hovered(self.drawlist)):
            return None
        left, top = dpg.get_item_rect_min(self.drawlist)
        mouse_x, mouse_y = dpg.get_mouse_pos(local=False)
        return mouse_x - left, mouse_y - top

    def drag(self, button: int, dx: float, dy: float) -> None:
        """Left: turn; middle: pan; right: zoom (up: in)."""
        if self.camera is None or not (dx or dy):
            return
        if button == dpg.mvMouseButton_Left:
            self.camera.rotate(dx, dy)
        elif button == dpg.mvMouseButton_Middle:
            self.camera.pan(dx, dy)
        elif button == dpg.mvMouseButton_Right:
            self.camera.zoom(ZOOM_PER_PIXEL ** -dy)
        self._standard_view = None
        self._camera_changed()

    def wheel(self, delta: int) -> None:
        if self.camera is not None:
            self.camera.zoom(ZOOM_STEP if delta > 0 else 1 / ZOOM_STEP)
            self._standard_view = None
            self._camera_changed()

    def set_view(self, name: str) -> None:
        """A standard view (orbit_camera.STANDARD_VIEWS), the image fitted in."""
        if self.camera is not None:
            self.camera.set_view(name)
            self._standard_view = name
            self._camera_changed()

    def reset(self) -> None:
        self.set_view(DEFAULT_VIEW)

    def _camera_changed(self) -> None:
        self._dirty = self._camera_moved = True


def open_scene_context() -> tuple[moderngl.Context | None, str]:
    """The 3D view's GL context, or None and the one line the pane shows instead."""
    try:
        return open_context(), ""
    except GLUnavailable as error:
        return None, str(error)
