"""The 3D view's picture: label surfaces lit by a headlight, drawn off-screen with
moderngl and read back as pixels for a Dear PyGui texture.

The context. Dear PyGui owns the window's GL context; the scene has a standalone one of
its own, and makes every GL call inside ``with ctx:``, which makes it current and puts
Dear PyGui's back afterwards. In the window it is a GLX context (moderngl's default),
created before the viewport: an EGL context in the same process as Dear PyGui leaves
the whole window black (measured under Xvfb with Mesa; re-making GLFW's context current
afterwards does not help). Headless tests and benchmarks, which have no X display, use
EGL. Without either, ``open_context`` raises GLUnavailable with one line saying why,
and the window shows that line in the 3D pane.

The pass. Surfaces are closed and wound outwards, so from outside their back faces
are hidden behind their front faces; culling them halves what the rasteriser does (20
organ surfaces: 33.5 against 19.7 ms; Mesa's software rasteriser is bound by
triangles, not pixels). Only a surface whose box holds the eye (the view zoomed into
an organ) is drawn with its back faces, and two-sided lighting (a face seen from
behind is lit as if it faced the eye) shows its inside. Opaque surfaces go first, with
depth writes; then translucent ones blended over them without depth writes, back to
front (the one whose far side is farthest first), so each shows as a tinted film over
what lies behind it. The light is at the eye (a headlight), so whatever the user turns
towards himself is lit.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import moderngl
import numpy as np

from ..model.geometry import Geometry
from ..model.mesh import Mesh
from .orbit_camera import OrbitCamera
from .surfaces import index_to_world

#: Set (to anything but "" or "0") to switch the 3D view off: for a machine whose GL
#: driver misbehaves, and for tests of the window without one.
NO_3D_ENV = "DEMARCATE_NO_3D"
BACKGROUND = (0.08, 0.08, 0.1, 1.0)
OPAQUE = 0.999  # opacity from which a surface is drawn as opaque
PLANE_FILL = 0.12  # opacity of a slice plane's quad; its outline is drawn opaque
#: Slice plane colours by array axis (z: axial, y: coronal, x: sagittal), as in Slicer.
PLANE_RGB = {0: (0.95, 0.35, 0.35), 1: (0.45, 0.85, 0.4), 2: (0.95, 0.9, 0.35)}
CROSSHAIR_RGB = (1.0, 0.86, 0.0)  # the 2D views' crosshair yellow

_SURFACE_VERTEX = """
#version 330
uniform mat4 view;
uniform mat4 projection;
in vec3 in_position;
in vec3 in_normal;
out vec3 v_normal;
out vec3 v_position;
void main() {
    vec4 eye = view * vec4(in_position, 1.0);
    v_position = eye.xyz;
    v_normal = mat3(view) * in_normal;
    gl_Position = projection * eye;
}
"""
_SURFACE_FRAGMENT = """
#version 330
uniform vec4 color;
in vec3 v_normal;
in vec3 v_position;
out vec4 f_color;
void main() {
    vec3 n = normalize(v_normal);
    vec3 to_eye = normalize(-v_position);
    if (dot(n, to_eye) < 0.0) n = -n;  // two-sided
    float lit = max(dot(n, to_eye), 0.0);  // the light is at the eye
    vec3 rgb = color.rgb * (0.3 + 0.7 * lit) + 0.25 * pow(lit, 40.0);
    f_color = vec4(rgb, color.a);
}
"""
_FLAT_VERTEX = """
#version 330
uniform mat4 view;
uniform mat4 projection;
in vec3 in_position;
void main() { gl_Position = projection * view * vec4(in_position, 1.0); }
"""
_FLAT_FRAGMENT = """
#version 330
uniform vec4 color;
out vec4 f_color;
void main() { f_color = color; }
"""


class GLUnavailable(RuntimeError):
    """No OpenGL 3.3 context for the 3D view; the message says why in one line."""


def open_context(backend: str | None = None) -> moderngl.Context:
    """A standalone context: moderngl's default (GLX, for the window) or ``backend``
    ("egl" where there is no X display)."""
    if os.environ.get(NO_3D_ENV, "") not in ("", "0"):
        raise GLUnavailable(f"3D view switched off ({NO_3D_ENV} is set)")
    try:
        if backend is None:
            return moderngl.create_standalone_context()
        return moderngl.create_standalone_context(backend=backend)
    except Exception as error:  # noqa: BLE001 - any driver failure means "no 3D view"
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise GLUnavailable(f"no OpenGL context for the 3D view: {reason}") from error


@dataclass(frozen=True)
class Surface:
    """One mesh to draw, in a colour and an opacity (0..1)."""

    key: Hashable  # the same key with the same mesh reuses the uploaded buffers
    mesh: Mesh
    color: tuple[float, float, float]
    opacity: float = 1.0


@dataclass(frozen=True)
class Overlay:
    """What is drawn besides the surfaces: slice-plane quads (4 corners each, with
    their colour) and line segments (pairs of points) in one colour."""

    planes: tuple[tuple[np.ndarray, tuple[float, float, float]], ...] = ()
    segments: np.ndarray | None = None  # (2N, 3) world points
    segment_rgb: tuple[float, float, float] = CROSSHAIR_RGB


def volume_corners(geometry: Geometry, shape_zyx: tuple[int, int, int]) -> np.ndarray:
    """The 8 world corners of the image's voxel grid (voxel edges, not centres)."""
    spans = [(-0.5, n - 0.5) for n in shape_zyx]
    corners = np.array([[z, y, x] for z in spans[0] for y in spans[1] for x in spans[2]])
    return index_to_world(corners, geometry)


