"""A segmentation being edited: every user operation as a method that records one undo step.

Tools and the UI never change a ``Segmentation`` directly; they call these methods (or
``write``/``erase``, which wrap the one write path), so undo covers everything. Every
step, undo and redo is announced on ``changes`` with a record of what it touched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import numpy as np

from .changes import Change, ChangeKind, Signal, VoxelChange
from .history import DEFAULT_BUDGET_BYTES, History, Step, StepRecorder
from .labels import Color, Label
from .naming import LabelNaming
from .preset import LabelSetPreset
from .segmentation import LabelGroup, Segmentation
from .write import BeforeRecorder, MaskRegion, WriteMode, erase_mask, write_mask


class SegmentationDocument:
    """A segmentation, its undo history and where it was loaded from/saved to."""

    def __init__(
        self,
        segmentation: Segmentation,
        *,
        naming: LabelNaming | None = None,
        undo_budget_bytes: int = DEFAULT_BUDGET_BYTES,
        path: str | None = None,
    ) -> None:
        self.segmentation = segmentation
        self.naming = naming or LabelNaming()
        self.history = History(undo_budget_bytes)
        self.path = path
        self.visible = True  # shown in the views (a display choice, not an edit: no undo)
        self.changes: Signal[Change] = Signal()
        #: Counts finished edits, undos and redos; a save remembers the version it wrote.
        self.version = 0
        self._saved_version = 0
        self._recorder: StepRecorder | None = None
        self._stroke = contextlib.ExitStack()

    @property
    def modified(self) -> bool:
        """Changed since it was read, created or last saved."""
        return self.version != self._saved_version

    def mark_saved(self, version: int | None = None) -> None:
        """The state of ``version`` (default: now) is what the file holds.

        A save that runs in the background passes the version it wrote, so edits made
        meanwhile still count as unsaved.
        """
        self._saved_version = self.version if version is None else version

    def mark_unsaved(self) -> None:
        """What the document holds is not what its file holds (a recovered copy)."""
        self._saved_version = -1

    def _announce(self, step: Step, kind: ChangeKind) -> None:
        self.version += 1
        self.changes.emit(step.change(kind, all_time_steps=not self.segmentation.is_dynamic))

    # --- steps -----------------------------------------------------------------------
    @contextlib.contextmanager
    def step(self, description: str) -> Iterator[StepRecorder]:
        """Group everything done inside into one undo step (nested calls join the outer).

        If the body raises, the changes made so far are rolled back, so a failed
        operation leaves the segmentation as it was.
        """
        if self._recorder is not None:
            yield self._recorder
            return
        recorder = StepRecorder(self.segmentation, description)
        self._recorder = recorder
        try:
            yield recorder
        except BaseException:
            self._recorder = None
            rolled_back = recorder.finish()
            if rolled_back is not None:
                for delta in reversed(rolled_back.deltas):
                    delta.apply(self.segmentation, forward=False)
                self.changes.emit(rolled_back.change(
                    ChangeKind.ROLLBACK, all_time_steps=not self.segmentation.is_dynamic))
            raise
        self._recorder = None
        finished = recorder.finish()
        if finished is not None:
            self.history.push(finished)
            self._announce(finished, ChangeKind.EDIT)

    def begin_stroke(self, description: str) -> None:
        """Open a step that spans several events (a brush stroke); end with end_stroke."""
        self.end_stroke()
        self._stroke.enter_context(self.step(description))

    def end_stroke(self) -> None:
        self._stroke.close()

    def undo(self) -> str | None:
        """Revert the newest step; returns its description (None: nothing to undo)."""
        self.end_stroke()
        step = self.history.undo(self.segmentation)
        if step is None:
            return None
        self._announce(step, ChangeKind.UNDO)
        return step.description

    def redo(self) -> str | None:
        self.end_stroke()
        step = self.history.redo(self.segmentation)
        if step is None:
            return None
        self._announce(step, ChangeKind.REDO)
        return step.description

    # --- voxels (the one write path) ---------------------------------------------------
    def write(
        self,
        region: MaskRegion,
        time_step: int = 0,
        label_value: int | None = None,
        *,
        mode: WriteMode = WriteMode.MERGE,
        regard_locks: bool = True,
        description: str = "Draw",
    ) -> int:
        """Write a mask into a label (the active one by default); returns voxels changed."""
        value = self._label_or_active(label_value)
        return self._voxel_step(description, value, lambda record: write_mask(
            self.segmentation, region, time_step, value,
            mode=mode, regard_locks=regard_locks, record=record))

    def erase(
        self,
        region: MaskRegion,
        time_step: int = 0,
        label_value: int | None = None,
        *,
        description: str = "Erase",
    ) -> int:
        value = self._label_or_active(label_value)
        return self._voxel_step(description, value, lambda record: erase_mask(
            self.segmentation, region, time_step, value, record=record))

    def _voxel_step(self, description: str, value: int,
                    operation: Callable[[BeforeRecorder], int]) -> int:
        """Run a write-path ``operation`` as (part of) a step.

        Inside a step that stays open (a brush stroke, a multi-slice confirm) the boxes
        written are announced at once as an in-progress change, so views show a stroke
        while it is drawn; the step's own record follows when it ends.
        """
        inside_open_step = self._recorder is not None
        touched: list[VoxelChange] = []
        static = not self.segmentation.is_dynamic
        with self.step(description) as recorder:

            def record(group_index: int, t_index: int, box: tuple[slice, ...],
                       before: np.ndarray) -> None:
                recorder.record_voxels(group_index, t_index, box, before)
                touched.append(VoxelChange(group_index, t_index, box, static))

            changed = operation(record)
        if inside_open_step and touched:
            self.changes.emit(Change(ChangeKind.IN_PROGRESS, description, tuple(touched),
                                     frozenset({value})))
        return changed

    def _label_or_active(self, label_value: int | None) -> int:
        value = self.segmentation.active_label_value if label_value is None else label_value
        if value is None:
            raise ValueError("no active label: add or select a label first")
        self.segmentation.label(value)
        return value

    def _clear_value_everywhere(self, value: int, recorder: StepRecorder) -> None:
        group_index = self.segmentation.group_index_of(value)
        array = self.segmentation.groups[group_index].array
        for t_index in range(array.shape[0]):
            region = MaskRegion.from_full(array[t_index] == value)
            if region.mask.any():
                erase_mask(self.segmentation, region, self._time_step_of(t_index), value,
                           record=recorder.record_voxels)

    def _time_step_of(self, t_index: int) -> int:
        return t_index if self.segmentation.is_dynamic else 0

    # --- labels ------------------------------------------------------------------------
    def add_label(
        self,
        name: str | None = None,
        color: Color | None = None,
        group_index: int | None = None,
        *,
        value: int | None = None,
        make_active: bool = True,
    ) -> Label:
        """Add an empty label (value max+1 unless given) to a group (the active label's)."""
        seg = self.segmentation
        if group_index is None:
            active = seg.active_label_value
            group_index = seg.group_index_of(active) if active is not None else 0
        if not 0 <= group_index < len(seg.groups):
            raise IndexError(f"no group {group_index}")
        value = seg.next_label_value() if value is None else int(value)
        if seg.has_label(value):
            raise ValueError(f"label value {value} is already used")
        existing = {label.name for label in seg.labels}
        suggested_name, suggested_color = self.naming.new_label(value, existing, len(seg.labels))
        if name is None:
            name = suggested_name
            color = color or suggested_color
        else:
            self.naming.check_name(name)
            color = color or self.naming.color_for(name, len(seg.labels))
        label = Label(value, name, color)
        with self.step(f"Add label '{name}'"):
            seg.groups[group_index].labels.append(label)
            if make_active:
                seg.active_label_value = value
        return label

    def create_instance(self, value: int) -> Label:
        """A new label with the same name and colour as ``value``, in the same group."""
        source = self.segmentation.label(value)
        with self.step(f"New instance of '{source.name}'"):
            label = self.add_label(source.name, source.color,
                                   self.segmentation.group_index_of(value))
            label.opacity = source.opacity
        return label

    def remove_label(self, value: int) -> None:
        """Delete a label and clear its voxels."""
        seg = self.segmentation
        label = seg.label(value)
        with self.step(f"Delete label '{label.name}'") as recorder:
            self._clear_value_everywhere(value, recorder)
            group = seg.groups[seg.group_index_of(value)]
            group.labels = [lb for lb in group.labels if lb.value != value]
            if seg.active_label_value == value:
                seg.active_label_value = _first_value(seg)

    def _set(self, value: int, description: str, **attributes: object) -> None:
        label = self.segmentation.label(value)
        if all(getattr(label, key) == new for key, new in attributes.items()):
            return
        with self.step(description.format(name=label.name)):
            for key, new in attributes.items():
                setattr(label, key, new)

    def rename_label(self, value: int, name: str) -> None:
        """Rename one label; an instance renamed this way becomes a separate label."""
        self.naming.check_name(name)
        self._set(value, f"Rename '{{name}}' to '{name}'", name=name)

    def set_label_color(self, value: int, color: Color) -> None:
        self._set(value, "Colour of '{name}'", color=tuple(float(c) for c in color))

    def set_label_opacity(self, value: int, opacity: float) -> None:
        if not 0.0 <= opacity <= 1.0:
            raise ValueError(f"opacity must be within 0..1, got {opacity}")
        self._set(value, "Opacity of '{name}'", opacity=float(opacity))

    def set_label_visible(self, value: int, visible: bool) -> None:
        self._set(value, ("Show" if visible else "Hide") + " '{name}'", visible=bool(visible))

    def set_label_locked(self, value: int, locked: bool) -> None:
        self._set(value, ("Lock" if locked else "Unlock") + " '{name}'", locked=bool(locked))

    def set_active_label(self, value: int | None) -> None:
        """Selection is not an edit, so it records no undo step (but is announced)."""
        if value is not None:
            self.segmentation.label(value)
        previous = self.segmentation.active_label_value
        if previous == value:
            return
        self.segmentation.active_label_value = value
        self.changes.emit(Change(ChangeKind.SELECTION, "Select label",
                                 label_values=frozenset({previous, value} - {None}),
                                 metadata=True))

    def clear_label(self, value: int) -> None:
        """Clear the content of a label (all time steps); the label stays."""
        label = self.segmentation.label(value)
        with self.step(f"Clear '{label.name}'") as recorder:
            self._clear_value_everywhere(value, recorder)

    def merge_labels(self, target_value: int, source_values: list[int]) -> None:
        """Move the voxels of the source labels into the target label and delete them.

        Sources in another group than the target are written with locks ignored, like
        MITK's merge: the user asked for exactly these voxels to become the target.
        """
        seg = self.segmentation
        target = seg.label(target_value)
        sources = list(dict.fromkeys(v for v in source_values if v != target_value))
        for value in sources:
            seg.label(value)
        with self.step(f"Merge into '{target.name}'") as recorder:
            for value in sources:
                array = seg.groups[seg.group_index_of(value)].array
                for t_index in range(array.shape[0]):
                    region = MaskRegion.from_full(array[t_index] == value)
                    if not region.mask.any():
                        continue
                    time_step = self._time_step_of(t_index)
                    write_mask(seg, region, time_step, target_value, regard_locks=False,
                               record=recorder.record_voxels)
                    erase_mask(seg, region, time_step, value, record=recorder.record_voxels)
                group = seg.groups[seg.group_index_of(value)]
                group.labels = [lb for lb in group.labels if lb.value != value]
            if seg.active_label_value in sources:
                seg.active_label_value = target_value

    # --- groups ------------------------------------------------------------------------
    def add_group(self, name: str | None = None) -> int:
        seg = self.segmentation
        index = len(seg.groups)
        name = name or f"Group {index}"
        with self.step(f"Add group '{name}'") as recorder:
            recorder.insert_group(index, LabelGroup(name, seg.new_group_array()))
        return index

    def remove_group(self, index: int) -> None:
        """Delete a group with its labels and voxels; the last group cannot be deleted."""
        seg = self.segmentation
        if len(seg.groups) <= 1:
            raise ValueError("a segmentation keeps at least one group")
        name = seg.groups[index].name
        with self.step(f"Delete group '{name}'") as recorder:
            removed = recorder.remove_group(index)
            if seg.active_label_value in removed.label_values():
                seg.active_label_value = _first_value(seg)

    def rename_group(self, index: int, name: str) -> None:
        if not name.strip():
            raise ValueError("a group name cannot be empty")
        with self.step(f"Rename group to '{name}'"):
            self.segmentation.groups[index].name = name

    def _set_all(self, description: str, labels: list[Label], **attributes: object) -> None:
        with self.step(description):
            for label in labels:
                for key, new in attributes.items():
                    setattr(label, key, new)

    def set_group_locked(self, index: int, locked: bool) -> None:
        group = self.segmentation.groups[index]
        verb = "Lock" if locked else "Unlock"
        self._set_all(f"{verb} group '{group.name}'", group.labels, locked=locked)

    def set_all_locked(self, locked: bool) -> None:
        self._set_all("Lock all" if locked else "Unlock all", self.segmentation.labels,
                      locked=locked)

    def set_all_visible(self, visible: bool) -> None:
        self._set_all("Show all" if visible else "Hide all", self.segmentation.labels,
                      visible=visible)

    def set_unlabeled_locked(self, locked: bool) -> None:
        with self.step("Lock unlabeled" if locked else "Unlock unlabeled"):
            self.segmentation.unlabeled_locked = bool(locked)

    # --- presets -----------------------------------------------------------------------
    def apply_preset(self, preset: LabelSetPreset) -> None:
        """Apply a label-set preset: existing values take its properties, missing ones are
        created empty, and no voxel changes (MITK's rule)."""
        seg = self.segmentation
        with self.step(f"Load preset '{preset.name}'") as recorder:
            while len(seg.groups) < len(preset.groups):
                index = len(seg.groups)
                recorder.insert_group(index, LabelGroup(f"Group {index}", seg.new_group_array()))
            for group_index, preset_group in enumerate(preset.groups):
                if preset_group.name:
                    seg.groups[group_index].name = preset_group.name
                for preset_label in preset_group.labels:
                    if seg.has_label(preset_label.value):
                        existing = seg.label(preset_label.value)
                        for key in ("name", "color", "opacity", "visible", "locked"):
                            setattr(existing, key, getattr(preset_label, key))
                    else:
                        seg.groups[group_index].labels.append(preset_label.copy())
            if seg.active_label_value is None:
                seg.active_label_value = _first_value(seg)

    # --- time ----------------------------------------------------------------------------
    def set_dynamic(self, dynamic: bool, source_time_step: int = 0) -> None:
        """Convert between one mask per time step (dynamic) and one for all (static).

        Making a segmentation static keeps the mask of ``source_time_step``; making it
        dynamic copies the single mask to every time step.
        """
        seg = self.segmentation
        if dynamic == seg.is_dynamic or seg.time_steps == 1:
            return
        with self.step("Make dynamic" if dynamic else "Make static") as recorder:
            for index in range(len(seg.groups)):
                old = recorder.remove_group(index)
                if dynamic:
                    array = np.repeat(old.array, seg.time_steps, axis=0)
                else:
                    array = old.array[source_time_step : source_time_step + 1].copy()
                recorder.insert_group(index, LabelGroup(old.name, array, old.labels, old.extra))


def _first_value(seg: Segmentation) -> int | None:
    labels = seg.labels
    return labels[0].value if labels else None
