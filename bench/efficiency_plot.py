"""Dice against interactions for bench.efficiency, drawn with Pillow (matplotlib is not
among the project's dependencies): one panel per organ and protocol, one line per
method with its legend under the panel, the target as a dashed line."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

PANEL_W, PANEL_H, MARGIN_L, MARGIN_B, TOP = 380, 330, 46, 98, 26
DICE_MIN = 0.0
COLOURS = ((31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189), (255, 127, 14))


def _panel(draw: ImageDraw.ImageDraw, left: int, top: int, title: str, runs, target: float,
           xlabel: str) -> None:
    x0, y0 = left + MARGIN_L, top + TOP
    width, height = PANEL_W - MARGIN_L - 12, PANEL_H - TOP - MARGIN_B
    count = max((len(run.dice) for run in runs), default=1)

    def at(k: float, value: float) -> tuple[float, float]:
        return (x0 + (k - 1) / max(1, count - 1) * width,
                y0 + height - (value - DICE_MIN) / (1 - DICE_MIN) * height)

    draw.text((x0, top + 6), title, fill="black")
    draw.rectangle((x0, y0, x0 + width, y0 + height), outline="black")
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        _, y = at(1, tick)
        draw.line((x0 - 4, y, x0, y), fill="black")
        draw.text((left + 8, y - 6), f"{tick:.2f}", fill="black")
    for k in range(1, count + 1):
        x, _ = at(k, 0)
        draw.line((x, y0 + height, x, y0 + height + 4), fill="black")
        draw.text((x - 3, y0 + height + 6), str(k), fill="black")
    draw.text((x0 + width // 2 - 30, y0 + height + 20), xlabel, fill="black")
    _, y = at(1, target)
    for x in range(x0, x0 + width, 8):
        draw.line((x, y, x + 4, y), fill=(120, 120, 120))
    for index, run in enumerate(runs):
        colour = COLOURS[index % len(COLOURS)]
        points = [at(k + 1, value) for k, value in enumerate(run.dice)]
        if len(points) > 1:
            draw.line(points, fill=colour, width=2)
        for x, y in points:
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=colour)
    for index, run in enumerate(runs):  # the legend, under the axis label
        draw.text((x0, y0 + height + 36 + 14 * index), run.method,
                  fill=COLOURS[index % len(COLOURS)])

def draw(results: dict, path: Path, targets: tuple[float, float]) -> None:
    """``results``: organ -> (contour series, scribble series); writes a PNG."""
    organs = list(results)
    image = Image.new("RGB", (2 * PANEL_W, PANEL_H * len(organs)), "white")
    canvas = ImageDraw.Draw(image)
    for row, organ in enumerate(organs):
        contours, scribbles = results[organ]
        _panel(canvas, 0, row * PANEL_H, f"{organ}: contours (target {targets[0]})", contours,
               targets[0], "contours drawn")
        _panel(canvas, PANEL_W, row * PANEL_H, f"{organ}: scribbles (target {targets[1]})",
               scribbles, targets[1], "scribbles drawn")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
