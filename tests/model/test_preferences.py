"""Preferences persist in the config folder and refuse broken files clearly."""

from __future__ import annotations

import json

import pytest

from demarcate.model.preferences import (
    Preferences,
    load_preferences,
    preferences_path,
    save_preferences,
)


def test_defaults_without_a_file(isolated_config):
    assert load_preferences() == Preferences()
    assert preferences_path().parent == isolated_config


def test_round_trip_of_every_preference():
    prefs = Preferences(compact_view=True, overlay_style="outline",
                        data_node_selection_mode=True, default_preset="/p.json",
                        label_naming="suggestions", suggestions_file="/s.json",
                        suggestions_replace_builtin=True, only_suggestions=True,
                        undo_budget_mb=64)
    path = save_preferences(prefs)
    assert load_preferences(path) == prefs
    assert not list(path.parent.glob(".preferences.json.*"))  # no temp file left


def test_unknown_keys_are_ignored_but_bad_values_refused(isolated_config):
    path = isolated_config / "preferences.json"
    path.write_text(json.dumps({"compact_view": True, "from_the_future": 1}))
    assert load_preferences().compact_view
    path.write_text(json.dumps({"overlay_style": "sparkles"}))
    with pytest.raises(ValueError, match="sparkles"):
        load_preferences()
    path.write_text("{not json")
    with pytest.raises(ValueError, match="cannot read preferences"):
        load_preferences()
    path.write_text(json.dumps({"undo_budget_mb": "lots"}))
    with pytest.raises(ValueError, match="undo_budget_mb"):
        load_preferences()
