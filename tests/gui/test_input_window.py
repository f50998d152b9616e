"""Input goes only where the user looks: dialogs, popups, menus and text fields take the
keys and clicks meant for them, and nothing leaks to the views or the tool shortcuts."""

from __future__ import annotations

from .test_safety_window import painted


def inside(rect, point) -> bool:
    x, y, w, h = rect
    return x <= point[0] < x + w and y <= point[1] < y + h


def test_a_dialog_over_the_views_takes_keys_and_clicks(launch):
    app = painted(launch)  # Paint active, one stroke
    cursor = app.state("_cursor")
    app.click("close_segmentation_button")
    app.wait_for_item("unsaved_cancel")
    button = app.layout()["unsaved_cancel"]
    views = [app.layout()[f"view_{name}"] for name in ("axial", "sagittal", "coronal")]
    center = (button[0] + button[2] / 2, button[1] + button[3] / 2)
    assert any(inside(view, center) for view in views), "the button lies over a view"
    app.key("f")  # a tool letter, typed while the dialog is open
    app.double_click("unsaved_text", 0.5, 0.5)  # not a maximise of the view beneath
    app.click("unsaved_cancel")
    app.wait_for_item("unsaved_text", present=False)
    assert app.state("_active_tool") == "paint"
    assert app.state("_undo_depth") == 1 and app.state("_cursor") == cursor
    assert [r[2] for r in views] == [app.layout()[f"view_{n}"][2]
                                     for n in ("axial", "sagittal", "coronal")]


def test_painting_over_the_shortcuts_window_paints_nothing(launch):
    app = painted(launch)
    app.key("F1")
    app.wait_for_item("shortcuts_intro")
    text = app.layout()["shortcuts_intro"]
    assert inside(app.layout()["view_axial"], (text[0] + 10, text[1] + 5))
    app.drag("shortcuts_intro", [(0.05, 0.5), (0.2, 0.5), (0.35, 0.5)])
    assert app.state("_undo_depth") == 1


def test_renaming_in_the_label_menu_types_tool_letters_as_text(launch):
    app = painted(launch)
    app.click("label_1", button=3)
    app.wait_for_item("rename_1")
    app.enter_text("rename_1", "Spleen")  # s, p, l, e: all tool letters
    app.wait_for(lambda: app.state("_labels", {}).get("1") == "Spleen", what="the rename")
    assert app.state("_active_tool") == "paint"
    assert app.state("_undo_depth") == 2  # the stroke and the rename, nothing else


def test_dragging_an_opacity_slider_is_one_undo_step(launch):
    app = painted(launch)
    app.click("label_1", button=3)
    app.wait_for_item("opacity_1")
    app.drag("opacity_1", [(0.2, 0.5), (0.4, 0.5), (0.6, 0.5), (0.8, 0.5)])
    app.wait_for(lambda: app.state("_undo_depth") == 2, what="the opacity step")
    app.wait_frames(5)
    assert app.state("_next_undo").startswith("Opacity") and app.state("_undo_depth") == 2
    assert "opacity_1" in app.layout(), "the menu stays open while it is used"


def test_ask_for_name_and_colour_creates_the_typed_label(launch, tmp_path):
    import json

    config = tmp_path / "config"
    config.mkdir()
    (config / "preferences.json").write_text(json.dumps({"label_naming": "ask"}))
    app = launch("--sample")
    app.new_segmentation_with_brush()
    app.click("add_label_button")
    app.wait_for_item("new_label_name")
    app.click("new_label_name")
    app.type_text("Pancreas")  # P is the Paint shortcut; here it is text
    app.key("Return")
    app.wait_for(lambda: "Pancreas" in app.state("_labels", {}).values(), what="the label")
    assert app.state("_active_tool") == "paint"
