"""Lecturer tools: student release, autograding and grade export with nbgrader.

The course notebooks in ``notebooks/`` are the *instructor source*: exercise
answers sit between ``### BEGIN SOLUTION`` / ``### END SOLUTION``, graded test
cells call ``get_exercise(...).check(...)``, and hidden tests sit between
``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``. This module wraps
nbgrader (an optional extra: ``pip install .[grading]``) into a few commands::

    course grading release            # notebooks/ -> student/
    course grading check-release      # is student/ in sync?
    course grading collect 02 FOLDER  # FOLDER/<student>.ipynb -> grading/submitted
    course grading autograde 02       # grade in sandboxes, scores into nbgrader's grade book
    course grading export --to grades.csv
    course grading ungraded           # submissions that could not be graded

Each notebook ``NN_name.ipynb`` is one nbgrader *assignment* called ``NN_name``.
nbgrader's course folder (``source/``, ``release/``, ``submitted/``,
``autograded/``, ``gradebook.db``) is ``grading/`` in the repository
(git-ignored) unless ``--course-dir`` says otherwise. The lecturers' guide is
``docs/lecturers.md``.

Autograding never runs a learner's code in the lecturer's process or with
access to the course folder: each submission runs in its own sandbox
(:mod:`.sandbox`), several in parallel, and the trusted tests run here against
plain data from it; nbgrader then only records the scores.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import filecmp
import hashlib
import importlib.util
import json
import os
import re
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
from . import sandbox
from .badges import badge_markdown
from .layout import find_repository_root, list_notebooks, resolve_notebooks

__all__ = [
    "DEFAULT_CELL_TIMEOUT_S",
    "DEFAULT_MEMORY_GIB",
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

#: Address space (GiB) each sandboxed submission may use; TensorFlow needs about 3.
DEFAULT_MEMORY_GIB = 4.0

#: nbgrader's autograde pipeline with the sandbox results in place of its kernel.
_AUTOGRADE_PREPROCESSORS = [
    "course_utils.tooling.sandbox.ApplySandboxResults",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

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
                 log_path: Path | None = None) -> subprocess.CompletedProcess:
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
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # Stream into the log (a long autograde can be followed with `tail -f`).
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"\n$ nbgrader {' '.join(args)}   # {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        log.flush()
        start = log.tell()
        process = subprocess.run(command, cwd=course_dir, env=_environment(fast), text=True,
                                 stdout=log, stderr=subprocess.STDOUT)
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
                               course)
        _check(process, "generate_assignment")
        released = {}
        for path in sources:
            notebook = nbformat.read(course / "release" / _RELEASE_ASSIGNMENT / path.name,
                                     as_version=4)
            released[path.name] = release_notebook(notebook, path.name)
        return released


def _course_notebooks(names: list[str] | None, root: Path) -> list[Path]:
    return resolve_notebooks(list(names or []), root / "notebooks")


def release(names: list[str] | None = None, out_dir: Path | None = None,
            root: Path | None = None, graded: bool = False,
            package_url: str | None = None) -> list[Path]:
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
    graded : bool
        A release for exercises that count: also write ``package/``, a copy of
        ``course_utils`` without any reference answer (``solution()`` and
        ``reference_answer()`` refuse), to install instead of the public package.
        Needs ``out_dir`` (never ``student/``).
    package_url : str, optional
        With ``graded``: where learners install that package from (a pip
        requirement URL, e.g. ``https://example.org/course-utils-graded.zip``);
        the notebooks' Colab install cell is pointed there.

    Returns
    -------
    list of pathlib.Path
        The files written (notebooks, then with ``graded`` the package folder).
    """
    root = root or find_repository_root()
    if graded and out_dir is None:
        raise GradingError("A graded release needs --out FOLDER: student/ stays the public practice release.")
    out_dir = Path(out_dir) if out_dir is not None else root / "student"
    sources = _course_notebooks(names, root)
    released = _generate_release(sources)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in released.items():
        if graded and package_url:
            text = re.sub(r'course-utils @ git\+[^"\\]+', f"course-utils @ {package_url}", text)
        target = out_dir / name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    if not names:
        for stale in set(out_dir.glob("*.ipynb")) - set(written):
            stale.unlink()
    if graded:
        written.append(_write_graded_package(out_dir / "package", root))
    return written


