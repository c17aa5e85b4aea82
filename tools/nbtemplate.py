"""Authoring helpers for course notebooks (for course authors, not learners).

Write a notebook from a short script::

    import sys; sys.path.insert(0, "tools")
    from nbtemplate import md, code, opening_cells, solution_cell, test_cell, write_notebook
    cells = opening_cells("02_cnn", "Convolutional networks", "One paragraph goal ...")
    cells += [md("## Prepare the data"), code("...")]
    write_notebook("notebooks/02_cnn.ipynb", cells)

The opening (title + goal, badges, Colab-guarded install, imports, setup line)
is the same in every notebook, and ``tests/test_notebook_hygiene.py`` checks it.
Exercise cells carry nbgrader metadata so the lecturer's release and autograde
work (see ``course_utils/tooling/grading.py`` and the README's section for lecturers).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils.tooling.badges import badge_markdown, colab_install_source  # noqa: E402


def md(text: str):
    """A markdown cell (leading/trailing blank lines stripped)."""
    return nbformat.v4.new_markdown_cell(text.strip("\n"))


def code(text: str):
    """A code cell (leading/trailing blank lines stripped)."""
    return nbformat.v4.new_code_cell(text.strip("\n"))


def _nbgrader(cell, **fields):
    cell.metadata["nbgrader"] = {"schema_version": 3, **fields}
    return cell


def solution_cell(source: str, grade_id: str):
    """A code cell the learner edits; put the answer between
    ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the release replaces that
    region with ``raise NotImplementedError()``)."""
    return _nbgrader(code(source), grade_id=grade_id, solution=True, grade=False, locked=False)


def test_cell(source: str, grade_id: str, points: float):
    """A locked, graded test cell (autograded; worth ``points``). Wrap hidden
    tests in ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``."""
    return _nbgrader(code(source), grade_id=grade_id, solution=False, grade=True, locked=True,
                     points=points)


def open_answer_cell(text: str, grade_id: str, points: float = 0):
    """A markdown cell for an open question's answer (graded by hand)."""
    return _nbgrader(md(text), grade_id=grade_id, solution=True, grade=True, locked=False,
                     points=points)


def opening_cells(stem: str, title: str, goal: str, extra_imports: str = ""):
    """The shared opening of every notebook.

    Parameters
    ----------
    stem : str
        The notebook's file stem, e.g. ``"02_cnn"`` (used for the badges).
    title : str
        The title, without the leading ``#``.
    goal : str
        One paragraph: what the learner will be able to do afterwards.
    extra_imports : str
        More import lines for the imports cell.
    """
    imports = "import numpy as np\nimport matplotlib.pyplot as plt\nimport keras\n\nimport course_utils as cu"
    if extra_imports.strip():
        imports = extra_imports.strip() + "\n" + imports
    return [
        md(f"# {title}\n\n{goal.strip()}"),
        md(badge_markdown(f"notebooks/{stem}.ipynb")),
        md("**Setup.** On Colab the next cell installs `course_utils`, the course's support "
           "package; elsewhere it does nothing (Binder and the local set-up install it)."),
        code(colab_install_source()),
        code(imports),
        code("cu.show_setup()\ncu.set_seed(42)"),
    ]


def write_notebook(path, cells) -> Path:
    """Write cells as a clean notebook: no outputs, python3 kernel, nbformat 4."""
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                       "name": "python3"}
    notebook.metadata["language_info"] = {"name": "python"}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.validator.normalize(notebook)
    path = Path(path)
    nbformat.write(notebook, path)
    return path
