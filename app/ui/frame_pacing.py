"""Render only when something can have changed.

Dear PyGui renders every frame whether or not anything changed; under software OpenGL
(llvmpipe) a frame of the full window costs about 2.5 times an empty window, all spent
on rasterising what is already on screen. With ``wait_for_input`` Dear PyGui waits for
the next input event before it renders, so the window is switched to waiting once it
has been quiet for a few frames: no callbacks (every mouse and key event arrives as
one), no session events, nothing left to redraw, no background job. A job that ends
while the window waits wakes it by posting an empty GLFW event from its worker thread
(GLFW allows that call from any thread), and so does a timer when an autosave is due.
Where that function cannot be found (a build of Dear PyGui without GLFW), the window
keeps rendering every frame.
"""

from __future__ import annotations

import ctypes

#: Frames rendered after the last activity, so that hover states, a layout that needs
#: one frame to settle and the result of the last callback reach the screen.
QUIET_AFTER_FRAMES = 4


def glfw_waker():
    """A function that wakes a waiting Dear PyGui loop, or None where there is none."""
    import dearpygui._dearpygui as native

    try:
        post_empty_event = ctypes.CDLL(native.__file__).glfwPostEmptyEvent
    except (OSError, AttributeError):
        return None
    post_empty_event.restype = None
    post_empty_event.argtypes = []
    return post_empty_event


class FramePacer:
    """Counts quiet frames and says when the next frame may wait for input."""

    def __init__(self, can_wait: bool) -> None:
        self.can_wait = can_wait
        self.quiet_frames = 0

    def activity(self) -> None:
        self.quiet_frames = 0

    def frame_done(self, busy: bool) -> bool:
        """Count a frame (``busy``: it had work or a job runs); True: the next may wait."""
        self.quiet_frames = 0 if busy else self.quiet_frames + 1
        return self.can_wait and self.quiet_frames >= QUIET_AFTER_FRAMES
