"""The interpolation choice (Disabled, 2D, 3D) and the 3D interpolation's actions:
contours listed, visited and removed, Reinit, Confirm.

Mixed into ``Session``. In 3D mode every finished 2D gesture of the active label
records its plane as a contour (the session knows the plane of each gesture); the
shape follows on the job runner (see ``contour_interpolation``).
"""

from __future__ import annotations

from ..model.changes import Change
from ..model.document import SegmentationDocument
from ..model.segmentation import Segmentation
from ..tools.base import VolumePreview
from ..tools.contour_set import Contour
from ..tools.slicing import SlicePosition
from .contour_interpolation import ContourInterpolationUpdater
from .events import Topic
from .interpolation import InterpolationUpdater

#: The interpolation choices, in the order the window offers them (MITK's).
INTERPOLATION_MODES = ("Disabled", "2D", "3D")


class ContourInterpolationActions:
    """Needs from ``Session``: ``time_step``, ``cursor_zyx``, ``set_cursor``,
    ``_selected_document``, ``document``, ``_interpolation`` and ``_emit``."""

    time_step: int
    _interpolation: InterpolationUpdater
    _contours: ContourInterpolationUpdater

    def _start_contour_interpolation(self) -> None:
        self._contours = ContourInterpolationUpdater(
            self.jobs, lambda: self._emit(Topic.INTERPOLATION),
            lambda time_step: self.image_entry.image.array[time_step])

    @property
    def interpolation_mode(self) -> str:
        if self._contours.enabled:
            return "3D"
        return "2D" if self._interpolation.interpolator.enabled else "Disabled"

    def set_interpolation_mode(self, mode: str) -> None:
        """Disabled, 2D (suggestions between drawn slices) or 3D (a shape from contours
        in any orientation); the 3D contours drawn so far are kept while it is off."""
        if mode not in INTERPOLATION_MODES:
            raise ValueError(f"interpolation is one of {', '.join(INTERPOLATION_MODES)}")
        document = self._selected_document()
        self._interpolation.set_enabled(mode == "2D", document, self.time_step)
        self._contours.enabled = mode == "3D"
        self._contours.refresh(document, self.time_step)
        self._emit(Topic.INTERPOLATION)

    @property
    def interpolation_3d_uses_image(self) -> bool:
        return self._contours.use_image

    def set_interpolation_3d_uses_image(self, use_image: bool) -> None:
        """Image-aware 3D interpolation: the exact shape follows the image between the
        contours (the interpolated shape is its prior) instead of the shape alone."""
        self._contours.use_image = bool(use_image)
        self._contours.refresh(self._selected_document(), self.time_step)
        self._emit(Topic.INTERPOLATION)

    @property
    def interpolation_contours(self) -> list[Contour]:
        """The active label's 3D interpolation contours at the shown time step."""
        return self._contours.contours(self._selected_document(), self.time_step)

    @property
    def interpolation_3d_preview(self) -> VolumePreview | None:
        """The interpolated shape (coarse while ``interpolation_3d_exact`` is False)."""
        return self._contours.preview if self._contours.enabled else None

    @property
    def interpolation_3d_exact(self) -> bool:
        return self._contours.exact

    @property
    def interpolation_3d_pending(self) -> bool:
        return self._contours.pending

    @property
    def interpolation_3d_note(self) -> str:
        return self._contours.note

    def go_to_contour(self, number: int) -> SlicePosition:
        """Move the crosshair onto the ``number``-th contour's slice (MITK's position
        nodes); the views of that orientation then show it."""
        position = self.interpolation_contours[number].position
        cursor = list(self.cursor_zyx)
        cursor[position.axis] = position.index
        self.set_cursor(tuple(cursor))
        return position

    def remove_contour(self, number: int) -> None:
        self._contours.remove(self.document, self.time_step, number)

    def reinit_contours(self) -> int:
        """Contours from the active label's existing slices; returns how many."""
        return self._contours.reinit(self.document, self.time_step)

    def confirm_3d_interpolation(self) -> int:
        """Write the shape into the active label as one undo step, and switch the 3D
        interpolation off, as MITK does, so the result can be edited in peace."""
        changed = self._contours.confirm(self.document, self.time_step)
        self.set_interpolation_mode("Disabled")
        return changed

    def _contours_see(self, document: SegmentationDocument, change: Change,
                      finished: SlicePosition | None) -> None:
        """A document change: a finished 2D gesture's plane becomes a contour; undo and
        another active label are handled by the updater."""
        if not self.has_document or document is not self.document:
            return
        self._contours.on_change(document, change, self.time_step)
        if finished is not None:
            self._contours.record(document, finished)

    def _refresh_contour_interpolation(self) -> None:
        self._contours.refresh(self._selected_document(), self.time_step)

    def _store_contours(self, document: SegmentationDocument, copy: Segmentation) -> None:
        self._contours.store(document, copy)

    def _restore_contours(self, document: SegmentationDocument) -> None:
        self._contours.restore(document)