def slice_planes(geometry: Geometry, shape_zyx: tuple[int, int, int],
                 cursor_zyx: tuple[int, int, int]
                 ) -> tuple[tuple[np.ndarray, tuple[float, float, float]], ...]:
    """The three slices through the crosshair as world quads across the image, each in
    its plane colour."""
    planes = []
    for axis in range(3):
        u, v = (k for k in range(3) if k != axis)
        corners = []
        for a, b in ((0, 0), (1, 0), (1, 1), (0, 1)):
            point = [0.0, 0.0, 0.0]
            point[axis] = cursor_zyx[axis]
            point[u] = -0.5 + a * shape_zyx[u]
            point[v] = -0.5 + b * shape_zyx[v]
            corners.append(point)
        planes.append((index_to_world(np.array(corners, float), geometry), PLANE_RGB[axis]))
    return tuple(planes)


def crosshair_segments(geometry: Geometry, shape_zyx: tuple[int, int, int],
                       cursor_zyx: tuple[int, int, int]) -> np.ndarray:
    """Three lines through the crosshair voxel across the image, as (6, 3) world points."""
    points = []
    for axis in range(3):
        for end in (-0.5, shape_zyx[axis] - 0.5):
            point = [float(c) for c in cursor_zyx]
            point[axis] = end
            points.append(point)
    return index_to_world(np.array(points), geometry)


@dataclass
class _Uploaded:
    mesh: Mesh
    vertex_array: moderngl.VertexArray
    buffers: tuple[moderngl.Buffer, ...]
    low: np.ndarray  # the mesh's bounding box, for sorting
    high: np.ndarray

    def release(self) -> None:
        self.vertex_array.release()
        for buffer in self.buffers:
            buffer.release()


