"""The 3D view's camera: a turntable around the image, in the image's world space.

World space is the patient space of the meshes (ITK's LPS: +x towards the patient's
left, +y posterior, +z superior), so the standard views are the same for every image
whatever its direction. Dragging turns the scene about the patient's long axis
(horizontal drags) and about the screen's horizontal axis (vertical drags): the
turntable users know from Slicer's and MITK's 3D views, which keeps the head up.
The 2D slice views have their own camera (camera.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from pyglm import glm

FOV_DEGREES = 30.0
TURN_PER_VIEW_HEIGHT = math.pi  # a drag over the whole view's height turns by 180 degrees
MIN_DISTANCE, MAX_DISTANCE = 0.05, 20.0  # in scene radii
FIT_MARGIN = 1.05

#: The side each standard view looks from, and the world direction that is up on screen.
STANDARD_VIEWS: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "anterior": ((0.0, -1.0, 0.0), (0.0, 0.0, 1.0)),
    "posterior": ((0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
    "left": ((1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
    "right": ((-1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
    # From the head and from the feet, anterior up, as axial slices are read.
    "superior": ((0.0, 0.0, 1.0), (0.0, -1.0, 0.0)),
    "inferior": ((0.0, 0.0, -1.0), (0.0, -1.0, 0.0)),
}
DEFAULT_VIEW = "anterior"
SUPERIOR_AXIS = glm.vec3(0.0, 0.0, 1.0)


def _rotation_from(side: tuple[float, float, float], up: tuple[float, float, float]) -> glm.quat:
    """The world-to-eye rotation of a camera on ``side`` of the centre with ``up`` up."""
    return glm.quat_cast(glm.mat3(glm.lookAt(glm.vec3(side), glm.vec3(0.0), glm.vec3(up))))


@dataclass
class OrbitCamera:
    """Looks at ``center`` from ``distance`` mm; ``rotation`` turns world into eye axes.

    ``corners`` are the world points a standard view fits in (the image's corners).
    """

    corners: np.ndarray  # (N, 3) world points
    view_size: tuple[float, float] = (512.0, 512.0)  # (width, height) in screen pixels
    center: glm.vec3 = field(default_factory=glm.vec3)
    rotation: glm.quat = field(default_factory=glm.quat)
    distance: float = 1.0

    @classmethod
    def around(cls, corners_xyz: np.ndarray,
               view_size: tuple[float, float] = (512.0, 512.0)) -> OrbitCamera:
        """A camera in the default view with ``corners_xyz`` fitted in."""
        camera = cls(np.asarray(corners_xyz, float), view_size)
        camera.reset()
        return camera

    @property
    def aspect(self) -> float:
        return max(self.view_size[0], 1.0) / max(self.view_size[1], 1.0)

    @property
    def home(self) -> np.ndarray:
        """The middle of the corners: what standard views turn around."""
        return (self.corners.min(axis=0) + self.corners.max(axis=0)) / 2

    @property
    def radius(self) -> float:
        """Of the sphere around the corners (it bounds the depth range)."""
        return max(float(np.linalg.norm(self.corners - self.home, axis=1).max()), 1e-3)

    def reset(self) -> None:
        self.set_view(DEFAULT_VIEW)

    def set_view(self, name: str) -> None:
        """One of STANDARD_VIEWS, centred on the corners and just fitting them in."""
        side, up = STANDARD_VIEWS[name]
        self.rotation = _rotation_from(side, up)
        self.center = glm.vec3(*self.home)
        # Each corner at eye coordinates (x, y, z) about the centre is inside the view
        # from a distance of z + |x| / tan(half width angle), likewise for y.
        turned = np.asarray(glm.mat3_cast(self.rotation).to_list(), float)  # columns
        eye_offsets = (self.corners - self.home) @ turned
        tan_y = math.tan(math.radians(FOV_DEGREES) / 2)
        tan_x = tan_y * self.aspect
        needed = eye_offsets[:, 2] + np.maximum(np.abs(eye_offsets[:, 0]) / tan_x,
                                                np.abs(eye_offsets[:, 1]) / tan_y)
        self.distance = float(needed.max()) * FIT_MARGIN

    # --- gestures ------------------------------------------------------------------------
    def rotate(self, dx: float, dy: float) -> None:
        """Turn by a mouse drag of (dx, dy) screen pixels: the scene follows the mouse."""
        per_pixel = TURN_PER_VIEW_HEIGHT / max(self.view_size[1], 1.0)
        yaw = glm.angleAxis(dx * per_pixel, SUPERIOR_AXIS)
        pitch = glm.angleAxis(dy * per_pixel, glm.vec3(1.0, 0.0, 0.0))
        self.rotation = glm.normalize(pitch * self.rotation * yaw)

    def zoom(self, factor: float) -> None:
        """Move closer (factor > 1) or away, within sensible distances of the scene."""
        self.distance = min(max(self.distance / factor, MIN_DISTANCE * self.radius),
                            MAX_DISTANCE * self.radius)

    def pan(self, dx: float, dy: float) -> None:
        """Move the scene with the mouse by (dx, dy) screen pixels, at the centre's depth."""
        per_pixel = 2 * self.distance * math.tan(math.radians(FOV_DEGREES) / 2) / max(
            self.view_size[1], 1.0)
        shift_eye = glm.vec3(-dx * per_pixel, dy * per_pixel, 0.0)
        self.center = self.center + glm.inverse(self.rotation) * shift_eye

    # --- matrices ------------------------------------------------------------------------
    @property
    def eye(self) -> glm.vec3:
        """The camera's position in world space."""
        return self.center + glm.inverse(self.rotation) * glm.vec3(0.0, 0.0, self.distance)

    def view_matrix(self) -> glm.mat4:
        return (glm.translate(glm.vec3(0.0, 0.0, -self.distance)) * glm.mat4_cast(self.rotation)
                * glm.translate(-self.center))

    def projection_matrix(self) -> glm.mat4:
        """Perspective with the depth range just holding the sphere around the corners."""
        middle = float(self.depth(self.home[None])[0])
        near = max(middle - self.radius, self.radius * 0.01)
        far = max(middle + self.radius, near * 2)
        return glm.perspective(math.radians(FOV_DEGREES), self.aspect, near, far)

    def to_screen(self, point_xyz: tuple[float, float, float]) -> tuple[float, float]:
        """View-local screen (x, y) of a world point (y downwards, as Dear PyGui's)."""
        clip = self.projection_matrix() * self.view_matrix() * glm.vec4(*point_xyz, 1.0)
        ndc = glm.vec3(clip) / clip.w
        return ((ndc.x + 1) / 2 * self.view_size[0], (1 - ndc.y) / 2 * self.view_size[1])

    def depth(self, point_xyz: np.ndarray) -> np.ndarray:
        """Distance in front of the camera of (N, 3) world points (for sorting)."""
        forward = glm.inverse(self.rotation) * glm.vec3(0.0, 0.0, -1.0)
        return (np.asarray(point_xyz, float) - np.asarray(self.eye)) @ np.asarray(forward)
