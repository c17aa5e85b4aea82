"""Launch badges (Colab, Binder) and the Colab install line for a notebook.

The repository address lives in one place, ``pyproject.toml``'s
``[tool.course]`` table; this module repeats it as :data:`REPOSITORY_URL`, and a
test keeps the two equal and checks every notebook's badges.
"""

from __future__ import annotations

from urllib.parse import quote

REPOSITORY_URL = "https://github.com/deep-vision-course/image-recognition-course"
BRANCH = "main"


def _owner_and_name(repository_url: str) -> str:
    prefix = "https://github.com/"
    if not repository_url.startswith(prefix):
        raise ValueError(f"Expected a https://github.com/OWNER/NAME address, got {repository_url!r}.")
    return repository_url[len(prefix):].strip("/")


def colab_url(notebook_path: str, repository_url: str = REPOSITORY_URL, branch: str = BRANCH) -> str:
    """Colab address that opens ``notebook_path`` (relative to the repository root)."""
    return (f"https://colab.research.google.com/github/{_owner_and_name(repository_url)}"
            f"/blob/{branch}/{notebook_path}")  # fmt: skip


def binder_url(notebook_path: str, repository_url: str = REPOSITORY_URL, branch: str = BRANCH) -> str:
    """Binder address that opens ``notebook_path`` in JupyterLab."""
    return (f"https://mybinder.org/v2/gh/{_owner_and_name(repository_url)}/{branch}"
            f"?labpath={quote(notebook_path, safe='')}")  # fmt: skip


def badge_markdown(notebook_path: str, repository_url: str = REPOSITORY_URL, branch: str = BRANCH) -> str:
    """Markdown for the two badges of one notebook."""
    colab = colab_url(notebook_path, repository_url, branch)
    binder = binder_url(notebook_path, repository_url, branch)
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab}) "
            f"[![Launch on Binder](https://mybinder.org/badge_logo.svg)]({binder})")  # fmt: skip


def colab_install_source(repository_url: str = REPOSITORY_URL, branch: str = BRANCH) -> str:
    """The guarded install cell: installs course_utils on Colab only (never editable)."""
    return (
        "import sys\n\n"
        'if "google.colab" in sys.modules:  # only on Colab; Binder and local set-ups have it\n'
        f'    %pip install --quiet "course-utils @ git+{repository_url}@{branch}"'
    )
