"""Lecturer tools: student release, autograding and grade export with nbgrader.

The course notebooks in ``notebooks/`` are the *instructor source*: exercise
answers sit between ``### BEGIN SOLUTION`` / ``### END SOLUTION``, graded test
cells call ``get_exercise(...).check(...)``, and hidden tests sit between
``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``. This module wraps
nbgrader (an optional extra: ``pip install .[grading]``) into a few commands::

    course grading release            # notebooks/ -> student/
    course grading check-release      # is student/ in sync?
    course grading collect 02 FOLDER  # FOLDER/<student>.ipynb -> grading/submitted
    course grading autograde 02       # run nbgrader autograde
    course grading export --to grades.csv
    course grading ungraded           # submissions that could not be graded

Each notebook ``NN_name.ipynb`` is one nbgrader *assignment* called ``NN_name``.
nbgrader's course folder (``source/``, ``release/``, ``submitted/``,
``autograded/``, ``gradebook.db``) is ``grading/`` in the repository
(git-ignored) unless ``--course-dir`` says otherwise. The lecturers' guide is
``docs/lecturers.md``.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from ..config import DATA_DIR_ENV_VAR, FAST_ENV_VAR
from .badges import badge_markdown
from .layout import find_repository_root, list_notebooks, resolve_notebooks

__all__ = [
    "DEFAULT_CELL_TIMEOUT_S",
    "GradingError",
    "Ungraded",
    "autograde",
    "check_release",
    "cli",
    "collect",
    "export_grades",
    "find_ungraded",
    "nbgrader_available",
    "prepare_course",
    "release",
    "release_notebook",
    "run_nbgrader",
]

#: Seconds one cell may run under autograde before it is interrupted (the cell
#: then counts as an error: its tests score zero). Exercise cells take seconds;
#: in fast mode (the default for autograde) a whole notebook takes under a minute.
DEFAULT_CELL_TIMEOUT_S = 120

#: The nbgrader assignment name used inside the temporary release course.
_RELEASE_ASSIGNMENT = "course"

_NBGRADER_CONFIG = '''\
"""nbgrader settings for this course folder (written by course_utils.grading).

