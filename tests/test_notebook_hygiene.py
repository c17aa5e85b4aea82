"""Every notebook is clean, valid, opens the shared way, and passes ruff."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import nbformat
import pytest

from course_utils.tooling import badges

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LEGACY_KERAS = re.compile(r"input_shape=|advanced_activations|keras\.layers\.convolutional|"
                          r"from tensorflow import keras|tf\.keras\.")


def test_the_course_has_its_notebooks_numbered_without_gaps():
    stems = [path.stem for path in NOTEBOOKS]
    assert stems[0] == "00_background"
    numbers = sorted({stem[:2] for stem in stems})
    assert numbers == [f"{n:02d}" for n in range(9)], f"topics 00-08 expected, found {numbers}"
    for number in numbers:  # a split topic has parts 1, 2, ... and no unsplit notebook beside them
        parts = [stem[3] for stem in stems if stem.startswith(number + "_") and stem[3].isdigit()
                 and stem[4] == "_"]
        if parts:
            assert parts == [str(k) for k in range(1, len(parts) + 1)], (number, parts)
            assert len(parts) == sum(stem.startswith(number + "_") for stem in stems), number


def test_the_readme_lists_every_notebook_in_course_order():
    readme = (ROOT / "README.md").read_text()
    listed = re.findall(r"^\| \[[^\]]+\]\(notebooks/([\w.-]+\.ipynb)\)", readme, re.M)
    assert listed == [path.name for path in NOTEBOOKS]


def _code_without_strings_and_comments(source: str) -> str:
    """The code of a cell with string literals and comments blanked out.

    A notebook may *name* a Keras 2 module in a string (to show the article's import
    failing); what it must not do is *use* one.
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source
    kept = [tok.string for tok in tokens if tok.type not in (tokenize.STRING, tokenize.COMMENT)]
    return " ".join(kept)


@pytest.fixture(params=NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_notebook_is_valid_nbformat_with_python3_kernel(notebook):
    path, content = notebook
    nbformat.validate(content)
    assert content.metadata["kernelspec"]["name"] == "python3"


def test_notebook_is_committed_without_outputs(notebook):
    path, content = notebook
    dirty = [index for index, cell in enumerate(content.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"


def test_notebook_opens_with_title_badges_install_imports_and_setup_line(notebook):
    path, content = notebook
    cells = content.cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    relative_path = f"notebooks/{path.name}"
    assert badges.colab_url(relative_path) in cells[1].source, "Colab badge must open this file"
    assert badges.binder_url(relative_path) in cells[1].source, "Binder badge must open this file"
    code_cells = [cell.source for cell in cells if cell.cell_type == "code"]
    assert code_cells[0] == badges.colab_install_source()
    assert "import course_utils as cu" in code_cells[1]
    assert "cu.show_setup()" in code_cells[2]


def test_notebook_code_uses_keras_3_and_reads_the_mode_through_course_utils(notebook):
    path, content = notebook
    for cell in content.cells:
        if cell.cell_type != "code":
            continue
        assert "os.environ" not in cell.source, f"{path.name}: use cu.is_fast()/cu.pick, not os.environ"
        code = _code_without_strings_and_comments(cell.source)
        assert not LEGACY_KERAS.search(code.replace(" ", "")), f"{path.name}: Keras 2 idiom in {cell.source[:80]!r}"


def test_ruff_is_clean_on_code_and_notebooks():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed in this environment")
    result = subprocess.run([ruff, "check", "course_utils", "tests", "tools", "notebooks", "conftest.py"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("source, is_legacy", [
    ("from keras.layers.advanced_activations import LeakyReLU", True),
    ("layer = keras.layers.Dense(4, input_shape=(3,))", True),
    ("model = tf.keras.Sequential()", True),
    ('importlib.import_module("keras.layers." + "advanced_activations")', False),
    ("# the article used input_shape=(28, 28, 1)", False),
])
def test_keras_2_idiom_check_flags_use_not_mentions(source, is_legacy):
    code = _code_without_strings_and_comments(source).replace(" ", "")
    assert bool(LEGACY_KERAS.search(code)) is is_legacy