def _write_graded_package(target: Path, root: Path) -> Path:
    """``course_utils`` without reference answers, installable with pip (``pip install FOLDER``)."""
    import tomllib

    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    sandbox.build_graded_package(target, root / "course_utils")
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dependencies = ",\n".join(f"    {json.dumps(d)}" for d in project.get("dependencies", []))
    (target / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "course-utils"\nversion = "{project["version"]}+graded"\n'
        f'requires-python = "{project.get("requires-python", ">=3.10")}"\n'
        f"dependencies = [\n{dependencies}\n]\n\n"
        '[tool.setuptools.packages.find]\ninclude = ["course_utils*"]\n',
        encoding="utf-8",
    )
    return target


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
                and filecmp.cmp(path, source, shallow=False)):
            source.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, source)
            process = run_nbgrader(["generate_assignment", assignment, "--force"], course_dir,
                                   log_path=course_dir / "logs" / "generate_assignment.log")
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
    kind: str  # "not graded", "incomplete" or "manual"
    reason: str

    def line(self) -> str:
        return f"{self.kind.upper():11s} {self.assignment:28s} {self.student:20s} {self.reason}"


def _needs_sandbox(results: Path, submission: Path, force: bool) -> bool:
    if force or not results.is_file():
        return True
    try:
        recorded = json.loads(results.read_text(encoding="utf-8"))
    except ValueError:
        return True
    digest = hashlib.sha256(submission.read_bytes()).hexdigest()
    return recorded.get("sha256") != digest or bool(recorded.get("grader_error"))