`course grading ...` passes its own options on the command line;
this file only matters when you run plain `nbgrader` commands in this folder.
"""
c = get_config()  # noqa: F821
c.CourseDirectory.root = "."
c.Execute.timeout = {timeout}
'''


class GradingError(RuntimeError):
    """An nbgrader step failed; the message says which and where its log is."""


# --------------------------------------------------------------------------- nbgrader


def nbgrader_available() -> bool:
    """Return True when nbgrader is installed (``pip install .[grading]``)."""
    return importlib.util.find_spec("nbgrader") is not None


def _require_nbgrader() -> None:
    if not nbgrader_available():
        raise GradingError(
            "nbgrader is not installed. Lecturers install it with `pip install .[grading]` "
            "(or `pip install nbgrader`) in the course environment."
        )


def _environment(fast: bool | None = None) -> dict[str, str]:
    """The environment for nbgrader and the kernels it starts.

    nbgrader runs ``alembic`` (its database migrations) as a program, so the
    folder of this Python's executables goes first on ``PATH``.
    """
    environment = os.environ.copy()
    scripts = str(Path(sys.executable).parent)
    environment["PATH"] = scripts + os.pathsep + environment.get("PATH", "")
    if fast is not None:
        environment[FAST_ENV_VAR] = "1" if fast else "0"
    if not environment.get(DATA_DIR_ENV_VAR, "").strip():
        try:
            data = find_repository_root() / "data"
        except FileNotFoundError:
            data = None
        if data is not None and any(data.glob("*/")):
            environment[DATA_DIR_ENV_VAR] = str(data)
    return environment


def run_nbgrader(args: list[str], course_dir: Path, fast: bool | None = None,
                 log_path: Path | None = None) -> subprocess.CompletedProcess:  # fmt: skip
    """Run ``nbgrader ARGS`` in ``course_dir`` and return the finished process.

    Parameters
    ----------
    args : list of str
        The nbgrader sub-command and its options, e.g. ``["autograde", "02_cnn"]``.
    course_dir : pathlib.Path
        nbgrader's course folder (holds ``source/``, ``gradebook.db`` ...).
    fast : bool or None
        Set ``COURSE_FAST`` for the kernels nbgrader starts (None: inherit).
    log_path : pathlib.Path, optional
        Append nbgrader's output to this file.

    Returns
    -------
    subprocess.CompletedProcess
        With ``stdout`` (nbgrader's log, stderr merged) and ``returncode``.
    """
    _require_nbgrader()
    course_dir = Path(course_dir).resolve()
    command = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course_dir}"]
    if log_path is None:
        return subprocess.run(command, cwd=course_dir, env=_environment(fast), text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    # Stream into the log (a long autograde can be followed with `tail -f`).
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"\n$ nbgrader {' '.join(args)}   # {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        log.flush()
        start = log.tell()
        process = subprocess.run(command, cwd=course_dir, env=_environment(fast), text=True,
                                 stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    with open(log_path, encoding="utf-8", errors="replace") as log:
        log.seek(start)
        process.stdout = log.read()
    return process


def _check(process: subprocess.CompletedProcess, what: str) -> None:
    if process.returncode != 0:
        tail = "\n".join(process.stdout.strip().splitlines()[-15:])
        raise GradingError(f"nbgrader {what} failed (exit {process.returncode}):\n{tail}")


# --------------------------------------------------------------------------- release


def _student_badges(notebook, name: str) -> None:
    """Point the launch badges of a released notebook at ``student/<name>``."""
    instructor, student = badge_markdown(f"notebooks/{name}"), badge_markdown(f"student/{name}")
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and instructor in cell.source:
            cell.source = cell.source.replace(instructor, student)


def release_notebook(notebook, name: str) -> str:
    """Finish one notebook released by nbgrader and return its text.

    The launch badges are pointed at the student version; everything else is
    nbgrader's ``generate_assignment`` output, written as nbformat 4.
    """
    _student_badges(notebook, name)
    return nbformat.writes(notebook) + "\n"


def _generate_release(sources: list[Path]) -> dict[str, str]:
    """Run nbgrader generate_assignment on ``sources`` in a temporary course folder.

    Returns ``{file name: released notebook text}``.
    """
    with tempfile.TemporaryDirectory(prefix="course-release-") as temporary:
        course = Path(temporary)
        source_dir = course / "source" / _RELEASE_ASSIGNMENT
        source_dir.mkdir(parents=True)
        for path in sources:
            shutil.copyfile(path, source_dir / path.name)
        process = run_nbgrader(["generate_assignment", _RELEASE_ASSIGNMENT, "--force", "--no-db"],
                               course)  # fmt: skip
        _check(process, "generate_assignment")
        released = {}
        for path in sources:
            notebook = nbformat.read(course / "release" / _RELEASE_ASSIGNMENT / path.name,
                                     as_version=4)  # fmt: skip
            released[path.name] = release_notebook(notebook, path.name)
        return released


def _course_notebooks(names: list[str] | None, root: Path) -> list[Path]:
    return resolve_notebooks(list(names or []), root / "notebooks")


def release(names: list[str] | None = None, out_dir: Path | None = None,
            root: Path | None = None) -> list[Path]:  # fmt: skip
    """Write the student version of course notebooks.

    Solutions become ``raise NotImplementedError()`` (with a ``# YOUR CODE
    HERE`` line), hidden tests disappear, outputs are cleared, and the launch
    badges point at the student copy.

    Parameters
    ----------
    names : list of str, optional
        Notebooks (``"02"``, ``"02_cnn"``, a path); default: all of ``notebooks/``.
        Releasing all also removes student files whose source is gone.
    out_dir : pathlib.Path, optional
        Where to write them; default ``student/`` in the repository.
    root : pathlib.Path, optional
        The repository (default: found from the current folder).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    root = root or find_repository_root()
    out_dir = Path(out_dir) if out_dir is not None else root / "student"
    sources = _course_notebooks(names, root)
    released = _generate_release(sources)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in released.items():
        target = out_dir / name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    if not names:
        for stale in set(out_dir.glob("*.ipynb")) - set(written):
            stale.unlink()
    return written


def check_release(out_dir: Path | None = None, root: Path | None = None) -> list[str]:
    """Compare ``student/`` with a fresh release; return the problems (empty: in sync)."""
    root = root or find_repository_root()
    out_dir = Path(out_dir) if out_dir is not None else root / "student"
    sources = list_notebooks(root / "notebooks")
    released = _generate_release(sources)
    problems = []
    for name, text in released.items():
        target = out_dir / name
        if not target.is_file():
            problems.append(f"{target} is missing")
        elif target.read_text(encoding="utf-8") != text:
            problems.append(f"{target} differs from a fresh release of notebooks/{name}")
    for extra in sorted(set(p.name for p in out_dir.glob("*.ipynb")) - set(released)):
        problems.append(f"{out_dir / extra} has no source notebooks/{extra}")
    return problems


# --------------------------------------------------------------------------- course folder


def _write_config(course_dir: Path, timeout_s: int = DEFAULT_CELL_TIMEOUT_S) -> None:
    config = course_dir / "nbgrader_config.py"
    if not config.exists():
        config.write_text(_NBGRADER_CONFIG.format(timeout=int(timeout_s)), encoding="utf-8")


def prepare_course(notebooks: list[Path], course_dir: Path) -> list[str]:
    """Put notebooks into nbgrader's course folder as assignments and register them.

    Each ``NN_name.ipynb`` becomes ``source/NN_name/NN_name.ipynb``;
    ``generate_assignment`` (which records the test cells, hidden tests included,
    in ``gradebook.db``) runs again only for sources that changed.

    Returns
    -------
    list of str
        The assignment names.
    """
    course_dir = Path(course_dir)
    course_dir.mkdir(parents=True, exist_ok=True)
    _write_config(course_dir)
    names = []
    for path in notebooks:
        assignment = path.stem
        source = course_dir / "source" / assignment / path.name
        released = course_dir / "release" / assignment / path.name
        registered = (course_dir / "gradebook.db").exists()
        if not (registered and released.exists() and source.exists()
                and filecmp.cmp(path, source, shallow=False)):  # fmt: skip
            source.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, source)
            process = run_nbgrader(["generate_assignment", assignment, "--force"], course_dir,
                                   log_path=course_dir / "logs" / "generate_assignment.log")  # fmt: skip
            _check(process, f"generate_assignment {assignment}")
        names.append(assignment)
    return names


