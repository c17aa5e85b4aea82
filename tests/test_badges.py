"""Launch badges, the Colab install cell, and `course fork` (course_utils.tooling.badges)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from course_utils.tooling import badges
from course_utils.tooling.cli import main as course

ROOT = Path(__file__).resolve().parents[1]


def test_the_home_is_read_from_pyproject_only():
    home = badges.read_home(ROOT)
    text = (ROOT / "pyproject.toml").read_text()
    assert f'repository = "{home.repository}"' in text and f'release = "{home.release}"' in text
    assert home.release.startswith("v") and home.branch


def test_colab_and_binder_urls_open_the_given_notebook():
    home = badges.CourseHome("https://github.com/someone/course", "dev", "v1.0")
    assert badges.colab_url("notebooks/02_cnn.ipynb", home) == (
        "https://colab.research.google.com/github/someone/course/blob/dev/notebooks/02_cnn.ipynb")
    assert badges.binder_url("notebooks/02_cnn.ipynb", home) == (
        "https://mybinder.org/v2/gh/someone/course/dev?labpath=notebooks%2F02_cnn.ipynb")


def test_colab_install_is_guarded_pinned_to_the_release_and_not_editable():
    home = badges.CourseHome("https://github.com/someone/course", "main", "v1.2.3")
    source = badges.colab_install_source(home)
    assert 'if "google.colab" in sys.modules' in source
    assert '"course-utils @ git+https://github.com/someone/course@v1.2.3"' in source
    assert "@main" not in source and " -e " not in source and "--editable" not in source
    assert "change the" in source  # says how to install another version


@pytest.mark.parametrize("repository, branch, release", [
    ("http://github.com/a/b", "main", "v1"), ("https://gitlab.com/a/b", "main", "v1"),
    ("https://github.com/a/b", "main; rm -rf /", "v1"), ("https://github.com/a/b", "main", "v 1"),
])
def test_a_bad_home_is_refused_with_a_clear_error(repository, branch, release):
    with pytest.raises(ValueError):
        badges.CourseHome(repository, branch, release)


def test_course_fork_points_every_badge_and_install_cell_at_the_fork(tmp_path, monkeypatch):
    copy = tmp_path / "course"
    for folder in ("notebooks", "student", "course_utils"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    monkeypatch.chdir(copy)
    old = badges.read_home(copy)
    assert course(["fork", "https://github.com/lecturer/my-course", "--release", "v9.9"]) == 0
    home = badges.read_home(copy)
    assert home == badges.CourseHome("https://github.com/lecturer/my-course", old.branch, "v9.9")
    assert 'Repository = "https://github.com/lecturer/my-course"' in (copy / "pyproject.toml").read_text()
    notebooks = sorted((copy / "notebooks").glob("*.ipynb")) + sorted((copy / "student").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        text = path.read_text()
        assert old.owner_and_name not in text, path.name
        cells = nbformat.read(path, as_version=4).cells
        relative = f"{path.parent.name}/{path.name}"
        assert badges.badge_markdown(relative, home) in [cell.source for cell in cells]
        assert badges.colab_install_source(home) in [cell.source for cell in cells]
    readme = (copy / "README.md").read_text()
    assert old.owner_and_name not in readme and "lecturer/my-course" in readme
    assert course(["fork", "https://example.com/x"]) == 2  # refused, nothing written
    assert badges.read_home(copy) == home
