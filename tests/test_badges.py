"""Launch badges and the Colab install line (course_utils.tooling.badges)."""

from __future__ import annotations

import re
from pathlib import Path

from course_utils.tooling import badges

ROOT = Path(__file__).resolve().parents[1]


def test_repository_url_matches_the_one_place_in_pyproject():
    pyproject = (ROOT / "pyproject.toml").read_text()  # (tomllib is not in Python 3.10)
    course_table = pyproject.split("[tool.course]", 1)[1].split("\n[", 1)[0]
    assert re.search(r'^repository = "(.+)"$', course_table, re.M).group(1) == badges.REPOSITORY_URL
    assert re.search(r'^branch = "(.+)"$', course_table, re.M).group(1) == badges.BRANCH
    assert re.search(r'^Repository = "(.+)"$', pyproject, re.M).group(1) == badges.REPOSITORY_URL


def test_colab_and_binder_urls_open_the_given_notebook():
    owner_name = badges.REPOSITORY_URL.removeprefix("https://github.com/")
    assert badges.colab_url("notebooks/02_cnn.ipynb") == (
        f"https://colab.research.google.com/github/{owner_name}/blob/main/notebooks/02_cnn.ipynb")
    assert badges.binder_url("notebooks/02_cnn.ipynb") == (
        f"https://mybinder.org/v2/gh/{owner_name}/main?labpath=notebooks%2F02_cnn.ipynb")


def test_colab_install_is_guarded_and_not_editable():
    source = badges.colab_install_source()
    assert 'if "google.colab" in sys.modules' in source
    assert "pip install" in source and " -e " not in source and "--editable" not in source
