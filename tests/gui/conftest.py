"""Real-window tests: skipped with the reason when Xvfb or xdotool are missing."""

from __future__ import annotations

import pytest

from .harness import RunningApp, missing_tools


@pytest.fixture
def launch(tmp_path):
    missing = missing_tools()
    if missing:
        pytest.skip(f"real-window tests need {', '.join(missing)} "
                    "(Debian: xvfb xauth xdotool imagemagick libgl1-mesa-dri)")
    apps: list[RunningApp] = []

    def start(*args: str) -> RunningApp:
        app = RunningApp([str(a) for a in args], tmp_path)
        apps.append(app)
        return app.start()

    yield start
    for app in apps:
        app.close()


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/gui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.gui)
