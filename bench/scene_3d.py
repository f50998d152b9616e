"""The 3D view: a frame of label surfaces, a re-mesh after a brush stroke, and meshing a
whole label map, each as the window sees it.

- Frame: 20 label surfaces drawn into a 512 x 512 framebuffer and read back (what the
  3D pane does per picture), best of 20, under Mesa llvmpipe (a headless EGL context;
  the window's GLX context renders with the same rasteriser). Surfaces at the levels
  of detail the session meshes them at; translucent (opacity 0.6, the default) and
  opaque. Twice: the 20 largest labels of the real 41-label map, and 20 organ-sized
  ellipsoids in a 512 x 512 x 300 CT-like label map.
- Stroke: a brush stroke (radius 10, across one slice) on a label filling a ball of
  radius 100 in a 256³ volume, through ``Session``: from the stroke's end until its
  re-meshed surface has landed (the job runner polled every 2 ms, as the UI thread
  does). Peer: skimage's marching cubes over the label's box, which is what a re-mesh
  of the whole label costs. Also with the label meshed exactly (no coarser level).
- Map: all 41 labels of the real label map meshed through the session's job runner,
  from enabling the 3D view until the last surface landed, with the progress figures
  the jobs reported. Peer: ``surfaces.label_surface`` (skimage) per label, one after
  the other.

    python -m bench.scene_3d [--repeat 20]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import SimpleITK as sitk
from skimage.measure import marching_cubes

from bench.timing import report
from demarcate.formats import read_image, read_segmentation
from demarcate.gpu.backend import bounding_box
from demarcate.model import Geometry, Label, LabelGroup, ReferenceImage, Segmentation
from demarcate.model.preferences import Preferences
from demarcate.render import surface_chunks
from demarcate.render.orbit_camera import OrbitCamera
from demarcate.render.scene import SceneRenderer, Surface, open_context, volume_corners
from demarcate.render.surfaces import label_surface
from demarcate.session import Session

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "ct"
SAMPLES = REPO / "assets" / "samples"
POLL_S = 0.002
PANE = (512.0, 512.0)


def real_pair() -> tuple[Path, Path]:
    folder = DATA if (DATA / "example_seg.nii.gz").exists() else SAMPLES
    return folder / "example_ct_sm.nii.gz", folder / "example_seg.nii.gz"


def wait_landed(session: Session) -> float:
    """Seconds until every job landed, delivering as the UI thread does."""
    start = time.perf_counter()
    while session.jobs.jobs:
        session.poll_jobs()
        time.sleep(POLL_S)
    return time.perf_counter() - start


def meshed_session(image: ReferenceImage, seg: Segmentation) -> Session:
    session = Session(Preferences())
    session.add_image(image)
    session.add_segmentation(seg)
    session.surfaces.enable()
    wait_landed(session)
    return session


# --- frame ---------------------------------------------------------------------------
def frame_ms(renderer: SceneRenderer, session: Session, opacity: float | None,
             repeat: int) -> tuple[float, int]:
    """Best time of a frame of the session's 20 largest surfaces, and their triangles."""
    surfaces = sorted(session.surfaces.scene_surfaces(), key=lambda s: -s.mesh.triangle_count)
    surfaces = [Surface(s.key, s.mesh, s.color, s.opacity if opacity is None else opacity)
                for s in surfaces[:20]]
    image = session.image_entry.image
    camera = OrbitCamera.around(volume_corners(image.geometry, image.shape_zyx), PANE)
    camera.rotate(60, -30)
    renderer.render(camera, surfaces)  # uploads the meshes
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        renderer.render(camera, surfaces)
        times.append(time.perf_counter() - start)
    return min(times) * 1000, sum(s.mesh.triangle_count for s in surfaces)


def organ_like_map() -> tuple[ReferenceImage, Segmentation]:
    """20 ellipsoids of 15 to 60 mm half-axes in a 512 x 512 x 300 CT-like grid."""
    shape, spacing_xyz = (300, 512, 512), (0.7, 0.7, 1.0)
    geometry = Geometry(spacing_xyz)
    seg = Segmentation(shape, geometry)
    group = LabelGroup("organs", seg.new_group_array())
    rng = np.random.default_rng(11)
    z, y, x = (np.arange(n) * s for n, s in zip(shape, spacing_xyz[::-1], strict=True))
    for value in range(1, 21):
        centre = rng.uniform((60, 80, 80), (240, 280, 280))
        axes = rng.uniform(15, 60, 3)
        low = np.floor((centre - axes) / spacing_xyz[::-1]).astype(int).clip(0)
        high = np.ceil((centre + axes) / spacing_xyz[::-1]).astype(int) + 1
        box = tuple(slice(a, b) for a, b in zip(low, high, strict=True))
        zz, yy, xx = np.ix_(z[box[0]], y[box[1]], x[box[2]])
        inside = (((zz - centre[0]) / axes[0]) ** 2 + ((yy - centre[1]) / axes[1]) ** 2
                  + ((xx - centre[2]) / axes[2]) ** 2) < 1
        group.array[0][box][inside] = value
        group.labels.append(Label(value, f"organ {value}", tuple(rng.random(3))))
    seg.groups.append(group)
    image = ReferenceImage(np.zeros((1, *shape), np.int16), geometry, "CT-like")
    return image, seg


