"""The tool panel stays where the user left it: with many labels the tools remain in
view, and choosing a label or a tool moves no row under the pointer."""

from __future__ import annotations


def test_tools_stay_in_view_and_rows_stay_put(launch, shared_data):
    app = launch(shared_data / "ct/example_ct_sm.nii.gz", shared_data / "ct/example_seg.nii.gz")
    app.wait_for_item("label_1")
    app.wait_idle()
    assert len(app.state("_labels")) > 20
    tools = app.layout()["tool_paint"]
    first_row = app.layout()["label_row_1"]
    app.hover("label_1")
    for _ in range(3):
        app.xdotool("click", "5")  # wheel down: scroll the label list
    app.wait_for(lambda: app.layout().get("label_row_1") != first_row, what="the list to scroll")
    app.wait_frames(6)  # the wheel steps arrive one a frame
    rows = {tag: rect for tag, rect in app.layout().items() if tag.startswith("label_row_")}
    target = sorted(rows, key=lambda tag: rows[tag][1])[len(rows) // 2]
    value = target.removeprefix("label_row_")
    app.click(f"label_{value}")
    app.wait_frames(5)
    assert app.layout()[target] == rows[target], "the clicked row did not move"
    app.key("p")
    app.wait_for_item("option_radius")
    assert app.layout()[target] == rows[target], "a tool change moves no row"
    assert app.layout()["tool_paint"] == tools, "the tools stay where they were"
