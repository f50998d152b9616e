"""The data manager: open images, the segmentations drawn on each, and the polygon
models made of each segmentation (listed under it, to export or remove)."""

from __future__ import annotations

from collections.abc import Callable

import dearpygui.dearpygui as dpg

from ..model.document import SegmentationDocument
from ..model.polygon_model import PolygonModel
from ..session import Session
from .model_dialogs import show_autocrop, show_export_model, suggested_export_path

PANEL = "data_panel"
SIDE_TEXT_WIDTH = 200  # a model's line wraps inside the side column


def modified_marks(session: Session) -> list[bool]:
    """The unsaved marks the panel shows, to tell when it must be rebuilt."""
    return [document.modified for entry in session.images for document in entry.segmentations]


def build_data_panel(parent: int | str, session: Session, act: Callable,
                     commands: dict[str, Callable]) -> None:
    if dpg.does_item_exist(PANEL):
        dpg.delete_item(PANEL)
    with dpg.group(parent=parent, tag=PANEL):
        dpg.add_button(label="Open image...", width=-1, tag="open_image_button",
                       callback=commands["open"])
        dpg.add_separator()
        for image_index, entry in enumerate(session.images):
            selected = image_index == session.image_index
            dpg.add_selectable(label=entry.image.name, default_value=selected,
                               tag=f"image_{image_index}",
                               callback=lambda s, a, u: act(session.select, u),
                               user_data=image_index)
            for seg_index, document in enumerate(entry.segmentations):
                mark = "*" if document.modified else ""
                with dpg.group(horizontal=True):
                    dpg.add_spacer(width=12)
                    dpg.add_checkbox(default_value=document.visible, enabled=selected,
                                     tag=f"segmentation_visible_{image_index}_{seg_index}",
                                     callback=lambda s, a, u: act(
                                         session.set_segmentation_visible, u, a),
                                     user_data=seg_index)
                    dpg.add_selectable(
                        label=f"{document.segmentation.name}{mark}",
                        default_value=selected and seg_index == session.segmentation_index,
                        tag=f"segmentation_{image_index}_{seg_index}",
                        callback=lambda s, a, u: act(session.select, *u),
                        user_data=(image_index, seg_index),
                    )
                beside = document.path or entry.image.source_path
                for model_index, model in enumerate(session.polygon_models(document)):
                    _model_rows(f"{image_index}_{seg_index}_{model_index}", session, act,
                                document, model, beside)
        dpg.add_separator()
        has_image = session.image_index is not None
        has_seg = has_image and session.segmentation_index is not None
        dpg.add_button(label="New segmentation", width=-1, tag="new_segmentation_button",
                       enabled=has_image, callback=lambda: act(session.new_segmentation))
        dpg.add_button(label="Open segmentation...", width=-1, enabled=has_image,
                       tag="open_segmentation_button", callback=commands["open_segmentation"])
        dpg.add_button(label="Save segmentation", width=-1, enabled=has_seg,
                       callback=commands["save"])
        dpg.add_button(label="Save segmentation as...", width=-1, enabled=has_seg,
                       callback=commands["save_as"])
        dpg.add_button(label="Create polygon model", width=-1, enabled=has_seg,
                       tag="create_polygon_model_button",
                       callback=lambda: act(session.create_polygon_model))
        dpg.add_button(label="Create smoothed polygon model", width=-1, enabled=has_seg,
                       tag="create_smoothed_polygon_model_button",
                       callback=lambda: act(lambda: session.create_polygon_model(
                           smoothed=True)))
        dpg.add_button(label="Autocrop...", width=-1, enabled=has_seg, tag="autocrop_button",
                       callback=lambda: show_autocrop(lambda margin, image_too: act(
                           lambda: session.autocrop(margin=margin,
                                                    crop_image_too=image_too))))
        dpg.add_button(label="Close segmentation", width=-1, enabled=has_seg,
                       tag="close_segmentation_button",
                       callback=commands["close_segmentation"])
        dpg.add_button(label="Close image", width=-1, enabled=has_image,
                       tag="close_image_button", callback=commands["close_image"])


def _model_rows(key: str, session: Session, act: Callable, document: SegmentationDocument,
                model: PolygonModel, beside: str | None) -> None:
    """A polygon model under its segmentation: what it holds, Export... and Remove."""
    missing = f", {len(model.vanished)} too thin" if model.vanished else ""
    with dpg.group(horizontal=True):
        dpg.add_spacer(width=36)
        dpg.add_text(f"{model.name}: {len(model.labels)} labels, "
                     f"{model.triangle_count:,} triangles{missing}",
                     tag=f"polygon_model_{key}", wrap=SIDE_TEXT_WIDTH)
    with dpg.group(horizontal=True):
        dpg.add_spacer(width=36)
        dpg.add_button(label="Export...", tag=f"polygon_model_export_{key}",
                       callback=lambda: show_export_model(
                           suggested_export_path(beside, model.name),
                           lambda path, per_label: act(lambda: session.export_polygon_model(
                               model, path, one_file_per_label=per_label))))
        dpg.add_button(label="Remove", tag=f"polygon_model_remove_{key}",
                       callback=lambda: act(session.remove_polygon_model, model, document))
