"""Run the real app on a private Xvfb display and drive it with xdotool.

Facts this relies on (testing-and-ci.md): Dear PyGui runs under Xvfb with Mesa
llvmpipe; chords need a key delay; ``import -window root`` shows what X shows.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import SimpleITK as sitk

SCREEN = (1600, 1000)
NEEDED = ("Xvfb", "xdotool", "import")


def missing_tools() -> list[str]:
    return [tool for tool in NEEDED if shutil.which(tool) is None]


class RunningApp:
    """The app as a subprocess on its own display, with helpers to click and look."""

    def __init__(self, args: list[str], workdir: Path) -> None:
        self.workdir = workdir
        self.layout_file = workdir / "layout.json"
        read_fd, write_fd = os.pipe()
        self.xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0",
             f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
            pass_fds=(write_fd,), stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            display = pipe.readline().strip()
        self.env = dict(os.environ, DISPLAY=f":{display}",
                        MESA_SHADER_CACHE_DIR=tempfile.mkdtemp(dir=workdir),
                        DEMARCATE_LAYOUT_FILE=str(self.layout_file),
                        DEMARCATE_CONFIG_DIR=str(workdir / "config"))
        self.log = open(workdir / "app.log", "w")  # noqa: SIM115 - closed in close()
        self.app = subprocess.Popen([sys.executable, "-m", "demarcate", *args], env=self.env,
                                    stdout=self.log, stderr=subprocess.STDOUT)
        self.window_origin = (0, 0)

    # --- waiting ----------------------------------------------------------------------
    def wait_for(self, predicate, timeout_s: float = 30.0, what: str = "condition"):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.app.poll() is not None:
                raise AssertionError(f"app exited with {self.app.returncode}: {self.log_text()}")
            result = predicate()
            if result:
                return result
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; log: {self.log_text()}")

    def layout(self) -> dict:
        try:
            return json.loads(self.layout_file.read_text())
        except (OSError, json.JSONDecodeError):
            return {}

    def wait_for_item(self, tag: str, present: bool = True) -> list[float] | None:
        def check():
            layout = self.layout()
            return (tag in layout) == present and (layout.get(tag) or True)
        result = self.wait_for(check, what=f"item {tag} {'to appear' if present else 'to go'}")
        return result if present else None

    def start(self) -> RunningApp:
        window = self.wait_for(lambda: self.xdotool("search", "--name", "Demarcate",
                                                    check=False).strip(), what="the window")
        geometry = self.xdotool("getwindowgeometry", "--shell", window.splitlines()[0])
        fields = dict(line.split("=") for line in geometry.split())
        self.window_origin = (int(fields["X"]), int(fields["Y"]))
        self.wait_for(self.layout, what="the first layout")
        return self

    # --- acting -----------------------------------------------------------------------
    def xdotool(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True,
                              check=check)
        return done.stdout

    def screen_point(self, tag: str, fx: float = 0.5, fy: float = 0.5) -> tuple[int, int]:
        x, y, w, h = self.wait_for_item(tag)
        return (int(self.window_origin[0] + x + w * fx), int(self.window_origin[1] + y + h * fy))

    def hover(self, tag: str, fx: float = 0.5, fy: float = 0.5) -> tuple[int, int]:
        """Move the mouse onto a widget and give the app a few frames to notice."""
        x, y = self.screen_point(tag, fx, fy)
        self.xdotool("mousemove", str(x), str(y))
        time.sleep(0.3)
        return x, y

    def click(self, tag: str, fx: float = 0.5, fy: float = 0.5, button: int = 1) -> None:
        self.hover(tag, fx, fy)
        self.xdotool("click", str(button))
        time.sleep(0.3)

    def drag(self, tag: str, points: list[tuple[float, float]], key: str | None = None) -> None:
        """Press at the first point (fractions of the widget), move through the rest,
        release; optionally holding a modifier key."""
        x, y = self.hover(tag, *points[0])
        if key:
            self.xdotool("keydown", key)
            time.sleep(0.1)
        self.xdotool("mousedown", "1")
        time.sleep(0.15)
        for fx, fy in points[1:]:
            px, py = self.screen_point(tag, fx, fy)
            self.xdotool("mousemove", str(px), str(py))
            time.sleep(0.08)
        self.xdotool("mouseup", "1")
        if key:
            time.sleep(0.1)
            self.xdotool("keyup", key)
        time.sleep(0.4)

    def key(self, chord: str) -> None:
        """Press a key or chord ("ctrl+z") holding each key for a few frames: a press and
        release inside one frame can go unseen by the app's per-frame key polling."""
        keys = chord.split("+")
        for name in keys:
            self.xdotool("keydown", name)
            time.sleep(0.05)
        # Long enough for a few frames, shorter than the 0.275 s before key repeat starts.
        time.sleep(0.08)
        for name in reversed(keys):
            self.xdotool("keyup", name)
            time.sleep(0.03)
        time.sleep(0.35)

    def screenshot(self, name: str) -> np.ndarray:
        """The whole screen as an (H, W, 3) uint8 array (and a PNG in the work folder)."""
        path = self.workdir / f"{name}.png"
        subprocess.run(["import", "-window", "root", str(path)], env=self.env, check=True)
        return sitk.GetArrayFromImage(sitk.ReadImage(str(path)))[..., :3]

    def log_text(self) -> str:
        self.log.flush()
        return (self.workdir / "app.log").read_text()[-2000:]

    def close(self) -> None:
        for process in (self.app, self.xvfb):
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        self.log.close()

