"""The examples in the docstrings of the installed ``demarcate`` package run and print
what they show."""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil
import tomllib

import pytest

from .conftest import REPO_ROOT

#: Importing it runs the command line (``python -m demarcate``).
SKIPPED = {"demarcate.__main__"}
#: Examples that exist today: finding none of them means the search is broken.
KNOWN = {"demarcate.gpu.region.region_grow", "demarcate.gpu.threshold.threshold"}


def module_names() -> list[str]:
    """Every module of every package pyproject.toml installs. Walking ``demarcate``'s
    folder alone would miss ``demarcate.gpu`` in an editable install, where it stays
    in gpu/ beside app/."""
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    names = set()
    for package in pyproject["tool"]["setuptools"]["packages"]:
        names.add(package)
        path = importlib.import_module(package).__path__
        names.update(info.name for info in pkgutil.walk_packages(path, f"{package}."))
    return sorted(names - SKIPPED)


def collect_examples() -> dict[str, doctest.DocTest]:
    """Docstrings with examples, by qualified name."""
    finder = doctest.DocTestFinder()
    return {test.name: test for name in module_names()
            for test in finder.find(importlib.import_module(name)) if test.examples}


EXAMPLES = collect_examples()


def test_known_examples_are_found():
    assert KNOWN <= set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_docstring_examples(name):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report = io.StringIO()
    runner.run(EXAMPLES[name], out=report.write)
    assert runner.failures == 0, report.getvalue()
