"""The dependency files follow from pyproject.toml (tools/lock.py) and fit every platform."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import lock  # noqa: E402

PLATFORMS = {
    "Linux x86_64": {"sys_platform": "linux", "platform_machine": "x86_64", "platform_system": "Linux"},
    "Linux aarch64": {"sys_platform": "linux", "platform_machine": "aarch64", "platform_system": "Linux"},
    "macOS arm64": {"sys_platform": "darwin", "platform_machine": "arm64", "platform_system": "Darwin"},
    "Windows x86_64": {"sys_platform": "win32", "platform_machine": "AMD64", "platform_system": "Windows"},
}
PYTHONS = ("3.10", "3.11", "3.12", "3.13")


def _marker_environment(platform: str, python: str) -> dict[str, str]:
    return {**PLATFORMS[platform], "python_version": python, "python_full_version": f"{python}.0",
            "os_name": "nt" if platform.startswith("Windows") else "posix",
            "implementation_name": "cpython", "platform_python_implementation": "CPython"}


def _pins(path: Path, environment: dict) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{path.name}: {line} is not pinned with =="
            name = requirement.name.lower()
            assert name not in pins, f"{path.name}: {name} pinned twice for {environment}"
            pins[name] = specifier.version
    return pins


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_generated_files_are_in_step_with_their_sources():
    assert lock.check() == []


@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_platform_gets_the_tensorflow_wheel_that_exists_there(platform):
    for python in PYTHONS:
        pins = _pins(ROOT / "binder" / "requirements.txt", _marker_environment(platform, python))
        has_cpu_wheel = platform in {"Linux x86_64", "Windows x86_64"}
        assert ("tensorflow-cpu" in pins) is has_cpu_wheel, (platform, python)
        assert ("tensorflow" in pins) is not has_cpu_wheel, (platform, python)
        assert {"keras", "numpy", "scikit-image", "jupyterlab", "nbclient"} <= set(pins)


def test_every_direct_dependency_is_pinned_within_its_range_everywhere():
    project = _pyproject()["project"]
    direct = [Requirement(r) for r in project["dependencies"]]
    direct += [Requirement(r) for extra in lock.RUNTIME_EXTRAS
               for r in project["optional-dependencies"][extra]]
    for platform in PLATFORMS:
        for python in PYTHONS:
            environment = _marker_environment(platform, python)
            pins = _pins(ROOT / "binder" / "requirements.txt", environment)
            for requirement in direct:
                if requirement.marker is not None and not requirement.marker.evaluate(environment):
                    continue
                name = requirement.name.lower()
                assert name in pins, f"{name} is not pinned for {platform}, Python {python}"
                assert requirement.specifier.contains(pins[name]), (str(requirement), pins[name])


def test_pyproject_has_lower_bounds_only_and_tensorflow_only_in_the_tf_extra():
    project = _pyproject()["project"]
    for line in project["dependencies"]:
        requirement = Requirement(line)
        assert requirement.name.lower() not in {"tensorflow", "tensorflow-cpu"}
        assert all(spec.operator == ">=" for spec in requirement.specifier), line


def test_the_lowest_set_installs_exactly_the_lower_bounds_of_pyproject():
    lowest = _pins(ROOT / "requirements" / "lowest.txt", _marker_environment("Linux x86_64", "3.11"))
    for line in _pyproject()["project"]["dependencies"]:
        requirement = Requirement(line)
        (bound,) = requirement.specifier
        assert lowest[requirement.name.lower()].startswith(bound.version), (line, lowest[requirement.name.lower()])


def test_the_colab_set_has_colabs_tensorflow_and_keras():
    colab = _pins(ROOT / "requirements" / "colab.txt", _marker_environment("Linux x86_64", "3.11"))
    for constraint in lock.COLAB_PINS:
        requirement = Requirement(constraint)
        assert requirement.specifier.contains(colab[requirement.name.lower()]), constraint


def test_test_tools_include_the_grading_tools():
    pins = _pins(ROOT / "requirements-test.txt", _marker_environment("Linux x86_64", "3.11"))
    assert {"pytest", "nbval", "pytest-xdist", "ruff", "nbgrader", "pycocotools", "uv"} <= set(pins)


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
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(tmp_path), str(source)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("course_utils-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    sources = {path.relative_to(source).as_posix() for path in (source / "course_utils").rglob("*.py")}
    assert sources and sources <= shipped, sorted(sources - shipped)
    metadata = next(name for name in shipped if name.endswith(".dist-info/METADATA"))
    assert "License-Expression: MIT" in zipfile.ZipFile(wheel).read(metadata).decode()
    assert any(name.endswith("licenses/LICENSE") for name in shipped), "the wheel must ship LICENSE"


# ----------------------------------------------------------------- the platform check's judge
# `tools/lock.py --platforms` (run by .ci/run; it needs the index) decides from the index's file
# list whether each pin has a wheel on each platform and Python. Its rules, on made-up indexes:

def _wheels(pin: str, *files: tuple[str, str]) -> list[tuple]:
    return lock.parse_wheels([{"filename": name, "requires-python": requires} for name, requires in files], pin)


def test_the_platform_check_counts_upper_bounds_of_requires_python():
    wheels = _wheels("demo==1.0", ("demo-1.0-py3-none-any.whl", ">=3.8,<3.11"))
    assert lock.missing_wheel("demo==1.0", wheels, "x86_64-manylinux_2_28", "3.10.12") is None
    assert "requires Python" in lock.missing_wheel("demo==1.0", wheels, "x86_64-manylinux_2_28", "3.12.8")


def test_the_platform_check_reads_only_the_pinned_version_and_ignores_broken_metadata():
    wheels = _wheels("demo==2.0", ("demo-1.0-py3-none-any.whl", ""), ("demo-2.0-py3-none-any.whl", ">=3.6.*"),
                     ("not a wheel name.whl", ""), ("demo-2.0.tar.gz", ""))
    assert [name for _, _, name in wheels] == ["demo-2.0-py3-none-any.whl"]  # an invalid Requires-Python counts as none, as for pip
    assert lock.missing_wheel("demo==2.0", wheels, "x86_64-pc-windows-msvc", "3.13.1") is None
    assert "no wheel of that version" in lock.missing_wheel("demo==3.0", _wheels("demo==3.0", ("demo-2.0-py3-none-any.whl", "")),
                                                             "x86_64-pc-windows-msvc", "3.13.1")


@pytest.mark.parametrize(("wheel", "platform", "python", "fits"), [
    ("demo-1.0-cp311-cp311-manylinux2010_x86_64.whl", "x86_64-manylinux_2_28", "3.11.9", True),  # PEP 599 alias
    ("demo-1.0-cp311-cp311-manylinux2010_x86_64.whl", "aarch64-manylinux_2_28", "3.11.9", False),
    ("demo-1.0-cp311-cp311-manylinux_2_28_x86_64.whl", "x86_64-manylinux_2_28", "3.12.8", False),  # another CPython
    ("demo-1.0-cp312-abi3-manylinux_2_17_x86_64.whl", "x86_64-manylinux_2_28", "3.13.1", True),  # stable ABI
    ("demo-1.0-cp312-cp312-macosx_11_0_arm64.whl", "aarch64-apple-darwin", "3.12.8", True),  # an older macOS
    ("demo-1.0-cp312-cp312-macosx_10_9_universal2.whl", "aarch64-apple-darwin", "3.12.8", True),
    ("demo-1.0-cp312-cp312-macosx_15_0_arm64.whl", "aarch64-apple-darwin", "3.12.8", False),  # newer than 14
    ("demo-1.0-cp312-cp312-win_amd64.whl", "x86_64-pc-windows-msvc", "3.12.8", True),
    ("demo-1.0-cp312-cp312-manylinux_2_31_x86_64.whl", "x86_64-manylinux_2_28", "3.12.8", False),  # glibc too new
])
def test_the_platform_check_matches_wheel_tags_as_pip_does(wheel, platform, python, fits):
    problem = lock.missing_wheel("demo==1.0", _wheels("demo==1.0", (wheel, "")), platform, python)
    assert (problem is None) is fits, problem


def test_the_platform_check_fetches_each_project_once_and_names_what_fails():
    fetched = []
    index = {"alpha": [{"filename": "alpha-1.0-py3-none-any.whl", "requires-python": ">=3.11"}],
             "beta": [{"filename": "beta-2.0-cp310-cp310-win_amd64.whl"}]}

    def fetch(name):
        fetched.append(name)
        return index[name]

    problems = lock.platform_problems("alpha==1.0\nbeta==2.0 ; sys_platform == 'win32'\n", fetch=fetch)
    assert sorted(fetched) == ["alpha", "beta"]
    assert len(problems) == len(lock.PLATFORMS) * len(lock.PYTHONS)
    failing = {job: [problem.split(":")[0] for problem in found] for job, found in problems.items() if found}
    assert failing == {
        **{(platform, "3.10.12"): ["alpha==1.0"] for platform in lock.PLATFORMS},
        **{("x86_64-pc-windows-msvc", python): ["beta==2.0"] for python in ("3.11.9", "3.12.8", "3.13.1")},
    }
