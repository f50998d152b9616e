"""JSON for label metadata (MITK header, presets, suggestions), read and written safely.

Python's ``json`` accepts what MITK's nlohmann::json refuses (``NaN``, ``Infinity``),
turns 1e999 into infinity, spends time on 4,300-digit integers before failing with a
ValueError, and recurses once per nesting level, so 5,000 nested brackets end in a
RecursionError. Here each of those is one FormatError, and nesting is bounded before
parsing: MITK's own files nest five levels deep.
"""

from __future__ import annotations

import json
import math
import os
import re

from .errors import format_error

MAX_DEPTH = 64  # far above MITK's 5 levels, far below Python's recursion limit
_MAX_DIGITS = 30
_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Valid in JSON text, but line breaks to a reader that splits lines as str.splitlines
# does (a NRRD header holding the JSON); escaped on writing, which JSON allows.
_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


def _depth_exceeds(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit`` (one linear pass)."""
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > limit:
            return True
    return False


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_DIGITS:
        raise ValueError(f"the integer {text[:12]}... has {len(text)} digits")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:_MAX_DIGITS]} is out of range")
    return value


def _constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def load_json(text: str, path: str | os.PathLike, subject: str):
    """Parse ``text``; ``subject`` names it with its verb for messages ("preset is")."""
    if _depth_exceeds(text, MAX_DEPTH):
        raise format_error(path, f"{subject} nested deeper than {MAX_DEPTH} levels")
    try:
        data = json.loads(
            text, parse_int=_integer, parse_float=_float, parse_constant=_constant
        )
    except (ValueError, RecursionError) as error:
        raise format_error(path, f"{subject} not valid JSON ({error})") from error
    if _SURROGATE.search(json.dumps(data, ensure_ascii=False)):
        raise format_error(path, f"{subject} not valid text (a lone UTF-16 surrogate escape)")
    return data


def dump_json(data, path: str | os.PathLike, **options) -> str:
    """JSON text that MITK and ``load_json`` read back: no NaN or infinity, no raw line
    separators; ``options`` go to ``json.dumps`` (indent, separators)."""
    try:
        text = json.dumps(data, ensure_ascii=False, allow_nan=False, **options)
        text.encode("utf-8")
    except (ValueError, RecursionError) as error:
        raise format_error(path, f"cannot be written as JSON ({error})") from error
    for char, escaped in _LINE_BREAKS.items():
        text = text.replace(char, escaped)
    return text
