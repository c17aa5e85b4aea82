"""Recording metrics and artifacts for the runner (course_utils.results)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from course_utils import results


def test_record_and_save_artifact_are_silent_outside_the_runner(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_RESULTS_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert results.record("accuracy", np.float32(0.5)) == 0.5
    assert results.save_artifact("samples", np.zeros(3)) is None
    assert list(tmp_path.iterdir()) == []


def test_record_writes_metrics_json_inside_the_runner(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_RESULTS_DIR", str(tmp_path))
    results.record("cnn_test_accuracy", np.float64(0.9931))
    results.record("cnn_params", 93322)
    results.record("cnn_test_accuracy", 0.9935)  # a later value replaces the earlier one
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved == {"cnn_params": 93322.0, "cnn_test_accuracy": 0.9935}
    assert results.load_metrics(tmp_path) == saved


def test_save_artifact_writes_an_npy_file_that_loads_back(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_RESULTS_DIR", str(tmp_path))
    samples = np.random.default_rng(0).random((5, 28, 28)).astype(np.float32)
    path = results.save_artifact("samples", samples)
    assert path == tmp_path / "artifacts" / "samples.npy"
    loaded = np.load(path)
    assert loaded.dtype == np.float32 and np.array_equal(loaded, samples)


@pytest.mark.parametrize("bad_value", ["high", None, float("nan"), float("inf")])
def test_record_rejects_non_numbers(bad_value):
    with pytest.raises(ValueError, match="record"):
        results.record("metric", bad_value)


@pytest.mark.parametrize("bad_name", ["", "has space", "../escape", 3])
def test_names_must_be_simple(bad_name):
    with pytest.raises(ValueError, match="name"):
        results.record(bad_name, 1.0)
