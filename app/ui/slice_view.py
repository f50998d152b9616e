"""A slice view: one orientation of the image with label overlays, crosshair and letters.

The view keeps only how it looks (camera, texture); which slice it shows comes from the
session's crosshair, the pixels from the session's image and segmentation.
"""

from __future__ import annotations

import dearpygui.dearpygui as dpg
import numpy as np

from ..render.camera import Camera
from ..render.orientation import PlaneLayout, plane_layout
from ..render.slices import (
    SliceAxis,
    composite,
    extract_slice,
    label_lookup,
    outline_mask,
    window_to_gray,
)
from ..session import Session

CROSSHAIR_COLOR = (255, 220, 0, 150)
LETTER_COLOR = (255, 200, 60, 255)
TOOL_COLOR = (80, 255, 120, 255)
SUGGESTION_RGB = (1.0, 1.0, 0.0)  # interpolation suggestions: yellow outline
PREVIEW_RGB = (0.0, 1.0, 0.3)  # tool previews (region growing, 3D tools): green
PREVIEW_FILL = 0.35  # how much of the green covers the picture inside a preview
TITLES = {SliceAxis.AXIAL: "Axial", SliceAxis.CORONAL: "Coronal", SliceAxis.SAGITTAL: "Sagittal"}


def _draw_preview(picture: np.ndarray, regions: np.ndarray,
                  colors: dict[int, tuple[float, float, float]] | None) -> None:
    """A tool's preview over the picture: each region filled (so a 3D result reads as
    one shape) and outlined, in the preview green or, for several regions, in each
    region's colour."""
    outline = outline_mask(regions.astype(np.uint16))
    for number, rgb in (colors or {None: PREVIEW_RGB}).items():
        inside = regions != 0 if number is None else regions == number
        if not inside.any():
            continue
        color = np.asarray(rgb, dtype=picture.dtype)
        picture[inside, :3] = (1 - PREVIEW_FILL) * picture[inside, :3] + PREVIEW_FILL * color
        picture[outline & inside, :3] = color