class SceneRenderer:
    """Draws surfaces into an off-screen framebuffer and reads the pixels back.

    Meshes are uploaded once per (key, mesh): recolouring, hiding or turning the view
    uploads nothing; a new mesh for a key replaces that key's buffers only.
    """

    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        with ctx:
            self._surface_program = ctx.program(vertex_shader=_SURFACE_VERTEX,
                                                fragment_shader=_SURFACE_FRAGMENT)
            self._flat_program = ctx.program(vertex_shader=_FLAT_VERTEX,
                                             fragment_shader=_FLAT_FRAGMENT)
        self._uploaded: dict[Hashable, _Uploaded] = {}
        self._framebuffer: moderngl.Framebuffer | None = None
        self._pixels = np.zeros(0, np.float32)

    @property
    def uploaded_triangles(self) -> int:
        return sum(entry.mesh.triangle_count for entry in self._uploaded.values())

    def render(self, camera: OrbitCamera, surfaces: Sequence[Surface],
               overlay: Overlay | None = None) -> np.ndarray:
        """The picture at ``camera.view_size`` as flat float32 RGBA, bottom row first
        (GL's order; a texture shows it upright with its v coordinate flipped). The
        array is reused by the next call."""
        size = (max(int(camera.view_size[0]), 1), max(int(camera.view_size[1]), 1))
        with self.ctx:
            framebuffer = self._framebuffer_of(size)
            framebuffer.use()
            framebuffer.clear(*BACKGROUND, depth=1.0)
            self._set_matrices(camera)
            drawn = self._upload([s for s in surfaces if s.mesh.triangle_count
                                  and s.opacity > 0])
            self._draw_surfaces(camera, drawn, overlay)
            framebuffer.read_into(self._pixels, components=4, dtype="f4")
        return self._pixels

    # --- resources -----------------------------------------------------------------------
    def _framebuffer_of(self, size: tuple[int, int]) -> moderngl.Framebuffer:
        if self._framebuffer is None or self._framebuffer.size != size:
            if self._framebuffer is not None:
                self._framebuffer.release()
            self._framebuffer = self.ctx.simple_framebuffer(size, components=4)
            self._pixels = np.zeros(size[0] * size[1] * 4, np.float32)
        return self._framebuffer

    def _upload(self, surfaces: Sequence[Surface]) -> list[tuple[Surface, _Uploaded]]:
        """Buffers for every surface (new meshes uploaded); keys no longer drawn are
        released."""
        wanted = {surface.key for surface in surfaces}
        for key in list(self._uploaded):
            if key not in wanted:
                self._uploaded.pop(key).release()
        drawn = []
        for surface in surfaces:
            entry = self._uploaded.get(surface.key)
            if entry is None or entry.mesh is not surface.mesh:
                if entry is not None:
                    entry.release()
                entry = self._uploaded[surface.key] = self._upload_mesh(surface.mesh)
            drawn.append((surface, entry))
        return drawn

    def _upload_mesh(self, mesh: Mesh) -> _Uploaded:
        ctx = self.ctx
        positions = ctx.buffer(np.ascontiguousarray(mesh.vertices, np.float32))
        normals = ctx.buffer(np.ascontiguousarray(mesh.normals, np.float32))
        indices = ctx.buffer(np.ascontiguousarray(mesh.faces, np.int32))
        vertex_array = ctx.vertex_array(
            self._surface_program,
            [(positions, "3f", "in_position"), (normals, "3f", "in_normal")],
            index_buffer=indices, index_element_size=4)
        return _Uploaded(mesh, vertex_array, (positions, normals, indices),
                         mesh.vertices.min(axis=0), mesh.vertices.max(axis=0))

    def release(self) -> None:
        with self.ctx:
            for entry in self._uploaded.values():
                entry.release()
            self._uploaded.clear()
            if self._framebuffer is not None:
                self._framebuffer.release()
                self._framebuffer = None

    # --- the pass ------------------------------------------------------------------------
    def _set_matrices(self, camera: OrbitCamera) -> None:
        view = camera.view_matrix().to_bytes()
        projection = camera.projection_matrix().to_bytes()
        for program in (self._surface_program, self._flat_program):
            program["view"].write(view)
            program["projection"].write(projection)

    def _draw_surfaces(self, camera: OrbitCamera, drawn: list[tuple[Surface, _Uploaded]],
                       overlay: Overlay | None) -> None:
        ctx = self.ctx
        framebuffer = self._framebuffer
        ctx.enable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        ctx.disable(moderngl.BLEND)
        ctx.front_face, ctx.cull_face = "ccw", "back"
        framebuffer.depth_mask = True
        eye = np.asarray(camera.eye)
        for surface, entry in drawn:
            if surface.opacity >= OPAQUE:
                self._draw(surface, entry, 1.0, eye)
        if overlay is not None and overlay.segments is not None:
            self._draw_segments(overlay.segments, overlay.segment_rgb)
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        framebuffer.depth_mask = False
        translucent = [(s, e) for s, e in drawn if s.opacity < OPAQUE]
        if translucent:
            far = _far_depths(camera, [entry for _, entry in translucent])
            for index in np.argsort(-far, kind="stable"):
                surface, entry = translucent[index]
                self._draw(surface, entry, surface.opacity, eye)
        if overlay is not None:
            ctx.disable(moderngl.CULL_FACE)  # a plane is seen from both sides
            self._draw_planes(overlay.planes)
        framebuffer.depth_mask = True

    def _draw(self, surface: Surface, entry: _Uploaded, alpha: float, eye: np.ndarray) -> None:
        """One surface; its back faces only when the eye may be inside it."""
        inside = bool((entry.low <= eye).all() and (eye <= entry.high).all())
        if inside:
            self.ctx.disable(moderngl.CULL_FACE)
        self._surface_program["color"].value = (*surface.color, alpha)
        entry.vertex_array.render(moderngl.TRIANGLES)
        if inside:
            self.ctx.enable(moderngl.CULL_FACE)

    def _draw_flat(self, points: np.ndarray, mode: int, rgba: tuple[float, ...]) -> None:
        buffer = self.ctx.buffer(np.ascontiguousarray(points, np.float32))
        vertex_array = self.ctx.vertex_array(self._flat_program,
                                             [(buffer, "3f", "in_position")])
        self._flat_program["color"].value = rgba
        vertex_array.render(mode)
        vertex_array.release()
        buffer.release()

    def _draw_segments(self, segments: np.ndarray, rgb: tuple[float, float, float]) -> None:
        self._draw_flat(segments, moderngl.LINES, (*rgb, 1.0))

    def _draw_planes(self, planes: Sequence[tuple[np.ndarray, tuple[float, float, float]]]
                     ) -> None:
        for corners, rgb in planes:
            self._draw_flat(corners, moderngl.TRIANGLE_FAN, (*rgb, PLANE_FILL))
            self._draw_flat(corners, moderngl.LINE_LOOP, (*rgb, 1.0))


def _far_depths(camera: OrbitCamera, entries: Sequence[_Uploaded]) -> np.ndarray:
    """How far in front of the camera each entry's bounding box reaches."""
    corners = np.array([[(e.low, e.high)[i][0], (e.low, e.high)[j][1], (e.low, e.high)[k][2]]
                        for e in entries for i in (0, 1) for j in (0, 1) for k in (0, 1)])
    return camera.depth(corners).reshape(len(entries), 8).max(axis=1)


def picture(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The (height, width, 4) picture, top row first, of ``render``'s flat pixels."""
    width, height = size
    return pixels.reshape(height, width, 4)[::-1]