def bench_frames(repeat: int) -> None:
    renderer = SceneRenderer(open_context("egl"))
    ct, labels = real_pair()
    image = read_image(ct)
    cases = [("real 41-label map", meshed_session(image, read_segmentation(
        labels, reference=image)))]
    start = time.perf_counter()
    cases.append(("20 organs, 512x512x300", meshed_session(*organ_like_map())))
    print(f"(meshing the 20 organs: {time.perf_counter() - start:.2f} s)", flush=True)
    for name, session in cases:
        for opacity, look in ((None, "translucent 0.6"), (1.0, "opaque")):
            ms, triangles = frame_ms(renderer, session, opacity, repeat)
            print(f"frame 512x512, 20 surfaces of the {name}, {look}: {ms:.1f} ms "
                  f"({triangles} triangles)", flush=True)
        session.shutdown()


# --- stroke --------------------------------------------------------------------------
def ball_session() -> Session:
    shape = (256, 256, 256)
    z, y, x = np.ogrid[:256, :256, :256]
    seg = Segmentation(shape, Geometry())
    group = LabelGroup("Group 0", seg.new_group_array(), [Label(1, "ball")])
    group.array[0][(z - 128) ** 2 + (y - 128) ** 2 + (x - 128) ** 2 < 100 ** 2] = 1
    seg.groups.append(group)
    seg.active_label_value = 1
    image = ReferenceImage(np.zeros((1, *shape), np.int16), Geometry(), "256^3")
    return meshed_session(image, seg)


def stroke_s(session: Session, row: int) -> float:
    """A stroke across slice 128 at ``row``: seconds from its end until re-meshed."""
    session.tool_press(0, (128, row, 20))
    for column in range(30, 240, 10):
        session.tool_drag((128, row, column))
    wait_landed(session)  # the surface followed the stroke while it was drawn
    session.tool_release()
    return wait_landed(session)


def bench_stroke(repeat: int) -> None:
    for exact in (False, True):
        detail = surface_chunks.DETAIL_CELLS
        if exact:
            surface_chunks.DETAIL_CELLS = 10 ** 6
        session = ball_session()
        surface_chunks.DETAIL_CELLS = detail
        session.select_tool("paint")
        session.set_tool_option("radius", 10)
        ours = min(stroke_s(session, 40 + 12 * k) for k in range(min(repeat, 10)))
        (surface,) = session.surfaces.scene_surfaces()
        level = "exact" if exact else "level of detail"
        report(f"stroke re-mesh, 256^3 ball, {level} ({surface.mesh.triangle_count} tri)",
               ours, {"skimage label box": label_box_peer_s(
                   session.segmentation.groups[0].array[0])})
        session.shutdown()


def label_box_peer_s(labels: np.ndarray) -> float:
    """skimage's marching cubes over label 1's box: a re-mesh of the whole label."""
    box = bounding_box(labels == 1)

    def peer() -> None:
        marching_cubes(np.pad((labels[box] == 1).astype(np.float32), 1), 0.5)

    peer()
    return min(_timed(peer) for _ in range(3))


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


# --- map -----------------------------------------------------------------------------
def bench_map() -> None:
    ct, labels = real_pair()
    image = read_image(ct)
    seg = read_segmentation(labels, reference=image)
    session = Session(Preferences())
    session.add_image(image)
    session.add_segmentation(seg)
    progress: dict[int, set[float]] = {}
    start = time.perf_counter()
    session.surfaces.enable()
    while session.jobs.jobs:
        for job in session.jobs.jobs:
            if job.progress is not None:
                progress.setdefault(job.id, set()).add(round(job.progress, 2))
        session.poll_jobs()
        time.sleep(POLL_S)
    ours = time.perf_counter() - start
    surfaces = session.surfaces.scene_surfaces()
    array = sitk.GetArrayFromImage(sitk.ReadImage(str(labels))).astype(np.uint16)
    values = [label.value for label in seg.labels]
    peer = _timed(lambda: [label_surface(array, v, image.geometry) for v in values])
    report(f"map: {len(surfaces)} labels meshed on the job runner "
           f"({sum(s.mesh.triangle_count for s in surfaces)} tri)", ours,
           {"label_surface one by one": peer})
    reports = sum(len(fractions) for fractions in progress.values())
    print(f"  progress: {len(progress)} jobs seen running reported {reports} distinct "
          "fractions", flush=True)
    session.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    bench_frames(args.repeat)
    bench_stroke(args.repeat)
    bench_map()


if __name__ == "__main__":
    main()