class SliceView:
    def __init__(self, session: Session, axis: SliceAxis, parent: int | str) -> None:
        self.session = session
        self.axis = axis
        self.name = axis.name.lower()
        self.camera: Camera | None = None
        self.texture: int | str | None = None
        self._image_id: int | None = None
        self.last_picture: np.ndarray | None = None
        self.rendered_slice: int | None = None
        with dpg.child_window(parent=parent, tag=f"pane_{self.name}", no_scrollbar=True,
                              border=True):
            dpg.add_text(TITLES[axis], tag=f"title_{self.name}")
            self.drawlist = dpg.add_drawlist(512, 512, tag=f"view_{self.name}")

    # --- geometry --------------------------------------------------------------------
    @property
    def layout(self) -> PlaneLayout:
        return plane_layout(self.session.image_entry.image.geometry.direction, self.axis)

    def _in_plane(self, values_zyx: tuple) -> tuple:
        """The two in-plane entries of a (z, y, x) triple, in screen (rows, cols) order."""
        pair = tuple(v for k, v in enumerate(values_zyx) if k != self.axis.value)
        return pair[::-1] if self.layout.transpose else pair

    @property
    def slice_index(self) -> int:
        return self.session.cursor_zyx[self.axis.value]

    def slice_count(self) -> int:
        return self.session.image_entry.image.shape_zyx[self.axis.value]

    def place(self, x: int, y: int, width: int, height: int) -> None:
        """Put the pane at (x, y) in its parent with the given size."""
        dpg.configure_item(f"pane_{self.name}", pos=(x, y), width=width, height=height,
                           show=width > 0)
        size = (max(width - 16, 16), max(height - 40, 16))
        dpg.configure_item(self.drawlist, width=size[0], height=size[1])
        if self.camera is not None:
            self.camera.view_size = (float(size[0]), float(size[1]))

    def on_image_changed(self) -> None:
        """New image: a texture of the right size and a camera fitted to it.

        A raw texture: Dear PyGui uploads it again in every frame it draws (about 1 ms
        for 512 x 512 under llvmpipe), but setting it is only a pointer change, where a
        new static texture per picture cost 8.5 ms. Frames are drawn only while
        something happens (frame_pacing.py), so the re-upload costs nothing when idle.
        """
        image = self.session.image_entry.image
        if id(image) == self._image_id:
            return
        self._image_id = id(image)
        rows, cols = self._in_plane(image.shape_zyx)
        spacing = self._in_plane(image.geometry.spacing_zyx)
        size = dpg.get_item_configuration(self.drawlist)
        self.camera = Camera((rows, cols), spacing, (float(size["width"]),
                                                     float(size["height"])))
        if self.texture is not None:
            dpg.delete_item(self.texture)
        with dpg.texture_registry():
            self.texture = dpg.add_raw_texture(cols, rows, np.zeros(rows * cols * 4, np.float32),
                                               format=dpg.mvFormat_Float_rgba)

    # --- drawing ---------------------------------------------------------------------
    def render(self, outline: bool) -> np.ndarray:
        """Composite the current slice into the texture and redraw the overlays."""
        session = self.session
        entry = session.image_entry
        layout = self.layout
        volume = entry.image.array[session.time_step]
        plane = layout.to_screen(extract_slice(volume, self.axis, self.slice_index))
        gray = window_to_gray(plane, entry.level, entry.width)
        planes = []
        # Every visible segmentation of the image, the selected one drawn last (on top).
        documents = [d for i, d in enumerate(entry.segmentations)
                     if d.visible and i != session.segmentation_index]
        if session.segmentation_index is not None and session.document.visible:
            documents.append(session.document)
        for document in documents:
            seg = document.segmentation
            t = seg.stored_time_index(session.time_step)
            active = seg.active_label_value
            for group in seg.groups:
                shown = [
                    (lb.value, lb.color, min(1.0, lb.opacity + (0.2 if lb.value == active else 0)))
                    for lb in group.labels if lb.visible
                ]
                size = max(group.label_values(), default=0) + 1
                labels = layout.to_screen(extract_slice(group.array[t], self.axis,
                                                        self.slice_index))
                planes.append((labels, label_lookup(shown, size)))
        picture = composite(gray, planes, outline=outline)
        suggestion = session.interpolator.suggestion_for(self.axis.value, self.slice_index)
        feedback = session.tool_feedback
        preview = feedback.preview
        preview_mask = None if preview is None else preview.mask_on(
            self.axis.value, self.slice_index, entry.image.shape_zyx)
        if suggestion is not None:
            picture[outline_mask(layout.to_screen(suggestion).astype(np.uint16)),
                    :3] = SUGGESTION_RGB
        if preview_mask is not None:
            _draw_preview(picture, layout.to_screen(preview_mask), feedback.preview_colors)
        shape = session.interpolation_3d_preview
        shape_mask = None if shape is None else shape.mask_on(
            self.axis.value, self.slice_index, entry.image.shape_zyx)
        if shape_mask is not None:  # the 3D interpolation: filled, in the suggestions' yellow
            _draw_preview(picture, layout.to_screen(shape_mask), {1: SUGGESTION_RGB})
        dpg.set_value(self.texture, np.ascontiguousarray(picture).ravel())
        self.last_picture = picture
        self.rendered_slice = self.slice_index
        self.draw_overlays()
        dpg.set_value(f"title_{self.name}",
                      f"{TITLES[self.axis]}  {self.slice_index + 1}/{self.slice_count()}")
        return picture

    def draw_overlays(self) -> None:
        """Picture, crosshair and orientation letters (cheap: no pixel work)."""
        dpg.delete_item(self.drawlist, children_only=True)
        camera = self.camera
        x0, y0, x1, y1 = camera.picture_rect()
        dpg.draw_image(self.texture, (x0, y0), (x1, y1), parent=self.drawlist)
        cursor_row, cursor_col = self._cursor_in_picture()
        cx, cy = camera.to_screen(cursor_row + 0.5, cursor_col + 0.5)
        width, height = camera.view_size
        dpg.draw_line((cx, 0), (cx, height), color=CROSSHAIR_COLOR, parent=self.drawlist)
        dpg.draw_line((0, cy), (width, cy), color=CROSSHAIR_COLOR, parent=self.drawlist)
        self._draw_tool_feedback()
        left, right, top, bottom = self.layout.letters
        for text, pos in ((left, (4, height / 2 - 8)), (right, (width - 14, height / 2 - 8)),
                          (top, (width / 2 - 4, 2)), (bottom, (width / 2 - 4, height - 18))):
            dpg.draw_text(pos, text, color=LETTER_COLOR, size=16, parent=self.drawlist)

    def _draw_tool_feedback(self) -> None:
        """Brush circle under the mouse, the contour being drawn and its anchors."""
        feedback = self.session.tool_feedback
        camera = self.camera

        def screen(r: float, c: float) -> tuple[float, float]:
            return camera.to_screen(*(v + 0.5 for v in self.layout.to_screen_point(
                int(r), int(c), camera.picture_shape)))

        if feedback.axis == self.axis.value and feedback.contour:
            points = [screen(r, c) for r, c in feedback.contour]
            dpg.draw_polyline(points, color=TOOL_COLOR, thickness=2, parent=self.drawlist)
            anchors = feedback.anchors
            if anchors is not None:
                for index, (r, c) in enumerate(anchors.anchors):
                    color = (255, 80, 80, 255) if index == anchors.selected else TOOL_COLOR
                    dpg.draw_circle(screen(r, c), 4, color=color, fill=color,
                                    parent=self.drawlist)
        mouse = self.local_mouse()
        radius = feedback.brush_radius
        if radius is not None and mouse is not None:
            scale_r, scale_c = camera.scale()
            dpg.draw_ellipse((mouse[0] - radius * scale_c, mouse[1] - radius * scale_r),
                             (mouse[0] + radius * scale_c, mouse[1] + radius * scale_r),
                             color=TOOL_COLOR, parent=self.drawlist)

    def _cursor_in_picture(self) -> tuple[int, int]:
        """Screen-picture (row, col) of the crosshair."""
        row, col = (v for k, v in enumerate(self.session.cursor_zyx) if k != self.axis.value)
        return self.layout.to_screen_point(row, col, self.camera.picture_shape)

    # --- picking ---------------------------------------------------------------------
    def local_mouse(self) -> tuple[float, float] | None:
        """Mouse position relative to the drawing, or None when it is not over it.

        "Over it" is Dear PyGui's hovered state, not the rectangle: a dialog, popup or
        menu on top of the view takes the mouse, so clicks on a dialog's buttons never
        reach the view beneath.
        """
        if not dpg.is_item_shown(f"pane_{self.name}") or not dpg.is_item_hovered(
                self.drawlist):
            return None
        left, top = dpg.get_item_rect_min(self.drawlist)
        width, height = dpg.get_item_rect_size(self.drawlist)
        mouse_x, mouse_y = dpg.get_mouse_pos(local=False)
        x, y = mouse_x - left, mouse_y - top
        return (x, y) if 0 <= x < width and 0 <= y < height else None

    def voxel_at(self, x: float, y: float) -> tuple[int, int, int] | None:
        """(z, y, x) voxel under view-local point (x, y), or None outside the image."""
        row, col = self.camera.to_picture(x, y)
        rows, cols = self.camera.picture_shape
        if not (0 <= row < rows and 0 <= col < cols):
            return None
        plane = iter(self.layout.to_plane(int(row), int(col), (rows, cols)))
        return tuple(self.slice_index if k == self.axis.value else next(plane) for k in range(3))

    def voxel_under_mouse(self) -> tuple[int, int, int] | None:
        local = self.local_mouse()
        return None if local is None else self.voxel_at(*local)
