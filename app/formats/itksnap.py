"""ITK-SNAP label description files (.label / .txt).

One line per label: ``IDX R G B A VIS MSH "LABEL"`` with 0-255 colours, alpha 0-1,
visibility and mesh flags; ``#`` starts a comment. Index 0 ("Clear") is the background
and is not a label in Demarcate. The mesh flag is kept in ``Label.extra["itksnap"]``.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from ..atomic import write_text_atomic
from ..model.labels import Label
from .errors import format_error

_HEADER = """\
################################################
# ITK-SnAP Label Description File
# File format:
# IDX   -R-  -G-  -B-  -A--  VIS MSH  LABEL
# Fields:
#    IDX:   Zero-based index
#    -R-:   Red color component (0..255)
#    -G-:   Green color component (0..255)
#    -B-:   Blue color component (0..255)
#    -A-:   Label transparency (0.00 .. 1.00)
#    VIS:   Label visibility (0 or 1)
#    MSH:   Label mesh visibility (0 or 1)
#  LABEL:   Label description
################################################
"""


def read_itksnap_labels(path: str | os.PathLike) -> list[Label]:
    """Labels of an ITK-SNAP description, for naming the values of a label map on request
    (never loaded automatically: the file beside a label map may describe another one)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise format_error(path, f"cannot read label description ({error})") from error
    labels = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            fields = shlex.split(line, posix=True)
            index, r, g, b = (int(v) for v in fields[:4])
            alpha = float(fields[4])
            visible, mesh = int(fields[5]), int(fields[6])
            name = fields[7] if len(fields) > 7 else f"Label {index}"
        except (ValueError, IndexError):
            raise format_error(
                path, f"line {number} is not 'IDX R G B A VIS MSH \"LABEL\"'"
            ) from None
        if index == 0:
            continue
        if not 1 <= index <= 65535:
            raise format_error(path, f"line {number}: label index {index} is not in 1..65535")
        color = tuple(min(max(c, 0), 255) / 255.0 for c in (r, g, b))
        labels.append(
            Label(
                index,
                name,
                color,
                min(max(alpha, 0.0), 1.0),
                bool(visible),
                extra={"itksnap": {"mesh": bool(mesh)}},
            )
        )
    return labels


def write_itksnap_labels(labels: list[Label], path: str | os.PathLike) -> None:
    """Write ITK-SNAP's format, with its comment header and the "Clear" label 0."""
    lines = [_HEADER.rstrip("\n"), _line(0, (0.0, 0.0, 0.0), 0.0, False, False, "Clear")]
    for label in labels:
        mesh = label.extra.get("itksnap", {}).get("mesh", True)
        lines.append(
            _line(label.value, label.color, label.opacity, label.visible, mesh, label.name)
        )
    write_text_atomic(path, "\n".join(lines) + "\n")


def _line(index: int, color, alpha: float, visible: bool, mesh: bool, name: str) -> str:
    r, g, b = (round(min(max(c, 0.0), 1.0) * 255) for c in color)
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return (
        f"{index:5d} {r:5d} {g:4d} {b:4d} {alpha:8.2f} {int(visible):2d} {int(mesh):2d}"
        f'    "{quoted}"'
    )
