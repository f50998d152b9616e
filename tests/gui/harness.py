"""Run the real app on a private Xvfb display and drive it with xdotool.

Facts this relies on (testing-and-ci.md): Dear PyGui runs under Xvfb with Mesa
llvmpipe; ``import -window root`` shows what X shows.

Every action waits until the app has seen it, never for a fixed time: the window's
probe file (ui/layout_probe.py) reports the frame number, the mouse position and
buttons as the app saw them, the keys it handled and whether a tool gesture is still
open. That keeps the tests correct on a machine whose CPUs are busy with other work.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
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
        self.args = args
        self.layout_file = workdir / "layout.json"
        self.log = open(workdir / "app.log", "w")  # noqa: SIM115 - closed in close()
        self._launch()
        self.window_origin = (0, 0)

    def _launch(self) -> None:
        """A private display, then the app on it."""
        display = self._start_display()
        self.env = dict(os.environ, DISPLAY=f":{display}",
                        MESA_SHADER_CACHE_DIR=tempfile.mkdtemp(dir=self.workdir),
                        DEMARCATE_LAYOUT_FILE=str(self.layout_file),
                        DEMARCATE_CONFIG_DIR=str(self.workdir / "config"),
                        DEMARCATE_DATA_DIR=str(self.workdir / "data"))
        self.app = subprocess.Popen([sys.executable, "-m", "demarcate", *self.args],
                                    env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def _start_display(self, attempts: int = 3) -> str:
        """A private Xvfb that answers: the display number it chose, once a client can
        connect (with other test runs starting servers at the same moment, a server
        could be gone again before the app connected; then another one is started)."""
        for _ in range(attempts):
            read_fd, write_fd = os.pipe()
            with open(self.workdir / "xvfb.log", "ab") as log:
                self.xvfb = subprocess.Popen(
                    ["Xvfb", "-displayfd", str(write_fd), "-screen", "0",
                     f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
                    pass_fds=(write_fd,), stderr=log)
            os.close(write_fd)
            with os.fdopen(read_fd) as pipe:
                display = pipe.readline().strip()
            env = dict(os.environ, DISPLAY=f":{display}")
            deadline = time.monotonic() + 30
            while display and self.xvfb.poll() is None and time.monotonic() < deadline:
                if subprocess.run(["xdotool", "getdisplaygeometry"], env=env,
                                  capture_output=True).returncode == 0:
                    return display
                time.sleep(0.1)
            self.xvfb.kill()
            self.xvfb.wait()
        raise AssertionError(f"no X server answered; {(self.workdir / 'xvfb.log').read_text()}")

    # --- waiting ----------------------------------------------------------------------
    def wait_for(self, predicate, timeout_s: float = 60.0, what: str = "condition"):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            if self.app.poll() is not None:
                raise AssertionError(f"app exited with {self.app.returncode}: {self.log_text()}")
            time.sleep(0.05)
        self.app.send_signal(signal.SIGUSR1)  # the app prints every thread's stack
        time.sleep(1.0)
        raise AssertionError(f"timed out waiting for {what}; probe: {self.layout_summary()}; "
                             f"log: {self.log_text()}")

    def layout_summary(self) -> dict:
        """The session facts of the probe file (not the widget rectangles)."""
        return {key: value for key, value in self.layout().items() if key.startswith("_")}

    def layout(self) -> dict:
        try:
            return json.loads(self.layout_file.read_text())
        except (OSError, json.JSONDecodeError):
            return {}

    def state(self, key: str, default=None):
        return self.layout().get(key, default)

    def wait_for_item(self, tag: str, present: bool = True) -> list[float] | None:
        """Until the widget is shown and laid out (a new widget has no size before its
        first frame), or until it is gone."""
        def check():
            rect = self.layout().get(tag)
            if not present:
                return rect is None
            return rect if isinstance(rect, list) and rect[2] > 0 and rect[3] > 0 else None
        result = self.wait_for(check, what=f"item {tag} {'to appear' if present else 'to go'}")
        return result if present else None

    def wait_frames(self, count: int = 3) -> None:
        """Until the app has drawn ``count`` more frames (callbacks of the frames before
        have run and their result is on screen), or has gone quiet: then it waits for
        input without drawing, and what is on screen is final."""
        start = self.state("_frame", 0)
        self.wait_for(lambda: self.state("_frame", 0) >= start + count
                      or self.state("_quiet", False), what=f"{count} frames")

    def wait_idle(self) -> None:
        """Until no background job runs and the frames after it are drawn."""
        self.wait_for(lambda: not self.state("_jobs", [True]), what="background jobs")
        self.wait_frames()

    def start(self, attempts: int = 3) -> RunningApp:
        """Until the window is up. An app that could not open the display it was given
        (an X server that another test run's server start raced away: seen when test
        runs share a machine) is started again on a new display."""
        for _ in range(attempts - 1):
            if not self._lost_its_display():
                break
            self.xvfb.kill()
            self.xvfb.wait()
            self._launch()
        window = self.wait_for(lambda: self.xdotool("search", "--name", "Demarcate",
                                                    check=False).strip(), what="the window")
        geometry = self.xdotool("getwindowgeometry", "--shell", window.splitlines()[0])
        fields = dict(line.split("=") for line in geometry.split())
        self.window_origin = (int(fields["X"]), int(fields["Y"]))
        self.wait_for(self.layout, what="the first layout")
        return self

    def _lost_its_display(self) -> bool:
        """Wait for the window or the app's end; True when it ended unable to open the
        display (and nothing else went wrong)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.app.poll() is None:
            if self.xdotool("search", "--name", "Demarcate", check=False).strip():
                return False
            time.sleep(0.05)
        return self.app.poll() is not None and "Failed to open display" in self.log_text()

    # --- acting -----------------------------------------------------------------------
    def xdotool(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True,
                              check=check)
        return done.stdout

    def screen_point(self, tag: str, fx: float = 0.5, fy: float = 0.5) -> tuple[int, int]:
        x, y, w, h = self.wait_for_item(tag)
        return (int(self.window_origin[0] + x + w * fx), int(self.window_origin[1] + y + h * fy))

    def _move(self, x: int, y: int) -> None:
        """Move the mouse and wait until the app has seen it there."""
        frame = self.state("_frame")
        self.xdotool("mousemove", str(x), str(y))
        local = [x - self.window_origin[0], y - self.window_origin[1]]
        self.wait_for(lambda: self.state("_mouse") == local,
                      what=f"the mouse at {local} (moved at frame {frame})")
        self.wait_frames(2)

    def _button(self, down: bool, button: int = 1) -> None:
        """X buttons 1, 2, 3 are left, middle, right; Dear PyGui counts left, right,
        middle."""
        self.xdotool("mousedown" if down else "mouseup", str(button))
        index = {1: 0, 2: 2, 3: 1}[button]
        self.wait_for(lambda: self.state("_mouse_down", [None] * 3)[index] == down,
                      what=f"button {button} {'down' if down else 'up'}")
        self.wait_frames(2)

    def hover(self, tag: str, fx: float = 0.5, fy: float = 0.5) -> tuple[int, int]:
        """Move the mouse onto a widget (the app has seen it there when this returns)."""
        x, y = self.screen_point(tag, fx, fy)
        self._move(x, y)
        return x, y

    def click(self, tag: str, fx: float = 0.5, fy: float = 0.5, button: int = 1) -> None:
        self.hover(tag, fx, fy)
        self._button(True, button)
        self._button(False, button)

    def double_click(self, tag: str, fx: float = 0.5, fy: float = 0.5) -> None:
        """Two clicks quickly enough to count as a double click."""
        self.hover(tag, fx, fy)
        frame = self.state("_frame", 0)
        self.xdotool("click", "--repeat", "2", "--delay", "60", "1")
        self.wait_for(lambda: self.state("_frame", 0) > frame
                      and self.state("_mouse_down", [True])[0] is False,
                      what="the double click")
        self.wait_frames(3)

    def drag(self, tag: str, points: list[tuple[float, float]], key: str | None = None) -> None:
        """Press at the first point (fractions of the widget), move through the rest,
        release; optionally holding a modifier key."""
        self.hover(tag, *points[0])
        if key:
            self._key_down(key)
        self._button(True)
        for fx, fy in points[1:]:
            self._move(*self.screen_point(tag, fx, fy))
        self._button(False)
        self.wait_for(lambda: not self.state("_tool_busy", True), what="the gesture to end")
        if key:
            self._key_up(key)

    def _key_down(self, name: str) -> None:
        presses = self.state("_key_presses", 0)
        self.xdotool("keydown", name)
        self.wait_for(lambda: self.state("_key_presses", 0) > presses,
                      what=f"the app to see {name} pressed")

    def _key_up(self, name: str) -> None:
        releases = self.state("_key_releases", 0)
        self.xdotool("keyup", name)
        self.wait_for(lambda: self.state("_key_releases", 0) > releases,
                      what=f"the app to see {name} released")

    def key(self, chord: str) -> None:
        """Press a key or chord ("ctrl+z"): each key is held until the app has handled
        its press, so nothing depends on how fast the app's frames are."""
        keys = chord.split("+")
        for name in keys:
            self._key_down(name)
        for name in reversed(keys):
            self._key_up(name)
        self.wait_frames(2)

    def type_text(self, text: str) -> None:
        """Type into the focused field; waits until the app has handled every key."""
        releases = self.state("_key_releases", 0)
        self.xdotool("type", "--delay", "30", text)
        self.wait_for(lambda: self.state("_key_releases", 0) >= releases + len(text),
                      what=f"the app to see '{text}' typed")
        self.wait_frames(2)

    def enter_text(self, tag: str, text: str) -> None:
        """Click the field ``tag``, replace what it holds with ``text``, press Enter."""
        self.click(tag)
        self.key("ctrl+a")
        self.type_text(text)
        self.key("Return")

    def new_segmentation_with_brush(self) -> None:
        """On an opened image: a new segmentation, the axial view focused, Paint active."""
        self.wait_for(lambda: self.layout().get("view_axial", [0, 0, 0])[2] > 100,
                      what="views")
        self.click("new_segmentation_button")
        self.wait_for_item("label_1")
        self.click("view_axial")
        self.key("p")
        self.wait_for_item("option_radius")

    def type_into_save_dialog(self, target: Path, chord: str = "ctrl+shift+s") -> None:
        """Open the Save-as dialog with ``chord`` and save to ``target`` (typed path)."""
        self.key(chord)
        self.wait_for_item("save_path")
        self.enter_text("save_path", str(target))

    def screenshot(self, name: str) -> np.ndarray:
        """The whole screen as an (H, W, 3) uint8 array (and a PNG in the work folder),
        once the frames after the last action are on screen."""
        self.wait_frames(3)
        path = self.workdir / f"{name}.png"
        subprocess.run(["import", "-window", "root", str(path)], env=self.env, check=True)
        return sitk.GetArrayFromImage(sitk.ReadImage(str(path)))[..., :3]

    def close_window(self) -> None:
        """What a window manager's close button does: send WM_DELETE_WINDOW."""
        window = int(self.xdotool("search", "--name", "Demarcate").split()[0])
        subprocess.run([sys.executable, "-c", _SEND_WM_DELETE, str(window)], env=self.env,
                       check=True)

    def kill(self) -> None:
        """SIGKILL: the app gets no chance to clean up (a crash, a power cut)."""
        self.app.kill()
        self.app.wait()

    def log_text(self) -> str:
        self.log.flush()
        return (self.workdir / "app.log").read_text()[-6000:]

    def close(self) -> None:
        for process in (self.app, self.xvfb):
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.log.close()



# Sends the ClientMessage a window manager sends when its close button is pressed (there
# is no window manager under Xvfb); Xlib through ctypes, in a child with DISPLAY set.
_SEND_WM_DELETE = """
import ctypes, ctypes.util, sys
x11 = ctypes.CDLL(ctypes.util.find_library("X11"))
x11.XOpenDisplay.restype = ctypes.c_void_p
x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
x11.XInternAtom.restype = ctypes.c_ulong
x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
x11.XFlush.argtypes = [ctypes.c_void_p]
class Message(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]
class Event(ctypes.Union):
    _fields_ = [("xclient", Message), ("pad", ctypes.c_long * 24)]
x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                           ctypes.POINTER(Event)]
display = x11.XOpenDisplay(None)
event = Event()
event.xclient.type = 33  # ClientMessage
event.xclient.window = int(sys.argv[1])
event.xclient.message_type = x11.XInternAtom(display, b"WM_PROTOCOLS", 0)
event.xclient.format = 32
event.xclient.data[0] = x11.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
x11.XSendEvent(display, int(sys.argv[1]), 0, 0, ctypes.byref(event))
x11.XFlush(display)
"""
