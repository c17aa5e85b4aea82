"""Every figure in a notebook's prose is computed by the run or cited (course_utils.tooling.figures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_utils.tooling.figures import unsourced_figures
from course_utils.tooling.layout import list_notebooks

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = list_notebooks(ROOT / "notebooks")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_every_figure_in_prose_is_computed_or_cited(notebook):
    figures = unsourced_figures(notebook)
    assert not figures, (
        "Numbers in prose that this run neither sets/asserts in code nor cites "
        "(print them from a code cell, or name the source in the same cell):\n"
        + "\n".join(f"  {figure}" for figure in figures)
    )


def _notebook(tmp_path, markdown: str, code: str = "") -> Path:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": markdown},
             {"cell_type": "code", "metadata": {}, "source": code, "outputs": [],
              "execution_count": None}]  # fmt: skip
    path = tmp_path / "99_example.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_a_stale_measured_figure_in_prose_is_flagged(tmp_path):
    path = _notebook(tmp_path, "Our run reached 98.7% after 166 s of training.", "epochs = 3")
    assert [figure.text for figure in unsourced_figures(path)] == ["98.7%", "166 s"]


def test_a_setting_or_asserted_target_defined_in_code_passes(tmp_path):
    code = "NUM_EPOCHS = 15\nassert test_accuracy >= 0.988\nTIME_BUDGET_S = 120"
    path = _notebook(tmp_path, "We train for 15 epochs or 2 min; the target is 98.8%.", code)
    assert unsourced_figures(path) == []


def test_a_cited_published_figure_passes_and_maths_and_code_spans_are_skipped(tmp_path):
    cited = _notebook(tmp_path, "ResNet-50 has 25.6 million parameters (He et al., 2016).")
    assert unsourced_figures(cited) == []
    maths = _notebook(tmp_path, "With $n = 60\\,000$ images and `fit(epochs=7)` ...")
    assert unsourced_figures(maths) == []
