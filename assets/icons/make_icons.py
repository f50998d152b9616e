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
DIM = 110  # alpha of what a tool leaves out
BASE = 27  # bottom row of the histogram bars


def canvas() -> np.ndarray:
    return np.zeros((SIZE, SIZE, 4), np.uint8)


def put(icon, rows, cols, color, alpha=255) -> None:
    keep = (rows >= 0) & (rows < SIZE) & (cols >= 0) & (cols < SIZE)
    icon[rows[keep], cols[keep], :3] = color
    icon[rows[keep], cols[keep], 3] = alpha


def polyline(icon, points, color) -> None:
    """An open line through ``points`` (row, col)."""
    for (r0, c0), (r1, c1) in zip(points, points[1:], strict=False):
        rows, cols, _ = line_aa(r0, c0, r1, c1)
        put(icon, rows, cols, color)


def outline(icon, corners, color) -> None:
    """A closed polygon outline through ``corners`` (row, col)."""
    polyline(icon, corners + corners[:1], color)


def box(icon, rows: range, cols: range, color, alpha=255) -> None:
    put(icon, *np.mgrid[rows.start : rows.stop, cols.start : cols.stop].reshape(2, -1), color,
        alpha)


def dot(icon, center, radius, color, alpha=255) -> None:
    put(icon, *disk(center, radius, shape=(SIZE, SIZE)), color, alpha)


def area(icon, corners, color, alpha=255) -> None:
    """A filled polygon through ``corners`` (row, col)."""
    rows, cols = zip(*corners, strict=True)
    put(icon, *polygon(rows, cols, (SIZE, SIZE)), color, alpha)


def blob(icon, color) -> None:
    rows, cols = polygon([6, 5, 12, 22, 27, 20, 9], [6, 18, 27, 26, 14, 5, 3], (SIZE, SIZE))
    put(icon, rows, cols, color, 200)


def sign(icon, plus: bool) -> None:
    box(icon, range(23, 26), range(19, 30), WHITE)
    if plus:
        box(icon, range(19, 30), range(23, 26), WHITE)


def brush(icon, color) -> None:
    for offset in range(0, 14, 2):
        dot(icon, (22 - offset, 6 + offset * 1.5), 4, color, 220)


def bars(icon, heights, picked, width=3) -> None:
    """A histogram: bars ``heights`` tall from column 4; ``picked(height)`` ones green."""
    for index, height in enumerate(heights):
        left = 4 + index * (width + 1)
        box(icon, range(BASE - height + 1, BASE + 1), range(left, left + width),
            *((GREEN,) if picked(height) else (WHITE, DIM)))


def level(icon, height, color=YELLOW) -> None:
    """A horizontal line across the histogram at ``height``."""
    polyline(icon, [(BASE - height, 2), (BASE - height, 29)], color)


def scribble(icon, row, col, color) -> None:
    """A short wavy seed stroke, two pixels thick, starting at (row, col)."""
    points = [(row + int(round(2 * np.sin(step / 1.5))), col + step) for step in range(9)]
    polyline(icon, points, color)
    polyline(icon, [(r + 1, c) for r, c in points], color)


def cursor(icon, row, col) -> None:
    """A mouse pointer with its tip at (row, col)."""
    shape = [(0, 0), (12, 0), (9, 3), (13, 6), (12, 8), (8, 5), (8, 9)]
    area(icon, [(row + r, col + c) for r, c in shape], WHITE)
    outline(icon, [(row + r, col + c) for r, c in shape], WHITE)


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
    dot(icons["close"], (15, 15), 4, YELLOW)
    icons["region_growing"] = canvas()
    for radius, alpha in ((13, 90), (9, 160), (5, 255)):
        dot(icons["region_growing"], (16, 16), radius, GREEN, alpha)
    icons["lasso"] = canvas()
    corners = [(5, 5), (4, 24), (16, 28), (26, 18), (22, 5)]
    outline(icons["lasso"], corners, YELLOW)
    for r0, c0 in corners:
        dot(icons["lasso"], (r0, c0), 2, WHITE)
    icons["live_wire"] = canvas()
    wave = [(16 + int(8 * np.sin(c / 4.0)), c) for c in range(3, 30)]
    polyline(icons["live_wire"], wave, YELLOW)
    for end in (wave[0], wave[-1]):
        dot(icons["live_wire"], end, 2, WHITE)
    build_3d(icons)
    return icons


