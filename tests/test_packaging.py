"""A regular (non-editable) install maps app/ and gpu/ into the one ``demarcate`` package."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from .conftest import REPO_ROOT


def test_wheel_holds_only_the_demarcate_namespace(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(REPO_ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("demarcate-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    packages = {name.split("/")[0] for name in names if not name.startswith("demarcate-")}
    assert packages == {"demarcate"}, "no generic top-level 'app' or 'gpu' may be installed"
    for required in ("demarcate/gpu/backend.py", "demarcate/session/session.py",
                     "demarcate/ai/worker/main.py",
                     "demarcate/assets/samples/example_ct_sm.nii.gz",
                     "demarcate/assets/icons/paint.png", "demarcate/presets/thorax.json"):
        assert required in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "demarcate = demarcate.cli:main" in zipfile.ZipFile(wheel).read(
        entry_points).decode()