def collect(name: str, folder: Path, course_dir: Path, root: Path | None = None) -> list[Path]:
    """Copy learners' notebooks into ``submitted/<student>/<assignment>/``.

    Parameters
    ----------
    name : str
        The course notebook (``"02"``, ``"02_cnn"``).
    folder : pathlib.Path
        Either ``<student id>.ipynb`` files, or ``<student id>/`` sub-folders
        holding exactly one ``.ipynb`` each (any file name).
    course_dir : pathlib.Path
        nbgrader's course folder.

    Returns
    -------
    list of pathlib.Path
        The submitted copies (each with a ``timestamp.txt`` of the collection time,
        so that collecting a learner again makes autograde grade the new copy).
    """
    root = root or find_repository_root()
    (notebook,) = _course_notebooks([name], root)
    folder = Path(folder)
    if not folder.is_dir():
        raise GradingError(f"{folder} is not a folder of submissions.")
    found: dict[str, Path] = {}
    for path in sorted(folder.glob("*.ipynb")):
        found[path.stem] = path
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        candidates = [p for p in sub.glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
        if len(candidates) != 1:
            raise GradingError(f"{sub} should hold exactly one notebook, found {len(candidates)}.")
        found[sub.name] = candidates[0]
    if not found:
        raise GradingError(f"No notebooks in {folder}: expected <student id>.ipynb files.")
    copies = []
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    for student, path in found.items():
        if not student or any(c in student for c in "/\\ *?"):
            raise GradingError(f"{student!r} cannot be a student id (from {path}).")
        target = Path(course_dir) / "submitted" / student / notebook.stem / notebook.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        # nbgrader grades a submission again when its timestamp is newer than the last grading
        (target.parent / "timestamp.txt").write_text(stamp, encoding="utf-8")
        copies.append(target)
    return copies


# --------------------------------------------------------------------------- autograde


@dataclass
class Ungraded:
    """A submission the autograder did not (fully) grade, or that needs a human."""

    assignment: str
    student: str
    kind: str  # "not graded" or "manual"
    reason: str

    def line(self) -> str:
        return f"{self.kind.upper():11s} {self.assignment:28s} {self.student:20s} {self.reason}"


def autograde(names: list[str] | None, course_dir: Path, timeout_s: int = DEFAULT_CELL_TIMEOUT_S,
              fast: bool = True, force: bool = False, student: str | None = None,
              root: Path | None = None) -> list[Ungraded]:  # fmt: skip
    """Autograde the collected submissions of course notebooks with nbgrader.

    Every submission runs top to bottom in a fresh kernel; the test cells
    (hidden tests included) are restored from the gradebook first, so a learner
    cannot change them. A cell that runs longer than ``timeout_s`` is
    interrupted and counts as an error.

    Parameters
    ----------
    names : list of str or None
        Course notebooks (``"02"``); default: every notebook with submissions.
    course_dir : pathlib.Path
        nbgrader's course folder.
    timeout_s : int
        Seconds per cell.
    fast : bool
        Run the notebooks in fast mode (``COURSE_FAST=1``, the default): small
        data and short training; the exercises themselves do not depend on it.
    force : bool
        Grade again submissions that were graded before.
    student : str, optional
        Only this student id.

    Returns
    -------
    list of Ungraded
        What :func:`find_ungraded` reports afterwards (the log of the run is in
        ``<course_dir>/logs/autograde.log``).
    """
    root = root or find_repository_root()
    course_dir = Path(course_dir).resolve()
    if names:
        notebooks = _course_notebooks(names, root)
    else:
        submitted = {p.name for p in course_dir.glob("submitted/*/*") if p.is_dir()}
        notebooks = [nb for nb in list_notebooks(root / "notebooks") if nb.stem in submitted]
        if not notebooks:
            raise GradingError(f"No submissions in {course_dir / 'submitted'}: collect some first.")
    assignments = prepare_course(notebooks, course_dir)
    for assignment in assignments:
        # iopub_timeout: how long to wait for the kernel's answer after interrupting a
        # cell that ran out of time (nbgrader's 4 s is short on a loaded machine).
        args = ["autograde", assignment, f"--Execute.timeout={int(timeout_s)}",
                "--Execute.iopub_timeout=15"]
        if force:
            args.append("--force")
        if student:
            args.append(f"--student={student}")
        run_nbgrader(args, course_dir, fast=fast, log_path=course_dir / "logs" / "autograde.log")
        # nbgrader exits non-zero when a submission failed (dead kernel ...): that is
        # reported by find_ungraded, not raised, so the other submissions still count.
    return find_ungraded(course_dir, assignments)


def export_grades(course_dir: Path, to: Path) -> Path:
    """Write nbgrader's grade CSV (one row per student and assignment) to ``to``.

    Submissions that could not be graded show there as 0.0, like real zeros:
    check :func:`find_ungraded` (the ``ungraded`` command) before using it.
    """
    to = Path(to).resolve()
    process = run_nbgrader(["export", f"--to={to}"], Path(course_dir))
    _check(process, "export")
    return to


def _gradebook(course_dir: Path):
    from nbgrader.api import Gradebook

    database = Path(course_dir).resolve() / "gradebook.db"
    if not database.exists():
        raise GradingError(f"No gradebook in {course_dir}: run the autograde command first.")
    return Gradebook(f"sqlite:///{database}")


def find_ungraded(course_dir: Path, assignments: list[str] | None = None) -> list[Ungraded]:
    """List submissions that were not graded, or that wait for a human grader.

    nbgrader's CSV shows a submission whose autograding failed (the kernel died
    or stopped responding, the notebook could not be read ...) as 0.0, the same
    as a real zero. This function tells them apart:

    * ``"not graded"``: the submission is in ``submitted/`` but has no autograded
      notebook, or one of its test cells has no score (no ``auto_score`` and no
      manual score). Fix the cause (see ``logs/autograde.log``) and autograde
      again, or grade it by hand.
    * ``"manual"``: an answer that only a person can grade (an open question's
      answer: ``needs_manual_grade`` and no manual score yet).

    Parameters
    ----------
    course_dir : pathlib.Path
        nbgrader's course folder.
    assignments : list of str, optional
        Limit to these assignments (default: all).

    Returns
    -------
    list of Ungraded
        Sorted by kind, assignment and student.
    """
    _require_nbgrader()
    course_dir = Path(course_dir).resolve()
    found: list[Ungraded] = []
    submitted = sorted(course_dir.glob("submitted/*/*/*.ipynb"))
    with _gradebook(course_dir) as gradebook:
        known = {a.name for a in gradebook.assignments}
        for path in submitted:
            assignment, student = path.parent.name, path.parent.parent.name
            if assignments and assignment not in assignments:
                continue
            if assignment not in known:
                found.append(Ungraded(assignment, student, "not graded",
                                      "no such assignment in the gradebook: autograde it"))  # fmt: skip
                continue
            autograded = course_dir / "autograded" / student / assignment / path.name
            try:
                notebook = gradebook.find_submission_notebook(path.stem, assignment, student)
            except Exception:  # nbgrader.api.MissingEntry
                found.append(Ungraded(assignment, student, "not graded",
                                      "never autograded: run the autograde command"))  # fmt: skip
                continue
            if not autograded.exists():
                found.append(Ungraded(
                    assignment, student, "not graded",
                    "autograding failed (kernel died or stopped responding, or the notebook "
                    "could not be run): see logs/autograde.log",
                ))  # fmt: skip
                continue
            missing, manual = [], []
            for grade in notebook.grades:
                if grade.manual_score is not None:
                    continue
                if grade.cell.cell_type == "code" and grade.auto_score is None:
                    missing.append(grade.name)
                elif grade.needs_manual_grade:
                    manual.append(grade.name)
            if missing:
                found.append(Ungraded(assignment, student, "not graded",
                                      f"test cells without a score: {', '.join(missing)}"))  # fmt: skip
            if manual:
                found.append(Ungraded(assignment, student, "manual",
                                      f"to grade by hand: {', '.join(manual)}"))  # fmt: skip
    return sorted(found, key=lambda u: (u.kind != "not graded", u.assignment, u.student))


def scores(course_dir: Path, assignment: str) -> dict[str, tuple[float, float]]:
    """Return ``{student: (score, max_score)}`` for one assignment from the gradebook."""
    with _gradebook(course_dir) as gradebook:
        if assignment not in {a.name for a in gradebook.assignments}:
            return {}
        return {s.student.id: (float(s.score), float(s.max_score))
                for s in gradebook.assignment_submissions(assignment)}  # fmt: skip


# --------------------------------------------------------------------------- command line


def _print_ungraded(found: list[Ungraded], show_manual: bool) -> int:
    not_graded = [u for u in found if u.kind == "not graded"]
    shown = found if show_manual else not_graded
    for item in shown:
        print(item.line())
    manual = len(found) - len(not_graded)
    if not not_graded:
        print("Every collected submission was autograded.")
    else:
        print(f"{len(not_graded)} submission(s) NOT graded: the grade CSV shows them as 0.0.")
    if manual and not show_manual:
        print(f"{manual} submission(s) have open answers to grade by hand (--manual lists them).")
    return 1 if not_graded else 0


def cli(argv: list[str] | None = None) -> int:
    """Command line: ``course grading COMMAND ...`` (see ``--help``)."""
    parser = argparse.ArgumentParser(
        prog="course grading",
        description="Lecturer tools (nbgrader): student release, autograding, grades. "
                    "Guide: docs/lecturers.md.")  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True)
    course_help = "nbgrader's course folder (default: grading/ in the repository)"

    rel = commands.add_parser("release", help="write the student versions into student/")
    rel.add_argument("notebooks", nargs="*", help="notebooks (e.g. 02); default: all")
    rel.add_argument("--out", type=Path, default=None, help="output folder (default student/)")

    chk = commands.add_parser("check-release", help="exit 1 unless student/ equals a fresh release")
    chk.add_argument("--out", type=Path, default=None, help="student folder (default student/)")

    col = commands.add_parser("collect", help="copy FOLDER/<student id>.ipynb into the course folder")
    col.add_argument("notebook", help="which course notebook they answer, e.g. 02")
    col.add_argument("folder", type=Path, help="folder of <student id>.ipynb (or <student id>/*.ipynb)")
    col.add_argument("--course-dir", type=Path, default=None, help=course_help)

    auto = commands.add_parser("autograde", help="autograde collected submissions (nbgrader)")
    auto.add_argument("notebooks", nargs="*", help="notebooks (e.g. 02); default: all with submissions")
    auto.add_argument("--course-dir", type=Path, default=None, help=course_help)
    auto.add_argument("--timeout", type=int, default=DEFAULT_CELL_TIMEOUT_S,
                      help=f"seconds one cell may run (default {DEFAULT_CELL_TIMEOUT_S})")  # fmt: skip
    auto.add_argument("--full", action="store_true",
                      help="run the notebooks in full mode (default: fast mode, COURSE_FAST=1)")  # fmt: skip
    auto.add_argument("--force", action="store_true", help="grade again what was graded before")
    auto.add_argument("--student", default=None, help="only this student id")

    exp = commands.add_parser("export", help="write the grades CSV (nbgrader export)")
    exp.add_argument("--to", type=Path, default=Path("grades.csv"), help="CSV file (default grades.csv)")
    exp.add_argument("--course-dir", type=Path, default=None, help=course_help)

    ung = commands.add_parser("ungraded", help="list submissions that could not be graded (exit 1 if any)")
    ung.add_argument("notebooks", nargs="*", help="notebooks (e.g. 02); default: all")
    ung.add_argument("--course-dir", type=Path, default=None, help=course_help)
    ung.add_argument("--manual", action="store_true", help="also list open answers to grade by hand")

    arguments = parser.parse_args(argv)
    root = find_repository_root()
    course_dir = getattr(arguments, "course_dir", None) or root / "grading"
    try:
        if arguments.command == "release":
            for path in release(arguments.notebooks, arguments.out, root):
                print(f"wrote {path}")
            return 0
        if arguments.command == "check-release":
            problems = check_release(arguments.out, root)
            for problem in problems:
                print(problem)
            if problems:
                print("Run `course grading release` and commit student/.")
                return 1
            print("student/ equals a fresh release of notebooks/.")
            return 0
        if arguments.command == "collect":
            copies = collect(arguments.notebook, arguments.folder, course_dir, root)
            print(f"collected {len(copies)} submission(s) into {course_dir / 'submitted'}")
            return 0
        if arguments.command == "autograde":
            found = autograde(arguments.notebooks, course_dir, arguments.timeout,
                              fast=not arguments.full, force=arguments.force,
                              student=arguments.student, root=root)  # fmt: skip
            assignments = sorted({p.parent.name for p in course_dir.glob("submitted/*/*/*.ipynb")})
            wanted = {nb.stem for nb in _course_notebooks(arguments.notebooks, root)} \
                if arguments.notebooks else set(assignments)  # fmt: skip
            for assignment in (a for a in assignments if a in wanted):
                for student, (score, max_score) in sorted(scores(course_dir, assignment).items()):
                    print(f"{assignment:28s} {student:20s} {score:g} / {max_score:g}")
            print(f"nbgrader's log: {course_dir / 'logs' / 'autograde.log'}")
            return _print_ungraded(found, show_manual=False)
        if arguments.command == "export":
            path = export_grades(course_dir, arguments.to)
            print(f"wrote {path}")
            not_graded = [u for u in find_ungraded(course_dir) if u.kind == "not graded"]
            if not_graded:
                print(f"WARNING: {len(not_graded)} submission(s) could not be graded and show as "
                      "0.0 in the CSV; `course grading ungraded` lists them.")  # fmt: skip
            return 0
        if arguments.command == "ungraded":
            wanted = [nb.stem for nb in _course_notebooks(arguments.notebooks, root)] \
                if arguments.notebooks else None  # fmt: skip
            return _print_ungraded(find_ungraded(course_dir, wanted), arguments.manual)
    except (GradingError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 2


def _read_csv(path: Path) -> list[dict[str, str]]:
    """Read an exported grade CSV (used by the tests and handy in a notebook)."""
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


if __name__ == "__main__":
    sys.exit(cli())
