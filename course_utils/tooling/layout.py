"""Where the course lives: the repository root and its notebooks (one definition)."""

from __future__ import annotations

from pathlib import Path

#: The checkout this package was installed from (editable install), if it is one.
_PACKAGE_CHECKOUT = Path(__file__).resolve().parents[2]


def _is_course_root(folder: Path) -> bool:
    return (folder / "notebooks").is_dir() and (folder / "course_utils").is_dir()


def find_repository_root(start: Path | None = None) -> Path:
    """Return the course checkout: the one holding ``start`` (default: the current folder),
    else the one this package was installed from.

    Raises
    ------
    FileNotFoundError
        If neither is a course checkout (a folder with ``notebooks/`` and ``course_utils/``).
    """
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if _is_course_root(folder):
            return folder
    if _is_course_root(_PACKAGE_CHECKOUT):
        return _PACKAGE_CHECKOUT
    raise FileNotFoundError(
        f"{start} is not inside the course repository: run the course from its folder "
        "(the one with notebooks/ and course_utils/)."
    )


def list_notebooks(notebooks_dir: Path) -> list[Path]:
    """Return the course notebooks (``NN_name.ipynb``) in course order."""
    return sorted(path for path in Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))


def resolve_notebooks(names: list[str], notebooks_dir: Path) -> list[Path]:
    """Turn command-line names into notebook paths.

    A name is a path, a file name, a stem, or a number prefix: ``"02"`` selects
    ``02_cnn.ipynb``, ``"07"`` selects every part ``07_1_...``, ``07_2_...``, and
    ``"05_2"`` selects ``05_2_...``. No names: every notebook.

    Raises
    ------
    ValueError
        If a name matches no notebook (the message lists the notebooks).
    """
    available = list_notebooks(notebooks_dir)
    if not names:
        return available
    chosen: list[Path] = []
    for name in names:
        path = Path(name)
        if path.suffix == ".ipynb" and path.is_file():
            chosen.append(path.resolve())
            continue
        matches = [nb for nb in available if nb.name == name or nb.stem == name
                   or nb.name.startswith(f"{name}_")]
        if not matches:
            known = ", ".join(nb.name for nb in available)
            raise ValueError(f"No notebook matches {name!r}; the notebooks are: {known}")
        chosen.extend(match for match in matches if match not in chosen)
    return chosen
