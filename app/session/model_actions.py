"""The data manager's actions on a segmentation: polygon models and Autocrop.

Mixed into ``Session``. "Create polygon model" and "Create smoothed polygon model" mesh
every label of the shown time step on the job runner (progress per label, Cancel
between labels); the models are kept per segmentation, announced as
``Topic.POLYGON_MODELS``, and can be exported or removed. "Autocrop" opens a cropped
copy of a segmentation (and of its image) as a new image/segmentation pair; the
original stays as it was. None of these edits a segmentation, so none is an undo step.

The work reads a copy of the voxels taken when the action starts, as saving does, so
edits made meanwhile can neither tear the result nor be changed by it. Meshing and mesh
files are imported when first used: trimesh alone adds a third of a second to the
start of the app.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

from ..model.crop import autocrop_box, crop_image, crop_segmentation, grid_image
from ..model.document import SegmentationDocument
from ..model.image import ReferenceImage
from ..model.polygon_model import PolygonModel
from ..model.segmentation import LabelGroup, Segmentation
from .events import Topic
from .jobs import Job, JobRunner


def _time_step_copy(segmentation: Segmentation, time_step: int) -> Segmentation:
    """The labels and voxels of one time step as a one-step segmentation of their own."""
    t_index = segmentation.stored_time_index(time_step)
    snapshot = Segmentation(segmentation.shape_zyx, segmentation.geometry,
                            name=segmentation.name)
    snapshot.groups = [LabelGroup(group.name, group.array[t_index:t_index + 1].copy(),
                                  [label.copy() for label in group.labels])
                       for group in segmentation.groups]
    return snapshot


class ModelActions:
    """Needs from ``Session``: ``jobs``, ``images``, ``time_step``, ``document``,
    ``add_image``, ``add_segmentation``, ``_emit`` and ``_report_error``."""

    jobs: JobRunner
    time_step: int
    _polygon_models: dict[SegmentationDocument, list[PolygonModel]]

    def _start_model_actions(self) -> None:
        self._polygon_models = {}

    # --- polygon models ---------------------------------------------------------------
    def polygon_models(self, document: SegmentationDocument | None = None
                       ) -> list[PolygonModel]:
        """The polygon models made of a segmentation (the selected one), oldest first."""
        return list(self._polygon_models.get(document or self.document, []))

    def _image_of(self, document: SegmentationDocument) -> ReferenceImage | None:
        """The image a segmentation is drawn on; None once it was closed."""
        return next((entry.image for entry in self.images
                     if document in entry.segmentations), None)

    def create_polygon_model(self, document: SegmentationDocument | None = None, *,
                             smoothed: bool = False, time_step: int | None = None) -> Job:
        """Mesh every label of a segmentation (the selected one) at a time step (the
        shown one) on the job runner; the model lands in ``polygon_models`` unless the
        segmentation was closed meanwhile. ``smoothed``: MITK's smoothed polygon model
        (median, Gaussian, marching cubes, Taubin smoothing, decimation by half)."""
        document = document or self.document
        seg = document.segmentation
        time_step = self.time_step if time_step is None else time_step
        snapshot = _time_step_copy(seg, time_step)
        name = "Smoothed polygon model" if smoothed else "Polygon model"
        if seg.time_steps > 1:
            name = f"{name}, time step {time_step + 1}"

        def work(job: Job) -> PolygonModel:
            from ..render.polygon_models import polygon_model

            return polygon_model(snapshot, 0, smoothed=smoothed, progress=job.report)

        def land(model: PolygonModel) -> PolygonModel | None:
            if self._image_of(document) is None:
                return None
            model = replace(model, name=name, time_step=time_step)
            self._polygon_models.setdefault(document, []).append(model)
            self._emit(Topic.POLYGON_MODELS, document=document)
            return model

        return self.jobs.submit(f"{name} of {seg.name}", work, on_done=land,
                                on_error=self._report_error)

    def remove_polygon_model(self, model: PolygonModel,
                             document: SegmentationDocument | None = None) -> None:
        """Drop a polygon model of a segmentation (the selected one)."""
        document = document or self.document
        models = self._polygon_models.get(document, [])
        if not any(kept is model for kept in models):
            raise ValueError(f"'{model.name}' is not a polygon model of "
                             f"{document.segmentation.name}")
        self._polygon_models[document] = [kept for kept in models if kept is not model]
        self._emit(Topic.POLYGON_MODELS, document=document)

    def _forget_polygon_models(self, document: SegmentationDocument) -> None:
        """A closed segmentation's models go with it."""
        if self._polygon_models.pop(document, None):
            self._emit(Topic.POLYGON_MODELS, document=document)

    def export_polygon_model(self, model: PolygonModel, path: str | Path, *,
                             one_file_per_label: bool = False) -> Job:
        """Write a polygon model as .stl, .obj or .ply (by suffix) in world coordinates:
        one file holding every label, or one file per label named after it. The job
        lands the list of files written."""
        def work(job: Job) -> list[Path]:
            from ..formats.meshes import write_meshes

            return write_meshes(model.labels, path, one_file_per_label=one_file_per_label,
                                progress=job.report)

        return self.jobs.submit(f"Exporting {Path(path).name}", work,
                                on_done=lambda written: written, on_error=self._report_error,
                                key=f"export:{Path(path)}")

    # --- autocrop --------------------------------------------------------------------
    def autocrop(self, document: SegmentationDocument | None = None, *, margin: int = 0,
                 crop_image_too: bool = False) -> Job:
        """Open a segmentation (the selected one) cropped to the box of all its labels
        (every group, every time step) grown by ``margin`` voxels, as a new image and
        segmentation; the original stays open and unchanged.

        With ``crop_image_too`` the new image is the same box of the image; without it
        a blank image on the cropped grid carries the segmentation. The new
        segmentation is unsaved (it is in no file yet). A segmentation without any
        labelled voxel is refused (the job fails): there is no box to crop to.
        """
        document = document or self.document
        image = self._image_of(document)
        if image is None:
            raise LookupError(f"{document.segmentation.name} is not open")
        seg = document.segmentation
        snapshot = copy.deepcopy(seg)
        name = f"{seg.name} (autocropped)"

        def work(job: Job) -> tuple[ReferenceImage, Segmentation]:
            box = autocrop_box(snapshot, margin)
            job.report(0.3)
            cropped = crop_segmentation(snapshot, box, name)
            job.report(0.5)
            new_image = (crop_image(image, box, f"{image.name} (autocropped)")
                         if crop_image_too else grid_image(cropped, f"{name} grid"))
            return new_image, cropped

        def land(result: tuple[ReferenceImage, Segmentation]) -> SegmentationDocument:
            new_image, cropped = result
            self.add_image(new_image)
            added = self.add_segmentation(cropped)
            added.mark_unsaved()
            self._emit(Topic.SEGMENTATIONS, document=added)
            return added

        return self.jobs.submit(f"Autocrop {seg.name}", work, on_done=land,
                                on_error=self._report_error)
