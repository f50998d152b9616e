"""The application controller: open images and segmentations, selections, preferences.

Every user action of the GUI is a method here (label and group operations are passed
on to the selected segmentation's document), so everything the window can do is
tested without a window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import formats
from ..render.windowing import default_window, preset_window
from ..tools.controller import ToolController
from ..tools.interpolation import SliceInterpolator
from .document import SegmentationDocument
from .image import ReferenceImage
from .naming import LabelNaming, NamingMode
from .preferences import Preferences, load_preferences, save_preferences
from .preset import LabelSetPreset
from .segmentation import LabelGroup, Segmentation

# Operations of the selected segmentation that the session offers unchanged.
DOCUMENT_ACTIONS = (
    "add_label",
    "create_instance",
    "remove_label",
    "rename_label",
    "set_label_color",
    "set_label_opacity",
    "set_label_visible",
    "set_label_locked",
    "set_active_label",
    "clear_label",
    "merge_labels",
    "add_group",
    "remove_group",
    "rename_group",
    "set_group_locked",
    "set_all_locked",
    "set_all_visible",
    "set_unlabeled_locked",
    "set_dynamic",
    "write",
    "erase",
    "begin_stroke",
    "end_stroke",
    "undo",
    "redo",
)


@dataclass
class ImageEntry:
    """An open image, how it is windowed, and the segmentations drawn on it."""

    image: ReferenceImage
    segmentations: list[SegmentationDocument] = field(default_factory=list)
    visible: bool = True
    level: float = 0.0
    width: float = 1.0

    def __post_init__(self) -> None:
        self.level, self.width = default_window(self.image.array[0])


class Session:
    def __init__(
        self, preferences: Preferences | None = None, preferences_file: Path | None = None
    ) -> None:
        self._preferences_file = preferences_file
        self.preferences = preferences or load_preferences(preferences_file)
        self.images: list[ImageEntry] = []
        self.image_index: int | None = None
        self.segmentation_index: int | None = None
        self.time_step = 0
        self.cursor_zyx = (0, 0, 0)  # the crosshair, shared by all slice views
        self.tools = ToolController()
        self.interpolator = SliceInterpolator()

    # --- selection ---------------------------------------------------------------------
    @property
    def image_entry(self) -> ImageEntry:
        if self.image_index is None:
            raise LookupError("no image is open")
        return self.images[self.image_index]

    @property
    def document(self) -> SegmentationDocument:
        entry = self.image_entry
        if self.segmentation_index is None:
            raise LookupError("no segmentation is selected: create or open one first")
        return entry.segmentations[self.segmentation_index]

    @property
    def segmentation(self) -> Segmentation:
        return self.document.segmentation

    def select(self, image_index: int, segmentation_index: int | None = None) -> None:
        entry = self.images[image_index]
        if segmentation_index is not None and not 0 <= segmentation_index < len(
            entry.segmentations
        ):
            raise IndexError(f"image {image_index} has no segmentation {segmentation_index}")
        if self.image_index is not None and self.segmentation_index is not None:
            self.document.end_stroke()
        # A contour or stroke in progress belongs to the segmentation being left.
        self.tools.cancel()
        if image_index != self.image_index:
            self.cursor_zyx = tuple(n // 2 for n in entry.image.shape_zyx)
        self.image_index = image_index
        self.segmentation_index = segmentation_index
        self.time_step = min(self.time_step, entry.image.time_steps - 1)

    def set_cursor(self, zyx: tuple[int, int, int]) -> None:
        """Move the crosshair (clamped into the image); every view follows it."""
        shape = self.image_entry.image.shape_zyx
        self.cursor_zyx = tuple(int(min(max(v, 0), n - 1)) for v, n in zip(zyx, shape,
                                                                              strict=True))

    def set_window(self, level: float, width: float) -> None:
        entry = self.image_entry
        entry.level, entry.width = float(level), max(float(width), 1e-3)

    def apply_window_preset(self, name: str) -> None:
        """A named window (CT soft tissue, lung, bone, brain) or "Auto" from percentiles."""
        entry = self.image_entry
        self.set_window(*preset_window(name, entry.image.array[self.time_step]))

    def set_time_step(self, time_step: int) -> None:
        steps = self.image_entry.image.time_steps
        if not 0 <= time_step < steps:
            raise IndexError(f"time step {time_step} outside 0..{steps - 1}")
        self.time_step = time_step

    # --- images --------------------------------------------------------------------------
    def open_image(self, path: str | Path) -> ImageEntry:
        """Read an image and select it; a failure raises before anything changes."""
        return self.add_image(formats.read_image(path))

    def add_image(self, image: ReferenceImage) -> ImageEntry:
        entry = ImageEntry(image)
        self.images.append(entry)
        self.select(len(self.images) - 1)
        return entry

    def close_image(self, index: int) -> None:
        selected = self.image_index
        if selected is not None and self.segmentation_index is not None:
            self.document.end_stroke()
        del self.images[index]
        self.image_index = self.segmentation_index = None
        if self.images:
            keep = selected if selected is not None and selected < index else max(
                (selected or 0) - 1, 0)
            self.select(min(keep, len(self.images) - 1))

    # --- segmentations -------------------------------------------------------------------
    def naming(self) -> LabelNaming:
        """Label naming rule from the preferences (reads the suggestions file if set)."""
        prefs = self.preferences
        suggestions = (
            formats.read_suggestions(prefs.suggestions_file) if prefs.suggestions_file else []
        )
        return LabelNaming(
            NamingMode(prefs.label_naming),
            suggestions,
            replace_builtin=prefs.suggestions_replace_builtin,
            only_suggestions=prefs.only_suggestions,
        )

    def add_segmentation(
        self, segmentation: Segmentation, path: str | None = None
    ) -> SegmentationDocument:
        """Attach an already read segmentation to the selected image and select it.

        Refused unless it lies on the image's grid, so a segmentation can only ever be
        shown on an image it is congruent with.
        """
        image = self.image_entry.image
        if (
            segmentation.shape_zyx != image.shape_zyx
            or segmentation.time_steps != image.time_steps
            or not segmentation.geometry.matches(image.geometry)
        ):
            raise ValueError(
                f"{path or segmentation.name} does not lie on the grid of image "
                f"'{image.name}' ({image.geometry.describe()})"
            )
        if segmentation.active_label_value is None and segmentation.labels:
            segmentation.active_label_value = segmentation.labels[0].value
        return self._attach(segmentation, path)

    def _attach(self, segmentation: Segmentation, path: str | None) -> SegmentationDocument:
        document = SegmentationDocument(
            segmentation,
            naming=self.naming(),
            undo_budget_bytes=self.preferences.undo_budget_bytes,
            path=path,
        )
        entry = self.image_entry
        entry.segmentations.append(document)
        self.select(self.image_index, len(entry.segmentations) - 1)
        return document

    def new_segmentation(self, name: str | None = None) -> SegmentationDocument:
        """A new segmentation of the selected image: the default preset's labels if one is
        set in the preferences, else one red "Label 1" in "Group 0" (MITK's start)."""
        entry = self.image_entry
        image = entry.image
        segmentation = Segmentation(
            image.shape_zyx,
            image.geometry,
            image.time_steps,
            name=name or f"{image.name} segmentation {len(entry.segmentations) + 1}",
        )
        segmentation.groups.append(LabelGroup("Group 0", segmentation.new_group_array()))
        preset = (
            formats.read_preset(self.preferences.default_preset)
            if self.preferences.default_preset
            else None
        )
        document = self._attach(segmentation, None)
        if preset is not None:
            document.apply_preset(preset)
        else:
            document.add_label()
        # Creating the segmentation is not something to undo label by label.
        document.history.clear()
        document.modified = False
        return document

    def open_segmentation(self, path: str | Path) -> SegmentationDocument:
        """Read a segmentation for the selected image; refused if it is not congruent."""
        segmentation = formats.read_segmentation(path, reference=self.image_entry.image)
        return self.add_segmentation(segmentation, str(path))

    def save_segmentation(
        self, path: str | Path | None = None, *, mitk_version: int = 1
    ) -> list[Path]:
        """Save the selected segmentation (atomically); remembers the path for Save."""
        document = self.document
        document.end_stroke()
        target = path or document.path
        if target is None:
            raise ValueError("choose a file name to save the segmentation")
        written = formats.write_segmentation(
            document.segmentation, target, mitk_version=mitk_version
        )
        document.path = str(target)
        document.modified = False
        return written

    def close_segmentation(self, index: int | None = None) -> None:
        entry = self.image_entry
        index = self.segmentation_index if index is None else index
        if index is None:
            return
        del entry.segmentations[index]
        remaining = len(entry.segmentations)
        self.segmentation_index = min(index, remaining - 1) if remaining else None

    def set_interpolation(self, enabled: bool, axis: int | None = None) -> None:
        """Turn 2D interpolation on/off; ``axis`` is the orientation it suggests in."""
        self.interpolator.enabled = bool(enabled)
        if axis is not None:
            self.interpolator.axis = axis
        self.update_interpolation()

    def update_interpolation(self) -> None:
        if self.image_index is None or self.segmentation_index is None:
            return
        self.interpolator.update(self.document, self.interpolator.axis, self.time_step)

    def confirm_interpolation(self, slice_index: int | None = None) -> int:
        """Accept one suggested slice, or all of them (one undo step either way)."""
        self.update_interpolation()
        indices = None if slice_index is None else [slice_index]
        changed = self.interpolator.confirm(self.document, self.time_step, indices)
        self.update_interpolation()
        return changed

    def set_segmentation_visible(self, index: int, visible: bool) -> None:
        self.image_entry.segmentations[index].visible = bool(visible)

    # --- presets ---------------------------------------------------------------------------
    def save_preset(self, path: str | Path) -> None:
        preset = LabelSetPreset.from_segmentation(self.segmentation, Path(path).stem)
        formats.write_preset(preset, path)

    def load_preset(self, path: str | Path) -> None:
        """Apply a preset file to the selected segmentation (one undo step, no voxel change)."""
        self.document.apply_preset(formats.read_preset(path))

    # --- preferences -------------------------------------------------------------------------
    def set_preferences(self, preferences: Preferences) -> Path:
        """Validate, persist and apply new preferences to open segmentations."""
        saved = save_preferences(preferences, self._preferences_file)
        self.preferences = preferences
        naming = self.naming()
        for entry in self.images:
            for document in entry.segmentations:
                document.naming = naming
                document.history.budget_bytes = preferences.undo_budget_bytes
                document.history.enforce_budget()
        return saved


def _document_action(name: str):
    def action(self: Session, *args, **kwargs):
        return getattr(self.document, name)(*args, **kwargs)

    action.__name__ = name
    action.__qualname__ = f"Session.{name}"
    action.__doc__ = getattr(SegmentationDocument, name).__doc__
    return action


for _name in DOCUMENT_ACTIONS:
    setattr(Session, _name, _document_action(_name))
