"""Dice against interactions for bench.efficiency, drawn with Pillow (matplotlib is not
among the project's dependencies): one row of panels per organ, one line per method with
its legend under the panel, the target as a grey dashed line.

Methods often reach the same Dice (the image-aware mode with and without a prior), so a
line alone would hide another: each method has its own colour, marker and dash, and its
points sit a little left or right of the interaction they belong to, so coinciding
lines run side by side. Text uses DejaVu Sans where the system has it: Pillow's built-in
font draws spaces 2 pixels wide, which read as none ("MITKslice interp.")."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

PANEL_W, PANEL_H, MARGIN_L, MARGIN_B, TOP = 400, 350, 50, 112, 28
DICE_MIN = 0.0
FONT_SIZE = 12
#: Per method, in legend order: colour, marker, dash (on, off pixels; None: solid).
STYLES = (((31, 119, 180), "circle", None),
          ((214, 39, 40), "square", (8, 4)),
          ((44, 160, 44), "triangle", None),
          ((148, 103, 189), "diamond", (3, 3)),
          ((255, 127, 14), "circle", (8, 4)))
#: How far each method's points sit beside their interaction, as a fraction of one step.
SHIFT = 0.12


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size)


def _marker(draw: ImageDraw.ImageDraw, x: float, y: float, kind: str, colour) -> None:
    r = 3.5
    if kind == "square":
        draw.rectangle((x - r + 0.5, y - r + 0.5, x + r - 0.5, y + r - 0.5), fill=colour)
    elif kind == "triangle":
        draw.polygon(((x, y - r - 1), (x - r - 0.5, y + r), (x + r + 0.5, y + r)),
                     fill=colour)
    elif kind == "diamond":
        draw.polygon(((x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y)),
                     outline=colour, width=2)
    else:
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)


def _line(draw: ImageDraw.ImageDraw, points, colour, dash: tuple[int, int] | None,
          width: int = 2) -> None:
    """A polyline, solid or dashed (the dash pattern runs on across vertices)."""
    if dash is None:
        draw.line(points, fill=colour, width=width)
        return
    on, off = dash
    phase = 0.0
    for (xa, ya), (xb, yb) in zip(points[:-1], points[1:], strict=True):
        length = max(1e-9, ((xb - xa) ** 2 + (yb - ya) ** 2) ** 0.5)
        at = 0.0
        while at < length:
            cycle = phase % (on + off)
            step = min((on - cycle) if cycle < on else (on + off - cycle), length - at)
            if cycle < on:
                t0, t1 = at / length, (at + step) / length
                draw.line((xa + (xb - xa) * t0, ya + (yb - ya) * t0,
                           xa + (xb - xa) * t1, ya + (yb - ya) * t1), fill=colour, width=width)
            at += step
            phase += step


def _panel(draw: ImageDraw.ImageDraw, left: int, top: int, title: str, runs, target: float,
           xlabel: str, font) -> None:
    x0, y0 = left + MARGIN_L, top + TOP
    width, height = PANEL_W - MARGIN_L - 16, PANEL_H - TOP - MARGIN_B
    count = max((len(run.dice) for run in runs), default=1)

    def at(k: float, value: float) -> tuple[float, float]:
        return (x0 + (k - 1) / max(1, count - 1) * width,
                y0 + height - (value - DICE_MIN) / (1 - DICE_MIN) * height)

    draw.text((x0, top + 6), title, fill="black", font=font)
    draw.rectangle((x0, y0, x0 + width, y0 + height), outline="black")
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        _, y = at(1, tick)
        draw.line((x0 - 4, y, x0, y), fill="black")
        draw.text((x0 - 6, y), f"{tick:.2f}", fill="black", font=font, anchor="rm")
    for k in range(1, count + 1):
        x, _ = at(k, 0)
        draw.line((x, y0 + height, x, y0 + height + 4), fill="black")
        draw.text((x, y0 + height + 6), str(k), fill="black", font=font, anchor="mt")
    draw.text((x0 + width / 2, y0 + height + 22), xlabel, fill="black", font=font,
              anchor="mt")
    _, y = at(1, target)
    _line(draw, [(x0, y), (x0 + width, y)], (120, 120, 120), (4, 4), width=1)
    middle = (len(runs) - 1) / 2
    points = [[at(k + 1 + (index - middle) * SHIFT, value) for k, value in
               enumerate(run.dice)] for index, run in enumerate(runs)]
    styles = [STYLES[index % len(STYLES)] for index in range(len(runs))]
    for line, (colour, _, dash) in zip(points, styles, strict=True):
        if len(line) > 1:
            _line(draw, line, colour, dash)
    for line, (colour, marker, _) in zip(points, styles, strict=True):
        for x, y in line:  # markers over every line, so no line hides a marker
            _marker(draw, x, y, marker, colour)
    for index, run in enumerate(runs):  # the legend, under the axis label
        colour, marker, dash = STYLES[index % len(STYLES)]
        y = y0 + height + 46 + 16 * index
        _line(draw, [(x0, y), (x0 + 28, y)], colour, dash)
        _marker(draw, x0 + 14, y, marker, colour)
        draw.text((x0 + 36, y), run.method, fill=colour, font=font, anchor="lm")


def draw(results: dict, path: Path, panels) -> None:
    """``results``: organ -> one list of series per panel; ``panels``: (title, target,
    x-axis label) of each panel in a row. Writes a PNG."""
    organs = list(results)
    image = Image.new("RGB", (len(panels) * PANEL_W, PANEL_H * len(organs)), "white")
    canvas = ImageDraw.Draw(image)
    font = _font(FONT_SIZE)
    for row, organ in enumerate(organs):
        for column, ((title, target, xlabel), runs) in enumerate(
                zip(panels, results[organ], strict=True)):
            _panel(canvas, column * PANEL_W, row * PANEL_H,
                   f"{organ}: {title} (target {target})", runs, target, xlabel, font)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