def _default_jobs(memory_gib: float) -> int:
    cores = os.cpu_count() or 1
    try:
        import psutil

        available_gib = psutil.virtual_memory().available / 1024**3
    except ImportError:  # pragma: no cover - psutil is a course dependency
        available_gib = 2.0 * cores
    # a fast-mode notebook's kernel uses about 1.5 GiB of the address space it may have
    return max(1, min(cores, int(available_gib // 1.5)))


def _data_dir(root: Path) -> Path | None:
    configured = os.environ.get(DATA_DIR_ENV_VAR, "").strip()
    if configured:
        return Path(configured).resolve()
    data = root / "data"
    return data.resolve() if data.is_dir() and any(data.glob("*/")) else None


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def grade_in_sandboxes(assignment: str, course_dir: Path, *, force: bool = False,
                       student: str | None = None, fast: bool = True,
                       limits: sandbox.Limits | None = None, jobs: int | None = None,
                       data_dir: Path | None = None, progress=print) -> dict:
    """Grade the collected submissions of one assignment, each in its own sandbox, in parallel.

    Results go to ``<course>/sandbox/<assignment>/<student>.json`` (read by
    nbgrader through :class:`.sandbox.ApplySandboxResults`); each sandbox's log
    and incidents to ``<course>/logs/sandbox/<assignment>/<student>.log``.

    Returns
    -------
    dict
        ``{"graded": n, "skipped": n, "seconds": s, "per_minute": hand-ins per
        minute, "jobs": n, "incidents": {student: [...]}}``.
    """
    course_dir = Path(course_dir).resolve()
    limits = limits or sandbox.Limits()
    source = course_dir / "source" / assignment / f"{assignment}.ipynb"
    submitted = sorted(course_dir.glob(f"submitted/*/{assignment}/{assignment}.ipynb"))
    if student:
        submitted = [p for p in submitted if p.parent.parent.name == student]
    results_dir = course_dir / "sandbox" / assignment
    todo = [p for p in submitted if _needs_sandbox(results_dir / f"{p.parent.parent.name}.json", p, force)]
    jobs = max(1, min(jobs or _default_jobs(limits.memory_bytes / 1024**3), max(len(todo), 1)))
    limits.threads = max(1, (os.cpu_count() or 1) // jobs)
    summary = {"graded": 0, "skipped": len(submitted) - len(todo), "seconds": 0.0, "per_minute": 0.0,
               "jobs": jobs, "incidents": {}}
    if not todo:
        return summary
    progress(f"{assignment}: grading {len(todo)} submission(s) in sandboxes, {jobs} at a time "
             f"({limits.threads} thread(s) each, {limits.memory_bytes / 1024**3:g} GiB, "
             f"{limits.cell_timeout_s} s per cell)")
    log_dir = course_dir / "logs" / "sandbox" / assignment
    log_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="course-graded-lib-") as temporary:
        library = sandbox.prepare_sandbox_lib(Path(temporary))

        def one(path: Path) -> tuple[str, dict]:
            result = sandbox.grade_submission(path, source, library, limits=limits, fast=fast,
                                              data_dir=data_dir)
            return path.parent.parent.name, result

        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(one, path) for path in todo]
            for done, future in enumerate(concurrent.futures.as_completed(futures), start=1):
                name, result = future.result()  # SandboxUnavailable propagates: nothing graded
                _write_atomically(results_dir / f"{name}.json", json.dumps(result, indent=1))
                log = [f"# {name} / {assignment}: {result['score']:g} of {result['max_score']:g} "
                       f"in {result['seconds']:.1f} s"] + [f"INCIDENT: {i}" for i in result["incidents"]]
                log += [f"AUDIT: {line}" for line in result.get("audit", [])] + result.get("log", [])
                _write_atomically(log_dir / f"{name}.log", "\n".join(log) + "\n")
                if result["incidents"]:
                    summary["incidents"][name] = result["incidents"]
                elapsed = time.perf_counter() - start
                progress(f"[{done}/{len(todo)}] {name:20s} {result['score']:g} / {result['max_score']:g}"
                         f"  ({result['seconds']:.0f} s; {done / elapsed * 60:.1f} per minute so far)"
                         + (f"  ! {result['incidents'][0][:90]}" if result["incidents"] else ""))
    summary["graded"] = len(todo)
    summary["seconds"] = time.perf_counter() - start
    summary["per_minute"] = len(todo) / summary["seconds"] * 60
    with open(course_dir / "logs" / "autograde.log", "a", encoding="utf-8") as stream:
        stream.write(f"\n# sandboxes {assignment}: {len(todo)} graded in {summary['seconds']:.0f} s, "
                     f"{summary['per_minute']:.1f} per minute, {jobs} at a time\n")
        for name, incidents in sorted(summary["incidents"].items()):
            for incident in incidents:
                stream.write(f"{assignment} {name}: {incident}\n")
    return summary


def autograde(names: list[str] | None, course_dir: Path, timeout_s: int = DEFAULT_CELL_TIMEOUT_S,
              fast: bool = True, force: bool = False, student: str | None = None,
              root: Path | None = None, jobs: int | None = None,
              memory_gib: float = DEFAULT_MEMORY_GIB, wall_s: int | None = None,
              progress=print) -> list[Ungraded]:
    """Autograde the collected submissions of course notebooks, each in a sandbox.

    Each submission runs top to bottom in a fresh kernel inside its own
    sandbox (:mod:`.sandbox`: a throw-away copy, no access to the course
    folder, no network, bounded memory and time); the trusted test cells of
    the source (hidden tests included) run in this process against the plain
    values the learner's functions return. nbgrader then records the scores in
    its grade book (:class:`.sandbox.ApplySandboxResults` replaces its kernel).

    Parameters
    ----------
    names : list of str or None
        Course notebooks (``"02"``); default: every notebook with submissions.
    course_dir : pathlib.Path
        nbgrader's course folder.
    timeout_s : int
        Seconds per cell (and per call of a learner's function).
    fast : bool
        Run the notebooks in fast mode (``COURSE_FAST=1``, the default): small
        data and short training; the exercises themselves do not depend on it.
    force : bool
        Grade again submissions that were graded before.
    student : str, optional
        Only this student id.
    jobs : int, optional
        Sandboxes at a time (default: the cores, fewer if memory is short).
    memory_gib : float
        Address space per sandbox.
    wall_s : int, optional
        Seconds one submission may take in all (default: 8 cell timeouts, at least 15 min).

    Returns
    -------
    list of Ungraded
        What :func:`find_ungraded` reports afterwards (the log of the run is in
        ``<course_dir>/logs/autograde.log``).

    Raises
    ------
    sandbox.SandboxUnavailable
        No working bubblewrap: nothing is run.
    """
    sandbox.check_confinement()
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
    limits = sandbox.Limits(memory_bytes=int(memory_gib * 1024**3), cell_timeout_s=int(timeout_s),
                            wall_s=int(wall_s or max(900, 8 * int(timeout_s))))
    data_dir = _data_dir(root)
    for assignment in assignments:
        summary = grade_in_sandboxes(assignment, course_dir, force=force, student=student, fast=fast,
                                     limits=limits, jobs=jobs, data_dir=data_dir, progress=progress)
        if summary["graded"]:
            progress(f"{assignment}: {summary['graded']} hand-in(s) in {summary['seconds']:.0f} s = "
                     f"{summary['per_minute']:.1f} hand-ins per minute ({summary['jobs']} sandboxes at a time)")
        preprocessors = "[" + ",".join(repr(p) for p in _AUTOGRADE_PREPROCESSORS) + "]"
        args = ["autograde", assignment, "--force",
                f"--Autograde.autograde_preprocessors={preprocessors}",
                f"--ApplySandboxResults.results_dir={course_dir / 'sandbox'}"]
        if student:
            args.append(f"--student={student}")
        run_nbgrader(args, course_dir, fast=fast, log_path=course_dir / "logs" / "autograde.log")
        # nbgrader exits non-zero when a submission failed: that is reported by
        # find_ungraded, not raised, so the other submissions still count.
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
    * ``"incomplete"``: graded, but the kernel died or the notebook ran out of
      time, so every test after that point scored 0 (a learner's ``os._exit``,
      a crash, memory): worth a look by hand.
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
                                      "no such assignment in the gradebook: autograde it"))
                continue
            autograded = course_dir / "autograded" / student / assignment / path.name
            try:
                notebook = gradebook.find_submission_notebook(path.stem, assignment, student)
            except Exception:  # nbgrader.api.MissingEntry
                found.append(Ungraded(assignment, student, "not graded",
                                      "never autograded: run the autograde command"))
                continue
            if not autograded.exists():
                found.append(Ungraded(
                    assignment, student, "not graded",
                    "autograding failed (kernel died or stopped responding, or the notebook "
                    "could not be run): see logs/autograde.log",
                ))
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
                                      f"test cells without a score: {', '.join(missing)}"))
            incomplete = _incomplete_reason(course_dir, assignment, student)
            if incomplete and not missing:
                found.append(Ungraded(assignment, student, "incomplete", incomplete))
            if manual:
                found.append(Ungraded(assignment, student, "manual",
                                      f"to grade by hand: {', '.join(manual)}"))
    order = {"not graded": 0, "incomplete": 1, "manual": 2}
    return sorted(found, key=lambda u: (order.get(u.kind, 3), u.assignment, u.student))


