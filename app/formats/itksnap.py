"""ITK-SNAP label description files (.label / .txt).

One line per label: ``IDX R G B A VIS MSH "LABEL"`` with 0-255 colours, alpha 0-1,
visibility and mesh flags; ``#`` starts a comment. Index 0 ("Clear") is the background
and is not a label in Demarcate. The mesh flag is kept in ``Label.extra["itksnap"]``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..atomic import write_text_atomic
from ..model.labels import MAX_LABEL_VALUE, Label
from .checks import check_labels, check_name, parse_integer, parse_number, unit
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
# A quoted name: backslash pairs are escapes. Possessive quantifiers keep the match
# linear and cheap on a megabyte of backslashes.
_QUOTED = re.compile(r'"([^"\\]*+(?:\\.[^"\\]*+)*+)"', re.DOTALL)


def _name(rest: str, index: int, path: Path, where: str) -> str:
    """The LABEL field: a double-quoted string in which backslash escapes a quote or a
    backslash (as our writer and shlex have it), else its first word, else "Label N".
    One regular expression and plain string operations, so a megabyte-long name costs
    linear time (shlex, used before, took 48 s on one)."""
    if not rest:
        return f"Label {index}"
    if not rest.startswith('"'):
        return rest.split()[0]
    match = _QUOTED.match(rest)
    if match is None:
        raise format_error(path, f"{where}: the label name has no closing quote")
    # Pairs are read left to right, so splitting on escaped backslashes first leaves
    # only escaped quotes to undo; any other backslash stays, as in shlex.
    return "\\".join(part.replace('\\"', '"') for part in match.group(1).split("\\\\"))


def _parse_line(line: str, path: Path, where: str) -> tuple[int, Label | None]:
    """(index, label) of one line; the label is None for index 0, ITK-SNAP's "Clear"."""
    fields = line.split(None, 7)
    if len(fields) < 7:
        raise format_error(path, f"{where} is not 'IDX R G B A VIS MSH \"LABEL\"'")
    index = parse_integer(fields[0], 0, MAX_LABEL_VALUE, path, f"{where}: index")
    rgb = [parse_integer(text, 0, 255, path, f"{where}: colour") for text in fields[1:4]]
    alpha = unit(parse_number(fields[4], path, f"{where}: alpha"), path, f"{where}: alpha")
    visible, mesh = (parse_integer(text, 0, 1, path, f"{where}: VIS/MSH") for text in fields[5:7])
    name = check_name(_name(fields[7] if len(fields) > 7 else "", index, path, where), path,
                      f"{where}: label name")
    if index == 0:
        return 0, None
    color = (rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0)
    return index, Label(index, name, color, alpha, bool(visible),
                        extra={"itksnap": {"mesh": bool(mesh)}})


def read_itksnap_labels(path: str | os.PathLike) -> list[Label]:
    """Labels of an ITK-SNAP description, for naming the values of a label map on request
    (never loaded automatically: the file beside a label map may describe another one)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise format_error(path, f"cannot read label description ({error})") from error
    labels = []
    first_seen: dict[int, int] = {}
    for number, line in enumerate(text.split("\n"), 1):  # ITK-SNAP ends lines at \n only
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        index, label = _parse_line(line, path, f"line {number}")
        if index in first_seen:
            raise format_error(
                path, f"line {number}: index {index} is used twice (first on line "
                f"{first_seen[index]})"
            )
        first_seen[index] = number
        if label is not None:
            labels.append(label)
    if not labels:
        raise format_error(path, "describes no labels (no line with an index above 0)")
    return labels


def write_itksnap_labels(labels: list[Label], path: str | os.PathLike) -> None:
    """Write ITK-SNAP's format, with its comment header and the "Clear" label 0; a file
    without labels is refused, as the reader refuses it."""
    if not labels:
        raise format_error(path, "no labels to write")
    check_labels(labels, path)
    lines = [_HEADER.rstrip("\n"), _line(0, (0.0, 0.0, 0.0), 0.0, False, False, "Clear")]
    for label in labels:
        mesh = label.extra.get("itksnap", {}).get("mesh", True)
        lines.append(
            _line(label.value, label.color, label.opacity, label.visible, mesh, label.name)
        )
    write_text_atomic(path, "\n".join(lines) + "\n")


def _line(index: int, color, alpha: float, visible: bool, mesh: bool, name: str) -> str:
    r, g, b = (round(c * 255) for c in color)
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return (
        f"{index:5d} {r:5d} {g:4d} {b:4d} {alpha:8.2f} {int(visible):2d} {int(mesh):2d}"
        f'    "{quoted}"'
    )
