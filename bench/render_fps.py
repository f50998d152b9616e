"""Slice redraw speed: compositing time, and the cost of a frame in the real window
against an empty Dear PyGui window of the same size.

A 512 x 512 x 60 CT-like image with 20 labels. Window cases, each drawing every frame:
idle (nothing changes), scroll (the axial view steps a slice every frame: one view
recomposited), crosshair (the crosshair moves diagonally: all three recomposited).
Then the window as the app runs it when nothing happens: its frame pacer stops drawing
after a few quiet frames, so the case reports the frames drawn and the CPU time used
over the measured seconds, against the empty window's. Each case runs in a process of
its own (Dear PyGui allows one context per process). Needs a display:

    xvfb-run -s "-screen 0 1600x1000x24" python -m bench.render_fps
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np

from demarcate.model import Geometry, Label, LabelGroup, ReferenceImage, Segmentation
from demarcate.model.preferences import Preferences
from demarcate.render.slices import composite, label_lookup, window_to_gray
from demarcate.session import Session

SHAPE_ZYX = (60, 512, 512)
LABELS = 20
VIEWPORT = (1400, 900)
SECONDS = 4.0
WINDOW_CASES = ("empty", "idle", "scroll", "crosshair")
PACED_CASES = ("empty", "paced")


def make_session() -> Session:
    rng = np.random.default_rng(7)
    image = rng.normal(40, 200, SHAPE_ZYX).astype(np.int16)
    session = Session(Preferences())
    session.add_image(ReferenceImage(image[None], Geometry((0.7, 0.7, 2.0)), "ct-like"))
    seg = Segmentation(SHAPE_ZYX, session.image_entry.image.geometry)
    group = LabelGroup("Group 0", seg.new_group_array())
    for value in range(1, LABELS + 1):
        z, y, x = rng.integers(0, 40), rng.integers(0, 440), rng.integers(0, 440)
        group.array[0, z : z + 30, y : y + 70, x : x + 70] = value
        group.labels.append(Label(value, f"Label {value}", tuple(rng.random(3))))
    seg.groups.append(group)
    session.add_segmentation(seg)
    return session


def composite_ms(session: Session, outline: bool) -> float:
    image = session.image_entry.image.array[0, 30]
    labels = session.segmentation.groups[0].array[0, 30]
    table = label_lookup([(lb.value, lb.color, lb.opacity) for lb in session.segmentation.labels],
                         LABELS + 1)
    times = []
    for _ in range(30):
        start = time.perf_counter()
        composite(window_to_gray(image, 40, 400), [(labels, table)], outline=outline)
        times.append(time.perf_counter() - start)
    return min(times) * 1e3


def _frames(step, seconds: float, settle: int = 20) -> dict[str, float]:
    """Per frame of ``step()`` over ``seconds`` (after ``settle`` frames): wall time,
    and the frames and CPU time (all threads, llvmpipe's too) per second."""
    for _ in range(settle):
        step(0)
    frames, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        step(frames)
        frames += 1
    wall = time.perf_counter() - start
    return {"ms_per_frame": wall / frames * 1e3, "frames_per_s": frames / wall,
            "cpu_ms_per_s": (time.process_time() - cpu) / wall * 1e3}


def empty_window(seconds: float) -> dict[str, float]:
    import dearpygui.dearpygui as dpg

    dpg.create_context()
    dpg.create_viewport(title="empty", width=VIEWPORT[0], height=VIEWPORT[1])
    with dpg.window(tag="main"):
        pass
    dpg.set_primary_window("main", True)
    dpg.setup_dearpygui()
    dpg.show_viewport()
    cost = _frames(lambda frame: dpg.render_dearpygui_frame(), seconds)
    dpg.destroy_context()
    return cost


def window(case: str, seconds: float) -> dict[str, float]:
    """Frames of the Demarcate window with its own update and callback handling (as
    ui/app.run_app); ``paced`` also lets the frame pacer wait for input, as the app
    does, and a timer wakes the loop once the seconds are over."""
    import threading

    import dearpygui.dearpygui as dpg

    from demarcate.ui.app import MainWindow
    from demarcate.ui.frame_pacing import glfw_waker

    session = make_session()
    window = MainWindow(session)
    dpg.create_context()
    dpg.configure_app(manual_callback_management=True)
    dpg.create_viewport(title="Demarcate fps", width=VIEWPORT[0], height=VIEWPORT[1])
    window.build()
    dpg.setup_dearpygui()
    dpg.show_viewport()
    depth = SHAPE_ZYX[0]

    waker = glfw_waker()
    finished = threading.Event()

    def wake_when_over() -> None:
        """Nothing else would end the last wait: once the seconds are over, wake the
        loop until it has stopped."""
        finished.wait(seconds)
        while not finished.wait(0.1):
            waker()

    def step(frame: int) -> None:
        if case == "scroll":
            session.set_cursor((frame % depth, 256, 256))
        elif case == "crosshair":
            step_ = frame % depth
            session.set_cursor((step_, 200 + step_, 200 + step_))
        window.update()
        dpg.configure_app(wait_for_input=window.wait_for_input)
        dpg.render_dearpygui_frame()
        dpg.run_callbacks(dpg.get_callback_queue())

    for frame in range(20):  # settle, drawing every frame
        step(frame)
    if case == "paced" and waker is not None:
        window.pacer.can_wait = True
        threading.Thread(target=wake_when_over, daemon=True).start()
    result = _frames(step, seconds, settle=0)
    finished.set()
    session.jobs.shutdown()
    dpg.destroy_context()
    return result


def run_case(case: str, seconds: float = SECONDS) -> dict[str, float]:
    """One window case in a fresh process."""
    done = subprocess.run([sys.executable, "-m", "bench.render_fps", "--case", case,
                           "--seconds", str(seconds)], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--case"]:
        case, seconds = argv[1], float(argv[3]) if len(argv) > 3 else SECONDS
        result = empty_window(seconds) if case == "empty" else window(case, seconds)
        print(json.dumps(result))
        return
    session = make_session()
    print(f"{'case':52s} {'value':>10s}")
    print(f"{'render composite 512x512, 20 labels, filled (ms)':52s} "
          f"{composite_ms(session, False):10.2f}")
    print(f"{'render composite 512x512, 20 labels, outline (ms)':52s} "
          f"{composite_ms(session, True):10.2f}")
    session.jobs.shutdown()
    results = {case: run_case(case) for case in (*WINDOW_CASES, "paced")}
    empty = results["empty"]
    for case in WINDOW_CASES:
        print(f"{'render window ms/frame, ' + case:52s} {results[case]['ms_per_frame']:10.2f}")
    for case in WINDOW_CASES[1:]:
        ratio = results[case]["ms_per_frame"] / empty["ms_per_frame"]
        print(f"{'render window frame / empty window frame, ' + case:52s} {ratio:10.2f}")
    for case in PACED_CASES:
        for key, what in (("frames_per_s", "frames drawn per s"),
                          ("cpu_ms_per_s", "CPU ms per s")):
            label = f"nothing happening, {case} window: {what}"
            print(f"{label:52s} {results[case][key]:10.1f}")


if __name__ == "__main__":
    main()
