"""Regenerates the screenshots in docs/images from the real app under Xvfb.

    python -m tests.gui.make_screenshots

Needs Xvfb, xdotool and ImageMagick, like the real-window tests.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..conftest import REPO_ROOT
from .harness import RunningApp

IMAGES = REPO_ROOT / "docs" / "images"


def paint_and_interpolate(workdir: Path) -> None:
    app = RunningApp(["--sample"], workdir).start()
    try:
        app.wait_for(lambda: app.layout().get("view_axial", [0, 0, 0])[2] > 100, what="views")
        app.click("new_segmentation_button")
        app.wait_for_item("label_1")
        app.click("view_axial")
        app.key("p")
        app.wait_for_item("option_radius")
        app.drag("view_axial", [(0.3, 0.45), (0.4, 0.5), (0.5, 0.55), (0.55, 0.5)])
        app.hover("view_axial", 0.4, 0.5)
        shutil.copy(_shot(app, "paint"), IMAGES / "tool-paint.png")
        for _ in range(4):
            app.key("Up")
        app.drag("view_axial", [(0.3, 0.4), (0.45, 0.45), (0.6, 0.5)])
        app.click("interpolation_enabled")
        app.wait_for_item("confirm_all")
        app.hover("view_axial", 0.5, 0.5)
        app.key("Down")
        app.key("Down")
        app.hover("confirm_all")
        shutil.copy(_shot(app, "interpolation"), IMAGES / "tool-interpolation.png")
        app.click("label_1", button=3)
        app.wait_frames(5)
        shutil.copy(_shot(app, "menu"), IMAGES / "label-menu.png")
    finally:
        app.close()


def _shot(app: RunningApp, name: str) -> Path:
    app.screenshot(name)
    return app.workdir / f"{name}.png"


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        paint_and_interpolate(Path(folder))
    print(f"screenshots written to {IMAGES}")


if __name__ == "__main__":
    main()
