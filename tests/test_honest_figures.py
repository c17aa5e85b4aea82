"""Every figure in a notebook's prose is computed by the run or cited (course_utils.tooling.figures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_utils.tooling.figures import paragraphs, unsourced_figures
from course_utils.tooling.layout import list_notebooks

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = list_notebooks(ROOT / "notebooks")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_every_figure_in_prose_is_computed_or_cited(notebook):
    figures = unsourced_figures(notebook)
    assert not figures, (
        "Numbers in prose that this run neither sets/asserts in code nor cites "
        "(print them from a code cell, or name the source in the same paragraph):\n"
        + "\n".join(f"  {figure}" for figure in figures)
    )


def _notebook(tmp_path, markdown: str, code: str = "") -> Path:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": markdown},
             {"cell_type": "code", "metadata": {}, "source": code, "outputs": [],
              "execution_count": None}]
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


def test_a_citation_covers_only_the_figures_of_its_own_paragraph(tmp_path):
    markdown = ("Our run reached 98.7% in the table above.\n\n"
                "ResNet-50 reached 76.1% top-1 (He et al., 2016).")
    assert [figure.text for figure in unsourced_figures(_notebook(tmp_path, markdown))] == ["98.7%"]


def test_a_citation_in_one_list_item_does_not_cover_its_neighbours(tmp_path):
    markdown = ("Published and measured:\n"
                "- LeNet-5: 0.95% test error (LeCun et al., 1998)\n"
                "- ours: 1.3% after 5 epochs\n")
    path = _notebook(tmp_path, markdown, "NUM_EPOCHS = 5")
    assert [figure.text for figure in unsourced_figures(path)] == ["1.3%"]


def test_a_citation_inside_the_paragraph_still_covers_a_figure_on_a_wrapped_line(tmp_path):
    markdown = "The ViT-B/16 reaches 88.55% on ImageNet\nwhen pre-trained on JFT (Dosovitskiy et al., 2021)."
    assert unsourced_figures(_notebook(tmp_path, markdown)) == []


def test_paragraphs_split_at_blank_lines_items_headings_and_tables_but_not_inside_code():
    markdown = ("### Results\nText (Smith, 2019)\nwrapped at\n28. epochs\n\n- one\n  more\n- two\n"
                "1. three\n2. four\n| a |\n|---|\nCaption\n```\ncode\n\ncode\n```\n$$\nx\n\ny\n$$")
    assert paragraphs(markdown) == [
        "### Results", "Text (Smith, 2019)\nwrapped at\n28. epochs", "- one\n  more", "- two",
        "1. three", "2. four", "| a |\n|---|", "Caption\n```\ncode\n\ncode\n```\n$$\nx\n\ny\n$$",
    ]
