"""Launch badges (Colab, Binder), the Colab install cell, and pointing them at a fork.

Where the course lives online is set in one place, ``pyproject.toml``'s ``[tool.course]``
table::

    [tool.course]
    repository = "https://github.com/OWNER/NAME"   # badges open notebooks from here
    branch = "main"                                # ... on this branch
    release = "v0.2.0"                             # the Colab cell installs this tag

A lecturer who forks the course runs one command::

    course fork https://github.com/ME/my-course [--branch main] [--release v1.0]

which rewrites that table, the badges and install cell of every notebook (``notebooks/``
and ``student/``) and the README's badges. ``tests/test_notebook_hygiene.py`` checks that
every notebook agrees with the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from .layout import find_repository_root, list_notebooks

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

_GITHUB = "https://github.com/"
_COLAB_BADGE = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
_BINDER_BADGE = "[![Launch on Binder](https://mybinder.org/badge_logo.svg)]"


@dataclass(frozen=True)
class CourseHome:
    """Where the course lives online: ``[tool.course]`` of pyproject.toml."""

    repository: str
    branch: str
    release: str

    def __post_init__(self):
        if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", self.repository):
            raise ValueError(f"Expected a https://github.com/OWNER/NAME address, got {self.repository!r}.")
        for label, value in (("branch", self.branch), ("release", self.release)):
            if not re.fullmatch(r"[\w./-]+", value):
                raise ValueError(f"The {label} {value!r} is not a valid git branch or tag name.")

    @property
    def owner_and_name(self) -> str:
        return self.repository[len(_GITHUB):]


def read_home(root: Path | None = None) -> CourseHome:
    """Read ``[tool.course]`` from the course's pyproject.toml."""
    root = root or find_repository_root()
    table = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["course"]
    return CourseHome(table["repository"], table["branch"], table["release"])


def colab_url(notebook_path: str, home: CourseHome | None = None) -> str:
    """Colab address that opens ``notebook_path`` (relative to the repository root)."""
    home = home or read_home()
    return (f"https://colab.research.google.com/github/{home.owner_and_name}"
            f"/blob/{home.branch}/{notebook_path}")


def binder_url(notebook_path: str, home: CourseHome | None = None) -> str:
    """Binder address that opens ``notebook_path`` in JupyterLab."""
    home = home or read_home()
    return (f"https://mybinder.org/v2/gh/{home.owner_and_name}/{home.branch}"
            f"?labpath={quote(notebook_path, safe='')}")


def badge_markdown(notebook_path: str, home: CourseHome | None = None) -> str:
    """Markdown for the two badges of one notebook."""
    home = home or read_home()
    return (f"{_COLAB_BADGE}({colab_url(notebook_path, home)}) "
            f"{_BINDER_BADGE}({binder_url(notebook_path, home)})")


def colab_install_source(home: CourseHome | None = None) -> str:
    """The guarded install cell: on Colab only, course_utils of one tagged release."""
    home = home or read_home()
    return (
        "import sys\n\n"
        'if "google.colab" in sys.modules:  # only on Colab; Binder and local set-ups have it\n'
        f"    # course_utils as released with tag {home.release}; for another version, change the\n"
        "    # tag after the last @ (a fork's lecturer: `course fork` rewrites this line)\n"
        f'    %pip install --quiet "course-utils @ git+{home.repository}@{home.release}"'
    )


def _rewrite_pyproject(text: str, home: CourseHome) -> str:
    head, table = text.split("[tool.course]", 1)
    table_body, rest = (table.split("\n[", 1) + [""])[:2]
    for key in ("repository", "branch", "release"):
        line = f'{key} = "{getattr(home, key)}"'
        if re.search(rf"^{key} = .*$", table_body, re.M):
            table_body = re.sub(rf"^{key} = .*$", line, table_body, flags=re.M)
        else:
            table_body = table_body.rstrip("\n") + f"\n{line}\n"
    head = re.sub(r'^Repository = ".*"$', f'Repository = "{home.repository}"', head, flags=re.M)
    return head + "[tool.course]" + table_body + ("\n[" + rest if rest else "")


def sync_notebook(path: Path, relative_path: str, home: CourseHome) -> bool:
    """Point one notebook's badges and install cell at ``home``; True if it changed."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    badge_cells = [cell for cell in notebook.cells
                   if cell.cell_type == "markdown" and _COLAB_BADGE in cell.source]
    install_cells = [cell for cell in notebook.cells
                     if cell.cell_type == "code" and '"google.colab" in sys.modules' in cell.source]
    if not badge_cells or not install_cells:
        raise ValueError(f"{path}: no badge cell or no Colab install cell to point at {home.repository}")
    changed = False
    for cell, wanted in ((badge_cells[0], badge_markdown(relative_path, home)),
                         (install_cells[0], colab_install_source(home))):
        if cell.source != wanted:
            cell.source, changed = wanted, True
    if changed:
        nbformat.write(notebook, path)
    return changed


def point_course_at(home: CourseHome, root: Path | None = None) -> list[Path]:
    """Make ``home`` the course's address everywhere; return the files that changed.

    Rewrites ``[tool.course]`` (and ``[project.urls]``) in pyproject.toml, the badges
    and Colab install cell of every notebook in ``notebooks/`` and ``student/``, and
    the README's badges.
    """
    root = root or find_repository_root()
    changed = []
    pyproject = root / "pyproject.toml"
    old_home = read_home(root)
    text = pyproject.read_text(encoding="utf-8")
    new_text = _rewrite_pyproject(text, home)
    if new_text != text:
        pyproject.write_text(new_text, encoding="utf-8")
        changed.append(pyproject)
    for folder in ("notebooks", "student"):
        for path in list_notebooks(root / folder):
            if sync_notebook(path, f"{folder}/{path.name}", home):
                changed.append(path)
    readme = root / "README.md"
    if readme.is_file():
        text = readme.read_text(encoding="utf-8")
        new_text = text
        for old, new in ((f"github/{old_home.owner_and_name}/blob/{old_home.branch}/",
                          f"github/{home.owner_and_name}/blob/{home.branch}/"),
                         (f"/v2/gh/{old_home.owner_and_name}/{old_home.branch}?",
                          f"/v2/gh/{home.owner_and_name}/{home.branch}?")):
            new_text = new_text.replace(old, new)
        if new_text != text:
            readme.write_text(new_text, encoding="utf-8")
            changed.append(readme)
    return changed