def _incomplete_reason(course_dir: Path, assignment: str, student: str) -> str | None:
    """Why a graded submission's scores may understate it (its kernel died, it ran out of time)."""
    path = course_dir / "sandbox" / assignment / f"{student}.json"
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    reasons = []
    if result.get("dead_at") is not None:
        reasons.append(f"the kernel died or stopped responding at cell {result['dead_at']}")
    if result.get("timed_out"):
        reasons.append("the whole notebook ran out of time")
    elif result.get("ended_early") and result.get("dead_at") is None:
        reasons.append("the sandbox ended early")
    if not reasons:
        return None
    return (f"{' and '.join(reasons)}: the tests after that scored 0; check by hand "
            f"(logs/sandbox/{assignment}/{student}.log)")


def scores(course_dir: Path, assignment: str) -> dict[str, tuple[float, float]]:
    """Return ``{student: (score, max_score)}`` for one assignment from the gradebook."""
    with _gradebook(course_dir) as gradebook:
        if assignment not in {a.name for a in gradebook.assignments}:
            return {}
        return {s.student.id: (float(s.score), float(s.max_score))
                for s in gradebook.assignment_submissions(assignment)}


# --------------------------------------------------------------------------- command line


def _print_ungraded(found: list[Ungraded], show_manual: bool) -> int:
    not_graded = [u for u in found if u.kind == "not graded"]
    shown = found if show_manual else [u for u in found if u.kind != "manual"]
    for item in shown:
        print(item.line())
    manual = len([u for u in found if u.kind == "manual"])
    incomplete = len([u for u in found if u.kind == "incomplete"])
    if incomplete:
        print(f"{incomplete} submission(s) INCOMPLETE: graded, but their kernel died or ran out of time.")
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
                    "Guide: docs/lecturers.md.")
    commands = parser.add_subparsers(dest="command", required=True)
    course_help = "nbgrader's course folder (default: grading/ in the repository)"

    rel = commands.add_parser("release", help="write the student versions into student/")
    rel.add_argument("notebooks", nargs="*", help="notebooks (e.g. 02); default: all")
    rel.add_argument("--out", type=Path, default=None, help="output folder (default student/)")
    rel.add_argument("--graded", action="store_true",
                     help="for graded work: also write package/, course_utils without reference "
                          "answers (needs --out)")
    rel.add_argument("--package-url", default=None,
                     help="with --graded: where learners pip-install that package from "
                          "(the notebooks' install cell is pointed there)")

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
                      help=f"seconds one cell may run (default {DEFAULT_CELL_TIMEOUT_S})")
    auto.add_argument("--full", action="store_true",
                      help="run the notebooks in full mode (default: fast mode, COURSE_FAST=1)")
    auto.add_argument("--force", action="store_true", help="grade again what was graded before")
    auto.add_argument("--student", default=None, help="only this student id")
    auto.add_argument("--jobs", type=int, default=None,
                      help="sandboxes at a time (default: the cores, fewer if memory is short)")
    auto.add_argument("--memory", type=float, default=None,
                      help=f"GiB of address space per sandbox (default {DEFAULT_MEMORY_GIB:g}, "
                           "twice that with --full)")

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
            for path in release(arguments.notebooks, arguments.out, root, graded=arguments.graded,
                                package_url=arguments.package_url):
                print(f"wrote {path}")
            if arguments.graded:
                for key, modules in sandbox.answers_in_topic_modules().items():
                    print(f"note: {key}: its answer shares lines with {', '.join(modules)}, which the "
                          "package keeps (course content); the grader flags answers that use course_utils")
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
                              student=arguments.student, root=root, jobs=arguments.jobs,
                              memory_gib=arguments.memory or DEFAULT_MEMORY_GIB * (2 if arguments.full else 1))
            assignments = sorted({p.parent.name for p in course_dir.glob("submitted/*/*/*.ipynb")})
            wanted = {nb.stem for nb in _course_notebooks(arguments.notebooks, root)} \
                if arguments.notebooks else set(assignments)
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
                      "0.0 in the CSV; `course grading ungraded` lists them.")
            return 0
        if arguments.command == "ungraded":
            wanted = [nb.stem for nb in _course_notebooks(arguments.notebooks, root)] \
                if arguments.notebooks else None
            return _print_ungraded(find_ungraded(course_dir, wanted), arguments.manual)
    except (GradingError, ValueError, sandbox.SandboxUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 2


def _read_csv(path: Path) -> list[dict[str, str]]:
    """Read an exported grade CSV (used by the tests and handy in a notebook)."""
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


if __name__ == "__main__":
    sys.exit(cli())
