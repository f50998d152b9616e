"""The slice view: the image slice with label overlays in a Dear PyGui raw texture.

It holds only view parameters (orientation, slice, window); the data is read from the
session every redraw, and a redraw happens only when something changed.
"""

from __future__ import annotations

import dearpygui.dearpygui as dpg
import numpy as np

from ..model.session import Session
from ..render.orientation import PlaneLayout, plane_layout
from ..render.slices import SliceAxis, composite, extract_slice, label_lookup, window_to_gray


def auto_window(volume: np.ndarray) -> tuple[float, float]:
    """Level and width from the 1st..99th percentiles of a sample of the voxels."""
    sample = volume.ravel()[:: max(1, volume.size // 200_000)]
    low, high = np.percentile(sample, [1, 99])
    return float(low + high) / 2, float(max(high - low, 1.0))


class SliceView:
    def __init__(self, session: Session, parent: int | str, axis: SliceAxis) -> None:
        self.session = session
        self.axis = axis
        self.parent = parent
        self.slice_index = 0
        self.level, self.width = 0.0, 1.0
        self.texture: int | str | None = None
        self.image_item: int | str | None = None
        self.texture_shape: tuple[int, int] | None = None
        self.display_size = (512, 512)
        self._image_id: int | None = None

    # --- geometry --------------------------------------------------------------------
    def slice_count(self) -> int:
        return self.session.image_entry.image.shape_zyx[self.axis.value]

    @property
    def layout(self) -> PlaneLayout:
        return plane_layout(self.session.image_entry.image.geometry.direction, self.axis)

    def _in_plane(self, values_zyx: tuple) -> tuple:
        """The two in-plane entries of a (z, y, x) triple, in screen (rows, cols) order."""
        pair = tuple(v for k, v in enumerate(values_zyx) if k != self.axis.value)
        return pair[::-1] if self.layout.transpose else pair

    def plane_shape(self) -> tuple[int, int]:
        """(rows, cols) of the picture as shown on screen."""
        return self._in_plane(self.session.image_entry.image.shape_zyx)

    def _physical_size(self) -> tuple[float, float]:
        """Picture (height, width) in mm, so it keeps the true aspect ratio."""
        spacing = self._in_plane(self.session.image_entry.image.geometry.spacing_zyx)
        rows, cols = self.plane_shape()
        return rows * spacing[0], cols * spacing[1]

    def fit(self, available_w: int, available_h: int) -> None:
        height_mm, width_mm = self._physical_size()
        scale = min(available_w / width_mm, available_h / height_mm)
        self.display_size = (max(int(width_mm * scale), 1), max(int(height_mm * scale), 1))
        if self.image_item is not None:
            dpg.configure_item(self.image_item, width=self.display_size[0],
                               height=self.display_size[1])

    # --- state -----------------------------------------------------------------------
    def on_image_changed(self) -> None:
        """New image selected: centre slice, automatic window, texture of the right size."""
        image = self.session.image_entry.image
        if id(image) == self._image_id:
            return
        self._image_id = id(image)
        self.slice_index = self.slice_count() // 2
        self.level, self.width = auto_window(image.array[0])
        shape = self.plane_shape()
        if self.texture_shape != shape:
            if self.image_item is not None:
                dpg.delete_item(self.image_item)
            rows, cols = shape
            with dpg.texture_registry():
                self.texture = dpg.add_raw_texture(
                    cols, rows, np.zeros(rows * cols * 4, np.float32),
                    format=dpg.mvFormat_Float_rgba,
                )
            self.image_item = dpg.add_image(self.texture, parent=self.parent,
                                            tag=f"view_{self.axis.name.lower()}")
            self.texture_shape = shape

    def step(self, delta: int) -> None:
        self.slice_index = int(np.clip(self.slice_index + delta, 0, self.slice_count() - 1))

    # --- drawing ---------------------------------------------------------------------
    def render(self) -> np.ndarray:
        """Composite the current slice; returns the RGBA picture (rows, cols, 4)."""
        session = self.session
        image = session.image_entry.image
        volume = image.array[session.time_step]
        layout = self.layout
        gray = window_to_gray(layout.to_screen(extract_slice(volume, self.axis, self.slice_index)),
                              self.level, self.width)
        planes = []
        if session.segmentation_index is not None:
            seg = session.segmentation
            t = seg.stored_time_index(session.time_step)
            active = seg.active_label_value
            for group in seg.groups:
                shown = [
                    (lb.value, lb.color, min(1.0, lb.opacity + (0.2 if lb.value == active else 0)))
                    for lb in group.labels if lb.visible
                ]
                size = max(group.label_values(), default=0) + 1
                plane = layout.to_screen(extract_slice(group.array[t], self.axis,
                                                       self.slice_index))
                planes.append((plane, label_lookup(shown, size)))
        outline = session.preferences.overlay_style == "outline"
        picture = composite(gray, planes, outline=outline)
        if self.texture is not None:
            dpg.set_value(self.texture, picture.ravel())
        return picture

    # --- picking ---------------------------------------------------------------------
    def voxel_under_mouse(self) -> tuple[int, int, int] | None:
        """(z, y, x) of the voxel under the mouse, or None when outside the picture."""
        if self.image_item is None or not dpg.is_item_hovered(self.image_item):
            return None
        left, top = dpg.get_item_rect_min(self.image_item)
        mouse_x, mouse_y = dpg.get_mouse_pos(local=False)
        rows, cols = self.plane_shape()
        col = int((mouse_x - left) / self.display_size[0] * cols)
        row = int((mouse_y - top) / self.display_size[1] * rows)
        if not (0 <= row < rows and 0 <= col < cols):
            return None
        plane_index = iter(self.layout.to_plane(row, col, (rows, cols)))
        return tuple(
            self.slice_index if k == self.axis.value else next(plane_index) for k in range(3)
        )
