"""bootstrap.py never takes a broken .venv for a working one."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def bootstrap(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("bootstrap_under_test", ROOT / "bootstrap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "VENV", tmp_path / ".venv")
    return module


def test_no_venv_yet_is_not_a_problem(bootstrap):
    assert bootstrap.venv_problem() is None


def test_a_venv_without_pip_is_detected(bootstrap):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bootstrap.VENV)], check=True)
    assert "pip does not work" in bootstrap.venv_problem()


def test_a_venv_whose_python_changed_is_detected(bootstrap):
    python = bootstrap.venv_python()
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\necho 3.9\n")  # stands for the Python of an older OS
    python.chmod(0o755)
    assert "made with Python 3.9" in bootstrap.venv_problem()


def test_a_venv_whose_python_disappeared_is_detected(bootstrap):
    bootstrap.VENV.mkdir()
    assert "missing" in bootstrap.venv_problem()


def test_a_healthy_venv_passes(bootstrap):
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                    str(bootstrap.VENV)], check=True)
    # --system-site-packages lets it see this interpreter's pip without installing one
    if subprocess.run([str(bootstrap.venv_python()), "-c", "import pip"]).returncode != 0:
        pytest.skip("this interpreter has no pip to share")
    assert bootstrap.venv_problem() is None


def test_setup_installs_no_test_tools(bootstrap, monkeypatch):
    calls = []
    monkeypatch.setattr(bootstrap, "check_python", lambda: None)
    monkeypatch.setattr(bootstrap, "create_venv", lambda: None)
    monkeypatch.setattr(bootstrap, "install", lambda with_tests: calls.append(with_tests))
    assert bootstrap.main(["setup"]) == 0
    assert calls == [False]
