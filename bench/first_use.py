"""The first Fill, region growing and interpolation after start, on a fresh install.

numba compiles a kernel at its first call and keeps it in its cache; a fresh install has
an empty cache, so the first click of a tool used to wait for the compiler. Each case
runs in a new process with an empty cache (``NUMBA_CACHE_DIR`` set to a new folder) on
the bundled sample CT, through the session methods the window calls:

* ``no warm-up``: the tools are used at once;
* ``warm-up``: the app's start-up job (``Session.start_warm_up``) has finished first;
  its own duration is printed too (it runs in the background while the window opens).

Each tool runs in a process of its own and is timed at its first use and at its second,
which is what it costs once compiled; interpolation is timed from the first stroke to
the suggestions being there. ``python -m bench.first_use``
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

ACTIONS = ("fill", "region_growing", "interpolation")
#: The warm-up's share after its groups for the 2D tools (region growing, label planes,
#: distance maps: 3 of its 6 groups).
TWO_D_TOOLS_READY = 0.5


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def measure(warm_up: bool, action_name: str) -> dict[str, float]:
    """Runs in the child process: seconds of one action at its first and second use."""
    from demarcate.model.preferences import Preferences
    from demarcate.session import Session
    from demarcate.ui.app import sample_paths

    session = Session(Preferences())
    session.jobs.wait(session.open_image(sample_paths()[0]))
    session.new_segmentation()
    z, y, x = session.cursor_zyx
    times: dict[str, float] = {}
    if warm_up:
        start = time.perf_counter()
        job = session.start_warm_up()
        while (job.progress or 0.0) < TWO_D_TOOLS_READY and not job.finished:
            time.sleep(0.01)
        times["2d_ready"] = time.perf_counter() - start
        session.jobs.wait(job)
        times["warm_up"] = time.perf_counter() - start

    def fill(offset: int) -> None:
        session.select_tool("fill")
        session.tool_press(0, (z + offset, y, x))

    def grow(offset: int) -> None:
        session.select_tool("region_growing")
        session.tool_press(0, (z + offset, y, x))
        session.tool_release()

    def interpolate(offset: int) -> None:
        """Two strokes, then until the suggestions between them are shown."""
        session.set_interpolation(True, axis=1)
        session.select_tool("paint")
        for row in (y - 20 + offset, y + 20 + offset):
            session.tool_press(1, (z, row, x))
            session.tool_release()
        session.jobs.drain()

    action = {"fill": fill, "region_growing": grow, "interpolation": interpolate}[action_name]
    times[f"{action_name} first"] = _timed(lambda: action(0))
    times[f"{action_name} second"] = _timed(lambda: action(2))
    session.jobs.shutdown()
    return times


def run(warm_up: bool) -> dict[str, float]:
    """Every action in a process of its own, each with an empty cache."""
    times: dict[str, float] = {}
    for action in ACTIONS:
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache)
            done = subprocess.run([sys.executable, "-m", "bench.first_use", "--child",
                                   "warm" if warm_up else "cold", action], env=env,
                                  capture_output=True, text=True, check=True)
        times.update(json.loads(done.stdout.strip().splitlines()[-1]))
    return times


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        print(json.dumps(measure(argv[1] == "warm", argv[2])))
        return
    cold, warm = run(False), run(True)
    print(f"{'case (empty numba cache, sample CT)':44s} {'no warm-up':>11s} {'warm-up':>9s}")
    print(f"{'start-up warm-up job (background)':44s} {'':>11s} {warm['warm_up']:9.3f}")
    print(f"{'  of which until the 2D tools are ready':44s} {'':>11s} {warm['2d_ready']:9.3f}")
    for name in ACTIONS:
        for use in ("first", "second"):
            key = f"{name} {use}"
            print(f"{key + ' use (s)':44s} {cold[key]:11.3f} {warm[key]:9.3f}")
    slowest = max(warm[f"{n} first"] / max(warm[f"{n} second"], 1e-4) for n in ACTIONS)
    print(f"{'after warm-up: worst first/second use ratio':44s} {'':>11s} {slowest:9.1f}")


if __name__ == "__main__":
    main()
