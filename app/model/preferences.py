"""User preferences, persisted as JSON in the user's config folder.

The folder comes from platformdirs (XDG on Linux); ``DEMARCATE_CONFIG_DIR`` overrides
it so tests and portable installs never touch the real user profile.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from enum import Enum
from pathlib import Path

import platformdirs

from ..atomic import write_text_atomic
from .history import DEFAULT_BUDGET_BYTES

CONFIG_ENV = "DEMARCATE_CONFIG_DIR"


class OverlayStyle(Enum):
    FILLED = "filled"
    OUTLINE = "outline"


@dataclass
class Preferences:
    compact_view: bool = False
    overlay_style: str = OverlayStyle.FILLED.value
    # MITK's "data node selection mode": show only the selected segmentation.
    data_node_selection_mode: bool = False
    default_preset: str = ""
    label_naming: str = "sequential"  # or "suggestions", or "ask" (name and colour)
    suggestions_file: str = ""
    suggestions_replace_builtin: bool = False
    only_suggestions: bool = False
    undo_budget_mb: int = DEFAULT_BUDGET_BYTES // (1024 * 1024)
    # Autosave a modified segmentation after this many seconds without an edit (0: off).
    autosave_seconds: int = 30
    # The Python that runs the AI tools' worker ("": the one running Demarcate).
    ai_python: str = ""
    # The nnU-Net results folder picked last ("": from nnUNet_results / RESULTS_FOLDER).
    nnunet_results: str = ""

    def validate(self) -> None:
        OverlayStyle(self.overlay_style)
        if self.label_naming not in ("sequential", "suggestions", "ask"):
            raise ValueError(f"unknown label naming '{self.label_naming}'")
        if self.undo_budget_mb < 1:
            raise ValueError("the undo memory budget must be at least 1 MB")
        if self.autosave_seconds < 0:
            raise ValueError("the autosave pause cannot be negative (0 turns autosave off)")

    @property
    def undo_budget_bytes(self) -> int:
        return self.undo_budget_mb * 1024 * 1024


def config_dir() -> Path:
    override = os.environ.get(CONFIG_ENV)
    return Path(override) if override else Path(platformdirs.user_config_dir("demarcate"))


def preferences_path() -> Path:
    return config_dir() / "preferences.json"


def load_preferences(path: Path | None = None) -> Preferences:
    """Read preferences; a missing file gives defaults, a broken one raises ValueError.

    Unknown keys (from a newer version) are ignored rather than refused, so that going
    back to an older Demarcate does not lose the user's other settings.
    """
    path = path or preferences_path()
    if not path.exists():
        return Preferences()
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"cannot read preferences {path}: {error}") from error
    if not isinstance(stored, dict):
        raise ValueError(f"preferences {path} must hold a JSON object")
    known = {f.name: f for f in fields(Preferences)}
    values = {}
    for key, value in stored.items():
        if key in known:
            expected = type(getattr(Preferences(), key))
            if not isinstance(value, expected):
                raise ValueError(f"preferences {path}: '{key}' must be {expected.__name__}")
            values[key] = value
    preferences = Preferences(**values)
    try:
        preferences.validate()
    except ValueError as error:
        raise ValueError(f"preferences {path}: {error}") from error
    return preferences


def save_preferences(preferences: Preferences, path: Path | None = None) -> Path:
    preferences.validate()
    path = path or preferences_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(asdict(preferences), indent=2) + "\n")
    return path
