"""Shared fixtures: the real data beside the repository and an isolated config folder."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The folder of real files written by MITK, Slicer and ITK-SNAP (skip if absent)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at ../shared/data (looked in {SHARED_DATA})")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def isolated_config(tmp_path_factory, monkeypatch) -> Path:
    """Keep every test away from the user's real preferences and recovery folder."""
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("DEMARCATE_CONFIG_DIR", str(folder))
    monkeypatch.setenv("DEMARCATE_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    return folder
