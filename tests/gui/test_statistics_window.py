"""View > Label statistics in the real window: rows appear and follow an edit."""

from __future__ import annotations


def test_statistics_window_shows_rows_and_follows_a_stroke(launch):
    app = launch("--sample")
    app.wait_for(lambda: app.layout().get("view_axial", [0, 0, 0])[2] > 100, what="views")
    app.click("menu_view")
    app.click("menu_statistics")
    app.wait_for_item("statistics_name_1")  # the sample's first TotalSegmentator label
    assert len(app.state("_statistics_voxels")) == 41

    app.click("new_segmentation_button")  # the window follows the selection
    app.wait_for(lambda: app.state("_statistics_voxels") == {"1": 0},
                 what="the new segmentation's empty label")
    app.click("view_coronal", 0.5, 0.6)  # a view the statistics window leaves free
    app.key("p")
    app.wait_for_item("option_radius")
    app.drag("view_coronal", [(0.3, 0.5), (0.45, 0.5)])
    app.wait_for(lambda: (app.state("_statistics_voxels") or {}).get("1", 0) > 0,
                 what="the stroke counted")
    app.wait_for_item("statistics_name_1")
