"""The course runner executes notebooks and reports them (course_utils.tooling.runner)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _make_course(folder: Path, notebooks: dict[str, list[str]]) -> Path:
    (folder / "notebooks").mkdir(parents=True)
    (folder / "course_utils").mkdir()
    for name, sources in notebooks.items():
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(notebook, folder / "notebooks" / name)
    return folder


def _run(folder: Path, *arguments: str):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "course_utils", "run", *arguments], cwd=folder,
                          capture_output=True, text=True, env=environment, timeout=300)


def test_runner_records_metrics_memory_and_artifacts(tmp_path):
    course = _make_course(tmp_path, {"00_first.ipynb": [
        "import numpy as np\nimport course_utils as cu\nblock = np.ones((64, 2**20), dtype=np.uint8)",
        "cu.results.record('answer', 42)\ncu.results.save_artifact('samples', np.zeros((3, 2), np.float32))",
        "print('fast' if cu.is_fast() else 'full')",
    ]})
    completed = _run(course, "--fast", "--no-calibration")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads((course / "build" / "results.json").read_text())
    assert report["mode"] == "fast"
    (entry,) = report["notebooks"]
    assert entry["notebook"] == "00_first.ipynb" and entry["status"] == "ok"
    assert entry["metrics"] == {"answer": 42.0}
    assert entry["peak_rss_mib"] > 64  # the 64 MiB block is seen
    assert entry["wall_s"] > 0
    assert (course / "build" / "artifacts" / "00_first" / "samples.npy").is_file()
    executed = nbformat.read(course / "build" / "00_first.ipynb", as_version=4)
    assert executed.cells[2].outputs[0]["text"].strip() == "fast"
    assert "<html" in (course / "build" / "00_first.html").read_text()
    assert "| 00_first.ipynb | ok |" in (course / "build" / "results.md").read_text()


def test_runner_fails_and_names_the_failing_cell(tmp_path):
    course = _make_course(tmp_path, {
        "00_good.ipynb": ["x = 1"],
        "01_bad.ipynb": ["y = 2", "raise ValueError('broken on purpose')", "z = 3"],
    })
    completed = _run(course, "--fast", "--no-calibration")
    assert completed.returncode != 0
    assert "01_bad.ipynb" in completed.stderr
    report = json.loads((course / "build" / "results.json").read_text())
    statuses = {entry["notebook"]: entry["status"] for entry in report["notebooks"]}
    assert statuses == {"00_good.ipynb": "ok", "01_bad.ipynb": "failed"}
    error = report["notebooks"][1]["error"]
    assert "cell 1" in error and "broken on purpose" in error


def test_runner_rejects_an_unknown_notebook_name(tmp_path):
    course = _make_course(tmp_path, {"00_only.ipynb": ["x = 1"]})
    completed = _run(course, "07", "--no-calibration")
    assert completed.returncode != 0 and "00_only.ipynb" in completed.stderr


def test_runner_calibrates_reports_units_and_keeps_kernel_noise_in_a_log(tmp_path):
    course = _make_course(tmp_path, {"00_keras.ipynb": [
        "import keras\nimport sys\nprint('kernel noise', file=sys.__stderr__)\nkeras.ops.ones(3)",
    ]})
    completed = _run(course, "--fast")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads((course / "build" / "results.json").read_text())
    calibration_s = report["machine"]["calibration_s"]
    assert 0 < calibration_s < 120
    (entry,) = report["notebooks"]
    assert entry["wall_units"] == pytest.approx(entry["wall_s"] / calibration_s, abs=0.06)
    assert f"took {calibration_s:.2f} s" in (course / "build" / "results.md").read_text()
    console = completed.stdout + completed.stderr
    assert "kernel noise" not in console  # the kernel's own stderr goes to its log file
    log = course / "build" / "logs" / "00_keras.log"
    assert "kernel noise" in log.read_text() and str(log) in console
    progress = [line for line in console.splitlines() if line.strip()]
    assert all(line.startswith(("Running", "Calibration", "[1/1]", "Done", "    ")) for line in progress), progress


def test_a_number_prefix_selects_every_part_of_a_split_notebook(tmp_path):
    from course_utils.tooling.layout import resolve_notebooks

    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in ("06_x.ipynb", "07_1_a.ipynb", "07_2_b.ipynb", "07_3_c.ipynb"):
        (folder / name).write_text("{}")
    assert [p.name for p in resolve_notebooks(["07"], folder)] == ["07_1_a.ipynb", "07_2_b.ipynb", "07_3_c.ipynb"]
    assert [p.name for p in resolve_notebooks(["07_2", "06"], folder)] == ["07_2_b.ipynb", "06_x.ipynb"]
    assert len(resolve_notebooks([], folder)) == 4


def test_tensorflow_native_log_lines_leave_the_outputs_for_the_log(tmp_path):
    from course_utils.tooling.runner import strip_native_logs

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    notebook.cells[0].outputs = [
        nbformat.v4.new_output("stream", name="stderr", text=(
            "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
            "I0000 00:00:1764619200.123456   4242 port.cc:153] oneDNN custom operations are on.\n"
            "UserWarning: this one stays\n")),
        nbformat.v4.new_output("stream", name="stderr", text=(
            "E0000 00:00:1764619201.5   4242 meta_optimizer.cc:967] remapper failed\n"
            "2026-12-01 21:21:41.673827: E tensorflow/core/grappler/optimizers/meta_optimizer.cc:961] "
            "layout failed\n")),
        nbformat.v4.new_output("stream", name="stdout", text="I0000 is only special on stderr\n"),
    ]
    log = tmp_path / "kernel.log"
    assert strip_native_logs(notebook, log) == 4
    outputs = notebook.cells[0].outputs
    assert [o["text"] for o in outputs] == ["UserWarning: this one stays\n", "I0000 is only special on stderr\n"]
    assert "oneDNN" in log.read_text() and "remapper" in log.read_text()


def test_peak_memory_is_read_after_each_cell_not_only_by_polling(tmp_path, monkeypatch):
    # A short notebook can end between two polls of the memory watch, and once it has ended
    # its kernel is gone: with polling alone the peak read 0 MiB (seen on a busy machine).
    # Here the poll never comes (an hour apart): the reading after each cell must see the block.
    from course_utils.tooling import runner

    original = runner._MemoryWatch.__init__
    monkeypatch.setattr(runner._MemoryWatch, "__init__",
                        lambda self, pid, interval_s=0.2: original(self, pid, interval_s=3600))
    course = _make_course(tmp_path, {"00_first.ipynb": [
        "import numpy as np\nblock = np.ones((64, 2**20), dtype=np.uint8)"]})
    result = runner.run_notebook(course / "notebooks" / "00_first.ipynb", tmp_path / "build", fast=True,
                                 label="[1/1]", cell_timeout_s=60, live=False)
    assert result.status == "ok"
    assert result.peak_rss_mib > 64


def test_jobs_run_notebooks_side_by_side_and_keep_their_order(tmp_path):
    # Each notebook waits until the other one has started: run one at a time, the first would
    # wait forever (the cell times out); run side by side, both finish.
    wait_for = ("import pathlib, time\n"
                "pathlib.Path('{me}.started').touch()\n"
                "deadline = time.time() + 60\n"
                "while not pathlib.Path('{other}.started').exists():\n"
                "    assert time.time() < deadline, 'the other notebook never started'\n"
                "    time.sleep(0.1)")
    course = _make_course(tmp_path, {
        "00_a.ipynb": [wait_for.format(me="a", other="b")],
        "01_b.ipynb": [wait_for.format(me="b", other="a")],
    })
    completed = _run(course, "--fast", "--no-calibration", "--jobs", "2")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads((course / "build" / "results.json").read_text())
    assert report["jobs"] == 2
    assert [entry["notebook"] for entry in report["notebooks"]] == ["00_a.ipynb", "01_b.ipynb"]
    assert all(entry["status"] == "ok" for entry in report["notebooks"])
    assert "2 notebooks ran at a time" in (course / "build" / "results.md").read_text()


def test_jobs_start_the_last_notebooks_first(tmp_path):
    # The later notebooks are the long ones: with two at a time, 02_c and 01_b start first, and
    # 00_a only when one of them is done, which is after c started (01_b waits for it). In the
    # notebooks' order, 00_a and 01_b would start first and 00_a would find no c.started.
    wait_for_c = ("import pathlib, time\n"
                  "deadline = time.time() + 60\n"
                  "while not pathlib.Path('c.started').exists():\n"
                  "    assert time.time() < deadline, 'c never started'\n"
                  "    time.sleep(0.1)")
    course = _make_course(tmp_path, {
        "00_a.ipynb": ["import pathlib\nassert pathlib.Path('c.started').exists(), 'a started before c'"],
        "01_b.ipynb": [wait_for_c],
        "02_c.ipynb": ["import pathlib\npathlib.Path('c.started').touch()"],
    })
    completed = _run(course, "--fast", "--no-calibration", "--jobs", "2")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads((course / "build" / "results.json").read_text())
    assert [entry["notebook"] for entry in report["notebooks"]] == ["00_a.ipynb", "01_b.ipynb", "02_c.ipynb"]


def test_jobs_must_be_positive(tmp_path):
    course = _make_course(tmp_path, {"00_a.ipynb": ["x = 1"]})
    completed = _run(course, "--fast", "--no-calibration", "--jobs", "0")
    assert completed.returncode == 2 and "jobs must be at least 1" in completed.stderr
