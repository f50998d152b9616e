"""Label name/colour suggestions: ``[{"name": "Liver", "color": "#ff0000"}, ...]``.

The same list format MITK uses for its suggestion preference; the colour is optional.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..atomic import write_text_atomic
from ..model.naming import Suggestion
from .checks import check_color, check_name, shown
from .errors import format_error
from .json_text import dump_json, load_json

_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def parse_hex_color(text: str) -> tuple[float, float, float] | None:
    """(r, g, b) in 0..1 from "#rrggbb" (the leading # is optional), else None."""
    match = _HEX.match(text.strip())
    if not match:
        return None
    digits = match.group(1)
    return tuple(int(digits[i : i + 2], 16) / 255.0 for i in (0, 2, 4))


def hex_color(color: tuple[float, float, float]) -> str:
    """"#rrggbb" of a colour already checked to lie in 0..1."""
    return "#" + "".join(f"{round(c * 255):02x}" for c in color)


def read_suggestions(path: str | os.PathLike) -> list[Suggestion]:
    """Read a suggestions list; any malformed entry fails the whole file, so a typo does
    not silently drop names that a "only suggested names" preference would then refuse."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise format_error(path, f"cannot read suggestions ({error})") from error
    data = load_json(text, path, "suggestions are")
    if not isinstance(data, list):
        raise format_error(path, 'suggestions must be a JSON list of {"name": ...} objects')
    result = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise format_error(path, f"entry {index} has no text 'name'")
        name = check_name(entry["name"], path, f"entry {index}: name")
        color = entry.get("color")
        parsed = None
        if color is not None:
            parsed = parse_hex_color(color) if isinstance(color, str) else None
            if parsed is None:
                raise format_error(path, f"entry {index} colour {shown(color)} is not #rrggbb")
        result.append(Suggestion(name, parsed))
    return result


def write_suggestions(suggestions: list[Suggestion], path: str | os.PathLike) -> None:
    """Write the list atomically, colours as #rrggbb (the form users edit by hand)."""
    entries = []
    for index, suggestion in enumerate(suggestions):
        entry = {"name": check_name(suggestion.name, path, f"entry {index}: name")}
        if suggestion.color is not None:
            entry["color"] = hex_color(check_color(suggestion.color, path,
                                                   f"entry {index}: colour"))
        entries.append(entry)
    write_text_atomic(path, dump_json(entries, path, indent=2) + "\n")
