"""The one error type every reader and writer raises for bad files."""

from __future__ import annotations

import os


class FormatError(ValueError):
    """A file cannot be read or written as asked; the message names the file and why.

    It subclasses ValueError so that callers that already catch ValueError for bad user
    input (the CLI, the session) also report broken files in one line.
    """


def format_error(path: str | os.PathLike, problem: str) -> FormatError:
    """A FormatError whose message starts with the file name, kept to one line."""
    text = " ".join(str(problem).split())
    return FormatError(f"{os.fspath(path)}: {text}")


def first_line(error: BaseException) -> str:
    """The most telling line of an exception (ITK errors span many lines)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__
