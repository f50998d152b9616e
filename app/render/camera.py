"""Zoom and pan of a slice view: the mapping between screen pixels and picture pixels.

The picture is the slice as laid out on screen (orientation.PlaneLayout). At zoom 1 it
fits the view with its physical aspect ratio; zooming keeps the point under the mouse
where it is, as every viewer users know does.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_ZOOM, MAX_ZOOM = 0.25, 40.0


@dataclass
class Camera:
    picture_shape: tuple[int, int]  # (rows, cols)
    pixel_mm: tuple[float, float]  # (row, col) size of a picture pixel in mm
    view_size: tuple[float, float] = (512.0, 512.0)  # (width, height) in screen pixels
    zoom: float = 1.0
    center: tuple[float, float] | None = None  # picture (row, col) at the view's centre

    def _center(self) -> tuple[float, float]:
        if self.center is None:
            return self.picture_shape[0] / 2, self.picture_shape[1] / 2
        return self.center

    def scale(self) -> tuple[float, float]:
        """Screen pixels per picture pixel along (rows, cols)."""
        rows, cols = self.picture_shape
        height_mm, width_mm = rows * self.pixel_mm[0], cols * self.pixel_mm[1]
        fit = min(self.view_size[0] / width_mm, self.view_size[1] / height_mm)
        return fit * self.pixel_mm[0] * self.zoom, fit * self.pixel_mm[1] * self.zoom

    def to_picture(self, x: float, y: float) -> tuple[float, float]:
        """Picture (row, col), continuous, of view-local screen point (x, y)."""
        scale_r, scale_c = self.scale()
        center_r, center_c = self._center()
        return (center_r + (y - self.view_size[1] / 2) / scale_r,
                center_c + (x - self.view_size[0] / 2) / scale_c)

    def to_screen(self, row: float, col: float) -> tuple[float, float]:
        """View-local screen (x, y) of picture point (row, col)."""
        scale_r, scale_c = self.scale()
        center_r, center_c = self._center()
        return (self.view_size[0] / 2 + (col - center_c) * scale_c,
                self.view_size[1] / 2 + (row - center_r) * scale_r)

    def picture_rect(self) -> tuple[float, float, float, float]:
        """Screen (x0, y0, x1, y1) where the whole picture is drawn (may exceed the view)."""
        x0, y0 = self.to_screen(0, 0)
        x1, y1 = self.to_screen(*self.picture_shape)
        return x0, y0, x1, y1

    def zoom_at(self, x: float, y: float, factor: float) -> None:
        """Zoom by ``factor`` keeping the picture point under (x, y) fixed."""
        row, col = self.to_picture(x, y)
        self.zoom = min(max(self.zoom * factor, MIN_ZOOM), MAX_ZOOM)
        scale_r, scale_c = self.scale()
        self.center = (row - (y - self.view_size[1] / 2) / scale_r,
                       col - (x - self.view_size[0] / 2) / scale_c)

    def pan(self, dx: float, dy: float) -> None:
        """Move the picture with the mouse by (dx, dy) screen pixels."""
        scale_r, scale_c = self.scale()
        center_r, center_c = self._center()
        rows, cols = self.picture_shape
        self.center = (min(max(center_r - dy / scale_r, 0.0), rows),
                       min(max(center_c - dx / scale_c, 0.0), cols))

    def reset(self) -> None:
        self.zoom, self.center = 1.0, None
