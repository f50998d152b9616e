"""Slice redraw speed: compositing time and frames per second in the real window.

A 512 x 512 x 60 CT-like image with 20 labels; every frame recomposites all three slice
views (the worst case: the crosshair moved), and the script reports the compositing time
of one 512 x 512 slice and the frame rate. Needs a display:

    xvfb-run -s "-screen 0 1600x1000x24" python -m bench.render_fps
"""

from __future__ import annotations

import time

import numpy as np

from demarcate.model import Geometry, Label, LabelGroup, ReferenceImage, Segmentation
from demarcate.model.preferences import Preferences
from demarcate.model.session import Session
from demarcate.render.slices import composite, label_lookup, window_to_gray

SHAPE_ZYX = (60, 512, 512)
LABELS = 20


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


def window_fps(session: Session, seconds: float = 4.0) -> dict[str, float]:
    """Frames per second in the real window: idle, scrolling the axial view (one view
    re-rendered per frame), and moving the crosshair diagonally (all three re-rendered).
    One Dear PyGui context per process, so all cases run in this one."""
    import dearpygui.dearpygui as dpg

    from demarcate.ui.app import MainWindow

    window = MainWindow(session)
    dpg.create_context()
    dpg.create_viewport(title="Demarcate fps", width=1400, height=900)
    window.build()
    dpg.setup_dearpygui()
    dpg.show_viewport()
    for _ in range(10):  # settle the layout
        window.update()
        dpg.render_dearpygui_frame()

    def cursor_for(case: str, frame: int) -> tuple[int, int, int] | None:
        step = frame % SHAPE_ZYX[0]
        return {"idle": None, "scroll": (step, 256, 256),
                "crosshair": (step, 200 + step, 200 + step)}[case]

    rates = {}
    for case in ("idle", "scroll", "crosshair"):
        frames, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            cursor = cursor_for(case, frames)
            if cursor is not None:
                session.set_cursor(cursor)
                window.on_view_change("cursor")
            window.update()
            dpg.render_dearpygui_frame()
            frames += 1
        rates[case] = frames / (time.perf_counter() - start)
    dpg.destroy_context()
    return rates


def main() -> None:
    session = make_session()
    print(f"{'case':48s} {'value':>10s}")
    print(f"{'render composite 512x512, 20 labels, filled (ms)':48s} "
          f"{composite_ms(session, False):10.2f}")
    print(f"{'render composite 512x512, 20 labels, outline (ms)':48s} "
          f"{composite_ms(session, True):10.2f}")
    for case, rate in window_fps(session).items():
        print(f"{'render window fps, ' + case:48s} {rate:10.1f}")


if __name__ == "__main__":
    main()
