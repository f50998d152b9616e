"""The two ways an AI prediction ends without a result.

Both carry one message a user understands (shown in the panel as is), never a traceback;
the traceback, when there was one, is in the worker's log. ``AiCancelled`` is not an
``AiError`` so that code catching failures cannot swallow a cancel by accident.
"""

from __future__ import annotations


class AiError(Exception):
    """A prediction or an environment failed: crash, out of memory, hang, bad Python,
    missing package or weights. ``str(error)`` is the message for the user."""


class AiCancelled(Exception):
    """The user cancelled a prediction (or an install); nothing was changed."""
