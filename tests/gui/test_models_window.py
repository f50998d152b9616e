"""Polygon models from the data panel in the real window: create, see it listed, export
it through the dialog, remove it."""

from __future__ import annotations

import trimesh


def test_create_list_export_and_remove_a_polygon_model(launch, tmp_path):
    app = launch("--sample")
    app.click("create_polygon_model_button")
    app.wait_for_item("polygon_model_0_0_0")  # under the sample's segmentation

    app.click("polygon_model_export_0_0_0")
    app.wait_for_item("export_path")
    target = tmp_path / "organs.obj"
    app.enter_text("export_path", str(target))
    app.wait_for(target.exists, what="the exported model")
    app.wait_idle()
    scene = trimesh.load(target, force="scene", split_objects=True, group_material=False)
    assert len(scene.geometry) == 41  # one object per label of the sample's label map

    app.click("polygon_model_remove_0_0_0")
    app.wait_for_item("polygon_model_0_0_0", present=False)
