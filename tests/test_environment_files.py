"""The launch files agree: pinned versions, Python version, no local references."""

from __future__ import annotations

import re
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PYTHON_311 = {"python_version": "3.11", "python_full_version": "3.11.0"}


def _pins(path: Path, environment: dict) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{path.name}: {line} is not pinned with =="
            pins[requirement.name.lower()] = specifier.version
    return pins


def _conda_pip_pins() -> dict[str, str]:
    text = (ROOT / "environment.yml").read_text()
    return {name.lower(): version for name, version in re.findall(r"^\s+- ([\w.-]+)==([\w.]+)$", text, re.M)}


def _pyproject_dependencies() -> list[Requirement]:
    text = (ROOT / "pyproject.toml").read_text()
    block = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    return [Requirement(item) for item in re.findall(r'"([^"]+)"', block)]


def test_environment_yml_pins_equal_binder_requirements_on_python_311():
    assert _conda_pip_pins() == _pins(ROOT / "binder" / "requirements.txt", PYTHON_311)


def test_every_python_version_gets_exactly_one_pin_per_package():
    text = (ROOT / "binder" / "requirements.txt").read_text()
    names = {Requirement(line.split("#")[0]).name for line in text.splitlines() if line.split("#")[0].strip()}
    for minor in ("3.10", "3.11", "3.12", "3.13"):
        pins = _pins(ROOT / "binder" / "requirements.txt", {"python_version": minor, "python_full_version": f"{minor}.0"})
        assert set(pins) == {name.lower() for name in names}, minor


def test_python_version_is_311_for_binder_and_conda():
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    assert re.search(r"^\s+- python=3\.11$", (ROOT / "environment.yml").read_text(), re.M)


def test_binder_requirements_have_no_local_references():
    text = (ROOT / "binder" / "requirements.txt").read_text()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        assert not line.startswith(("-e", "--editable", ".", "/", "file:")), line
        assert "course-utils" not in line and "course_utils" not in line


def test_postbuild_is_strict_and_installs_course_utils():
    script = (ROOT / "binder" / "postBuild").read_text()
    assert "set -euo pipefail" in script
    assert re.search(r"pip install .*\.$", script, re.M)


def test_pyproject_has_lower_bounds_only_and_never_requires_tensorflow():
    dependencies = _pyproject_dependencies()
    pinned = _pins(ROOT / "binder" / "requirements.txt", PYTHON_311)
    for requirement in dependencies:
        assert requirement.name.lower() not in {"tensorflow", "tensorflow-cpu", "tf-nightly"}
        assert all(spec.operator == ">=" for spec in requirement.specifier), str(requirement)
        assert requirement.name.lower() in pinned, f"{requirement.name} is not pinned for Binder"
        assert requirement.specifier.contains(pinned[requirement.name.lower()]), str(requirement)


def test_test_requirements_are_pinned():
    pins = _pins(ROOT / "requirements-test.txt", PYTHON_311)
    assert {"pytest", "nbval", "pytest-xdist", "ruff"} <= set(pins)


def test_a_non_editable_install_ships_every_module_of_course_utils(tmp_path):
    """Colab and Binder install a wheel, not the checkout: no sub-package may be left out."""
    import importlib.util
    import shutil
    import subprocess
    import sys
    import zipfile

    import pytest

    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is not installed, so no wheel can be built offline")
    source = tmp_path / "source"  # build a copy, so no build/ or egg-info lands in the checkout
    shutil.copytree(ROOT / "course_utils", source / "course_utils",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(tmp_path), str(source)], check=True, capture_output=True)  # fmt: skip
    (wheel,) = tmp_path.glob("course_utils-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    sources = {path.relative_to(source).as_posix() for path in (source / "course_utils").rglob("*.py")}
    assert sources and sources <= shipped, sorted(sources - shipped)
