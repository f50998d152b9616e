"""The file browser in the real window: typed folders, double clicks, DICOM folders."""

from __future__ import annotations

from pathlib import Path

from demarcate.tools.registry import TOOL_INFOS
from demarcate.ui.file_browser import entry_tag
from demarcate.ui.file_kinds import IMAGES, SEGMENTATIONS, FileKind
from demarcate.ui.file_listing import list_folder


def row_of(folder: Path, name: str, kind: FileKind) -> int:
    """The row that shows ``name`` (the listing order is file_listing's)."""
    entries = list_folder(folder, kind.filters[0], mark_dicom=kind.dicom)
    return [e.name for e in entries].index(name)


def go_to(app, folder: Path) -> None:
    """Type a folder into the path field; Enter shows it."""
    app.enter_text("browser_path", str(folder))
    app.wait_for_item("browser_entry_0")


def test_open_a_nifti_file_typing_its_folder_and_double_clicking_it(launch, shared_data):
    app = launch()
    app.click("open_image_button")
    app.wait_for_item("browser_path")
    tool = app.state("_active_tool")
    folder = shared_data / "ct"
    shortcuts = {info.key.lower() for info in TOOL_INFOS}
    assert shortcuts & set(str(folder)), "the typed path should hold tool shortcut letters"
    go_to(app, folder)
    assert app.state("_active_tool") == tool, "typing a path must not switch tools"
    app.double_click(entry_tag(row_of(folder, "example_ct_sm.nii.gz", IMAGES)))
    app.wait_for_item("browser_path", present=False)
    app.wait_for_item("image_0")
    app.wait_for(lambda: app.state("_title_axial", "").endswith("/30"), what="the CT's slices")


def test_open_a_dicom_folder_then_an_mitk_segmentation_of_it(launch, shared_data):
    app = launch()
    app.click("open_image_button")
    app.wait_for_item("browser_path")
    go_to(app, shared_data / "dicom")
    app.double_click(entry_tag(row_of(shared_data / "dicom", "dcmqi_ct_3slice", IMAGES)))
    app.click("browser_dicom")
    app.wait_for_item("image_0")
    app.wait_for(lambda: app.state("_title_axial", "").endswith("/3"), what="3 DICOM slices")
    app.wait_idle()

    # This time by keyboard: Down selects the rows in turn, Enter opens the selected one;
    # the arrows move the selection, not the slices of the views beneath.
    axial = app.state("_title_axial")
    app.click("open_segmentation_button")
    folder = shared_data / "seg/mitk"
    go_to(app, folder)
    for _ in range(row_of(folder, "ct3slice_2groups.mitk.nrrd", SEGMENTATIONS) + 1):
        app.key("Down")
    assert app.state("_title_axial") == axial
    app.key("Return")
    app.wait_for_item("segmentation_0_0")
    app.wait_for_item("label_1")


def test_an_unreadable_file_shows_an_error_and_changes_nothing(launch, tmp_path):
    broken = tmp_path / "broken" / "broken.nii.gz"
    broken.parent.mkdir()
    broken.write_bytes(b"not a gzip stream")
    app = launch("--sample")
    app.wait_for_item("image_0")
    app.click("open_image_button")
    app.wait_for_item("browser_path")
    app.click("browser_cancel")
    app.wait_for_item("browser_path", present=False)

    app.click("open_image_button")
    go_to(app, broken.parent)
    app.double_click(entry_tag(row_of(broken.parent, broken.name, IMAGES)))
    app.wait_for_item("error_text")  # in the error_dialog window
    app.wait_idle()
    layout = app.layout()
    assert "image_0" in layout and "image_1" not in layout
    assert "browser_path" not in layout


def test_save_as_browse_names_a_new_file_in_the_chosen_folder(launch, tmp_path):
    folder = tmp_path / "saved"
    folder.mkdir()
    app = launch("--sample")
    app.click("new_segmentation_button")
    app.wait_for_item("label_1")
    app.key("ctrl+shift+s")
    app.click("save_browse")
    app.wait_for_item("browser_name")
    app.enter_text("browser_path", str(folder))
    app.wait_for_item("browser_empty")
    # No suffix: the kind's first format (MITK .nrrd) adds one.
    app.enter_text("browser_name", "liver")
    app.wait_for_item("save_path")  # Save as is back, holding the path
    app.click("save_button")
    app.wait_for(lambda: (folder / "liver.nrrd").is_file(), what="the saved file")
