"""Draws the 32 x 32 tool icons (PNG) in this folder from simple shapes.

    python assets/icons/make_icons.py

Kept as code so that an icon can be changed without an image editor, and so that the
icons are ours to ship.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk
from skimage.draw import disk, line_aa, polygon

SIZE = 32
FOLDER = Path(__file__).resolve().parent
GREEN = (90, 220, 120)
RED = (235, 80, 80)
WHITE = (235, 235, 235)
YELLOW = (240, 210, 60)


def canvas() -> np.ndarray:
    return np.zeros((SIZE, SIZE, 4), np.uint8)


def put(icon, rows, cols, color, alpha=255) -> None:
    keep = (rows >= 0) & (rows < SIZE) & (cols >= 0) & (cols < SIZE)
    icon[rows[keep], cols[keep], :3] = color
    icon[rows[keep], cols[keep], 3] = alpha


def outline(icon, corners, color) -> None:
    """A closed polygon outline through ``corners`` (row, col)."""
    for (r0, c0), (r1, c1) in zip(corners, corners[1:] + corners[:1], strict=True):
        rows, cols, _ = line_aa(r0, c0, r1, c1)
        put(icon, rows, cols, color)


def blob(icon, color) -> None:
    rows, cols = polygon([6, 5, 12, 22, 27, 20, 9], [6, 18, 27, 26, 14, 5, 3], (SIZE, SIZE))
    put(icon, rows, cols, color, 200)


def sign(icon, plus: bool) -> None:
    put(icon, *np.mgrid[23:26, 19:30].reshape(2, -1), WHITE)
    if plus:
        put(icon, *np.mgrid[19:30, 23:26].reshape(2, -1), WHITE)


def brush(icon, color) -> None:
    for offset in range(0, 14, 2):
        put(icon, *disk((22 - offset, 6 + offset * 1.5), 4, shape=(SIZE, SIZE)), color, 220)


def build() -> dict[str, np.ndarray]:
    icons = {}
    for name, color, plus in (("add", GREEN, True), ("subtract", RED, False)):
        icon = canvas()
        outline(icon, [(5, 6), (4, 20), (14, 24), (20, 12), (16, 4)], color)
        sign(icon, plus)
        icons[name] = icon
    icons["paint"], icons["wipe"] = canvas(), canvas()
    brush(icons["paint"], GREEN)
    brush(icons["wipe"], RED)
    sign(icons["wipe"], False)
    icons["fill"] = canvas()
    blob(icons["fill"], GREEN)
    icons["erase"] = canvas()
    blob(icons["erase"], RED)
    r, c, _ = line_aa(4, 4, 27, 27)
    put(icons["erase"], r, c, WHITE)
    icons["close"] = canvas()
    blob(icons["close"], GREEN)
    put(icons["close"], *disk((15, 15), 4, shape=(SIZE, SIZE)), YELLOW)
    icons["region_growing"] = canvas()
    for radius, alpha in ((13, 90), (9, 160), (5, 255)):
        put(icons["region_growing"], *disk((16, 16), radius, shape=(SIZE, SIZE)), GREEN, alpha)
    icons["lasso"] = canvas()
    corners = [(5, 5), (4, 24), (16, 28), (26, 18), (22, 5)]
    outline(icons["lasso"], corners, YELLOW)
    for r0, c0 in corners:
        put(icons["lasso"], *disk((r0, c0), 2, shape=(SIZE, SIZE)), WHITE)
    icons["live_wire"] = canvas()
    wave = [(16 + int(8 * np.sin(c / 4.0)), c) for c in range(3, 30)]
    for (r0, c0), (r1, c1) in zip(wave, wave[1:], strict=False):
        rr, cc, _ = line_aa(r0, c0, r1, c1)
        put(icons["live_wire"], rr, cc, YELLOW)
    for r0, c0 in (wave[0], wave[-1]):
        put(icons["live_wire"], *disk((r0, c0), 2, shape=(SIZE, SIZE)), WHITE)
    return icons


def main() -> None:
    for name, icon in build().items():
        sitk.WriteImage(sitk.GetImageFromArray(icon, isVector=True), str(FOLDER / f"{name}.png"))


if __name__ == "__main__":
    main()