def build_3d(icons) -> None:
    """The icons of the 3D tools."""
    icons["threshold"] = canvas()
    bars(icons["threshold"], [5, 9, 17, 22, 14, 8], lambda height: height >= 12)
    level(icons["threshold"], 12)
    icons["ul_threshold"] = canvas()
    box(icons["ul_threshold"], range(BASE - 19, BASE - 7), range(2, 30), YELLOW, 60)
    bars(icons["ul_threshold"], [5, 10, 23, 16, 24, 13], lambda height: 8 <= height <= 19)
    level(icons["ul_threshold"], 8)
    level(icons["ul_threshold"], 19)
    icons["otsu"] = canvas()
    profile = [int(6 + 7 * np.exp(-((c - 7) / 3) ** 2) + 14 * np.exp(-((c - 16) / 2.5) ** 2)
                   + 10 * np.exp(-((c - 25) / 3) ** 2)) for c in range(2, 30)]
    for col, height in zip(range(2, 30), profile, strict=True):
        if col in (11, 21):
            continue  # the gaps between the three classes
        color = RED if col < 11 else YELLOW if col < 21 else GREEN
        box(icons["otsu"], range(BASE - height + 1, BASE + 1), range(col, col + 1), color)
    icons["growcut"] = canvas()
    box(icons["growcut"], range(3, 29), range(3, 29), RED, 90)
    area(icons["growcut"], [(3, 3), (3, 17), (10, 14), (18, 18), (28, 14), (28, 3)], GREEN, 90)
    scribble(icons["growcut"], 14, 3, GREEN)
    scribble(icons["growcut"], 20, 19, RED)
    icons["picking"] = canvas()
    for center, radius in (((6, 6), 3), ((6, 23), 4), ((25, 5), 3), ((22, 27), 3)):
        dot(icons["picking"], center, radius, WHITE, DIM)
    dot(icons["picking"], (14, 13), 6, GREEN)
    cursor(icons["picking"], 14, 14)
    build_ai(icons)


def build_ai(icons) -> None:
    """The AI tools: nnU-Net's U of layers, TotalSegmentator's torso with its organs."""
    icons["nnunet"] = canvas()
    levels = [(4, 4), (11, 9), (18, 14), (25, 16)]  # (row, column) of the left arm
    for (r0, c0), (r1, c1) in zip(levels, levels[1:], strict=False):
        polyline(icons["nnunet"], [(r0, c0), (r1, c1)], WHITE)
        polyline(icons["nnunet"], [(r0, 31 - c0), (r1, 31 - c1)], WHITE)
    for row, col in levels[:-1]:
        polyline(icons["nnunet"], [(row, col + 2), (row, 29 - col)], YELLOW)  # skips
    for row, col in levels:
        dot(icons["nnunet"], (row, col), 2, GREEN)
        dot(icons["nnunet"], (row, 31 - col), 2, GREEN)
    icons["totalsegmentator"] = canvas()
    area(icons["totalsegmentator"], [(2, 9), (2, 22), (8, 27), (30, 25), (30, 6), (8, 4)],
         WHITE, 70)
    dot(icons["totalsegmentator"], (12, 10), 4, (90, 160, 240))  # lungs
    dot(icons["totalsegmentator"], (12, 21), 4, (90, 160, 240))
    dot(icons["totalsegmentator"], (14, 15), 3, RED)  # heart
    area(icons["totalsegmentator"], [(19, 8), (18, 17), (23, 15), (24, 9)], (170, 90, 60))
    dot(icons["totalsegmentator"], (22, 21), 2, GREEN)  # kidney
    box(icons["totalsegmentator"], range(18, 30), range(15, 17), YELLOW)  # spine


def main() -> None:
    for name, icon in build().items():
        sitk.WriteImage(sitk.GetImageFromArray(icon, isVector=True), str(FOLDER / f"{name}.png"))


if __name__ == "__main__":
    main()
