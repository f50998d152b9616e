"""Label name/colour suggestions: ``[{"name": "Liver", "color": "#ff0000"}, ...]``.

The same list format MITK uses for its suggestion preference; the colour is optional.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ..atomic import write_text_atomic
from ..model.naming import Suggestion
from .errors import format_error

_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def parse_hex_color(text: str) -> tuple[float, float, float] | None:
    """(r, g, b) in 0..1 from "#rrggbb" (the leading # is optional), else None."""
    match = _HEX.match(text.strip())
    if not match:
        return None
    digits = match.group(1)
    return tuple(int(digits[i : i + 2], 16) / 255.0 for i in (0, 2, 4))


def hex_color(color: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(min(max(c, 0.0), 1.0) * 255):02x}" for c in color)


def read_suggestions(path: str | os.PathLike) -> list[Suggestion]:
    """Read a suggestions list; any malformed entry fails the whole file, so a typo does
    not silently drop names that a "only suggested names" preference would then refuse."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as error:
        raise format_error(path, f"cannot read suggestions ({error})") from error
    except json.JSONDecodeError as error:
        raise format_error(path, f"suggestions are not valid JSON ({error})") from error
    if not isinstance(data, list):
        raise format_error(path, 'suggestions must be a JSON list of {"name": ...} objects')
    result = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise format_error(path, f"entry {index} has no text 'name'")
        color = entry.get("color")
        parsed = None
        if color is not None:
            parsed = parse_hex_color(color) if isinstance(color, str) else None
            if parsed is None:
                raise format_error(path, f"entry {index} colour {color!r} is not #rrggbb")
        result.append(Suggestion(entry["name"], parsed))
    return result


def write_suggestions(suggestions: list[Suggestion], path: str | os.PathLike) -> None:
    """Write the list atomically, colours as #rrggbb (the form users edit by hand)."""
    entries = []
    for suggestion in suggestions:
        entry = {"name": suggestion.name}
        if suggestion.color is not None:
            entry["color"] = hex_color(suggestion.color)
        entries.append(entry)
    write_text_atomic(path, json.dumps(entries, indent=2, ensure_ascii=False) + "\n")
