"""Tests of course_utils.grading: the nbgrader release and autograding, on the real notebooks.

* Release (every notebook, structural, cheap): solutions become
  ``raise NotImplementedError()``, hidden tests and every line of them disappear,
  and the committed ``student/`` versions equal a fresh release.
* Autograde (whole notebooks, fast mode, so only the two cheapest, 00 and 01):
  the instructor source scores full marks, the untouched release scores zero.
* Misbehaving submissions, on notebook 00's real exercise cells (the Exercises
  section with one import cell before it, so no training runs): an infinite loop
  is stopped by the per-cell timeout, a crash scores zero, test cells a learner
  replaced are restored, a dead kernel is reported as NOT graded (the CSV shows
  a plain 0.0).

One autograde course folder is shared by the module (nbgrader runs once per
assignment); the file takes about two minutes on a quiet 2-core machine.
"""

from __future__ import annotations

import copy
import re
import time
from pathlib import Path

import nbformat
import pytest

from course_utils.tooling import grading
from course_utils.tooling.layout import list_notebooks

pytestmark = pytest.mark.skipif(
    not grading.nbgrader_available(),
    reason="nbgrader is not installed (lecturer extra): pip install .[grading]",
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = list_notebooks(ROOT / "notebooks")
NOTEBOOK_NAMES = [path.name for path in NOTEBOOKS]
FULL_RUN = [name for name in NOTEBOOK_NAMES if name[:2] in ("00", "01")]  # the cheapest two
SCENARIO_SOURCE = "00"  # its real exercise cells carry the misbehaving submissions
SCENARIO_TIMEOUT_S = 30  # per cell: the loop is stopped after this
STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


# --------------------------------------------------------------------------- helpers


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _cells_by_id(notebook) -> dict:
    return {_nbgrader(c)["grade_id"]: c for c in notebook.cells if "grade_id" in _nbgrader(c)}


def _is_solution_code(cell) -> bool:
    return cell.cell_type == "code" and _nbgrader(cell).get("solution", False)


def _is_test(cell) -> bool:
    meta = _nbgrader(cell)
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def _regions(source: str, begin: str, end: str) -> tuple[list[str], list[str], str]:
    """Split a cell into (lines inside regions, lines outside, source with each region replaced)."""
    inside, outside, replaced, in_region = [], [], [], False
    for line in source.split("\n"):
        if begin in line:
            assert not in_region, f"nested {begin!r}"
            in_region = True
            indent = re.match(r"\s*", line).group(0)
            replaced.append(indent)  # placeholder: the indentation of the region
        elif end in line:
            assert in_region, f"{end!r} without {begin!r}"
            in_region = False
        elif in_region:
            inside.append(line)
        else:
            outside.append(line)
            replaced.append(line)
    assert not in_region, f"{begin!r} without {end!r}"
    return inside, outside, "\n".join(replaced)


def _expected_student_solution(source: str) -> str:
    """Each solution region -> '# YOUR CODE HERE' + 'raise NotImplementedError()' at its indent."""
    lines, in_region = [], False
    for line in source.split("\n"):
        if "### BEGIN SOLUTION" in line:
            indent = re.match(r"\s*", line).group(0)
            lines += [indent + stub for stub in STUB]
            in_region = True
        elif "### END SOLUTION" in line:
            in_region = False
        elif not in_region:
            lines.append(line)
    return "\n".join(lines)


def _expected_student_test(source: str) -> str:
    """The hidden-test region (markers included) removed."""
    lines, in_region = [], False
    for line in source.split("\n"):
        if "### BEGIN HIDDEN TESTS" in line:
            in_region = True
        elif "### END HIDDEN TESTS" in line:
            in_region = False
        elif not in_region:
            lines.append(line)
    return "\n".join(lines)


def _secret_lines(notebook) -> set[str]:
    """Stripped lines of solution and hidden-test regions that appear nowhere else in the source."""
    secret, public = set(), set()
    for cell in notebook.cells:
        inside = []
        if _is_solution_code(cell):
            inside, outside, _ = _regions(cell.source, "### BEGIN SOLUTION", "### END SOLUTION")
        elif _is_test(cell):
            inside, outside, _ = _regions(cell.source, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
        else:
            outside = cell.source.split("\n")
        secret.update(line.strip() for line in inside)
        public.update(line.strip() for line in outside)
    return {line for line in secret - public if line}


def _exercises(notebook) -> list[dict]:
    """[{"solution": cell, "tests": [cells]}] in notebook order."""
    exercises = []
    for cell in notebook.cells:
        if _is_solution_code(cell):
            exercises.append({"solution": cell, "tests": []})
        elif _is_test(cell) and exercises:
            exercises[-1]["tests"].append(cell)
    return exercises


def _notebook(name: str) -> Path:
    (path,) = [p for p in NOTEBOOKS if p.name.startswith(name)]
    return path


# --------------------------------------------------------------------------- release


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("student")
    grading.release(None, out, ROOT)
    return out


def test_release_has_every_notebook(fresh_release):
    assert sorted(p.name for p in fresh_release.glob("*.ipynb")) == NOTEBOOK_NAMES


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_release_replaces_solutions_and_drops_hidden_tests(fresh_release, name):
    source = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    student = nbformat.read(fresh_release / name, as_version=4)
    source_cells, student_cells = _cells_by_id(source), _cells_by_id(student)
    assert student_cells.keys() == source_cells.keys(), "the release lost or gained graded cells"

    solutions = [c for c in source.cells if _is_solution_code(c)]
    hidden = [c for c in source.cells if _is_test(c) and "### BEGIN HIDDEN TESTS" in c.source]
    assert len(solutions) >= 2, f"{name}: the course asks for at least two graded exercises"
    assert hidden, f"{name}: no hidden tests (they carry most of the points)"
    for cell in solutions:
        grade_id = _nbgrader(cell)["grade_id"]
        assert "### BEGIN SOLUTION" in cell.source, f"{grade_id}: solution cell without a region"
        assert student_cells[grade_id].source == _expected_student_solution(cell.source), grade_id
    for cell in source.cells:
        if _is_test(cell):
            grade_id = _nbgrader(cell)["grade_id"]
            assert student_cells[grade_id].source == _expected_student_test(cell.source), grade_id

    text = "\n".join(cell.source for cell in student.cells)
    assert not any(marker in text for marker in MARKERS)
    student_lines = {line.strip() for line in text.split("\n")}
    leaked = _secret_lines(source) & student_lines
    assert not leaked, f"{name}: solution / hidden-test lines in the release: {sorted(leaked)[:3]}"
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
    assert f"student/{name}" in student.cells[1].source, "the badges should open the student version"


def test_committed_student_versions_equal_a_fresh_release(fresh_release):
    committed = ROOT / "student"
    stale = []
    for name in NOTEBOOK_NAMES:
        path = committed / name
        fresh = (fresh_release / name).read_text(encoding="utf-8")
        if not path.is_file() or path.read_text(encoding="utf-8") != fresh:
            stale.append(name)
    extra = sorted({p.name for p in committed.glob("*.ipynb")} - set(NOTEBOOK_NAMES))
    assert not stale and not extra, (
        f"student/ is out of date (changed: {stale}, no source: {extra}): run "
        "`course grading release` and commit student/."
    )


# --------------------------------------------------------------------------- collect


def test_collect_files_and_folders(tmp_path):
    hand_ins = tmp_path / "hand-ins"
    (hand_ins / "bob").mkdir(parents=True)
    source = ROOT / "notebooks" / NOTEBOOK_NAMES[0]
    (hand_ins / "alice.ipynb").write_bytes(source.read_bytes())
    (hand_ins / "bob" / "Copy of notebook.ipynb").write_bytes(source.read_bytes())
    copies = grading.collect(NOTEBOOK_NAMES[0][:2], hand_ins, tmp_path / "course", ROOT)
    stem = source.stem
    assert sorted(copies) == [tmp_path / "course" / "submitted" / s / stem / source.name
                              for s in ("alice", "bob")]  # fmt: skip
    assert all((c.parent / "timestamp.txt").read_text().endswith("UTC") for c in copies)
    (hand_ins / "bob" / "second.ipynb").write_bytes(source.read_bytes())
    with pytest.raises(grading.GradingError, match="exactly one notebook"):
        grading.collect(NOTEBOOK_NAMES[0][:2], hand_ins, tmp_path / "course", ROOT)


# --------------------------------------------------------------------------- autograde


def _scenario_source(tmp: Path) -> Path:
    """Notebook 00's real Exercises section behind one import cell, as its own assignment."""
    notebook = nbformat.read(_notebook(SCENARIO_SOURCE), as_version=4)
    (start,) = [i for i, c in enumerate(notebook.cells)
                if c.cell_type == "markdown" and c.source.startswith("## Exercises")]  # fmt: skip
    notebook.cells = [nbformat.v4.new_code_cell("import numpy as np")] + notebook.cells[start:]
    path = tmp / f"{SCENARIO_SOURCE}_exercises.ipynb"
    nbformat.write(notebook, path)
    return path


def _misbehaving_submissions(student) -> dict:
    """Submissions built from the student version of the scenario notebook."""
    robust = copy.deepcopy(student)
    loop, tampered, crashing = _exercises(robust)[:3]
    loop["solution"].source = "while True:  # never ends\n    pass"
    tampered["solution"].source = _instructor_solution(tampered["solution"])
    for cell in tampered["tests"]:
        cell.source = "raise AssertionError('a learner replaced this test cell')"
    crashing["solution"].source = re.sub(r"raise NotImplementedError\(\)", "return 1 / 0",
                                         crashing["solution"].source)  # fmt: skip
    for cell in crashing["tests"]:
        cell.source = "pass  # a learner emptied this test cell"
    (answer,) = [c for c in robust.cells if c.cell_type == "markdown" and _nbgrader(c).get("solution")]
    answer.source = "A written answer that a person reads."
    dies = copy.deepcopy(student)
    _exercises(dies)[0]["solution"].source = "import os\nos._exit(1)"
    return {"robust": robust, "dies": dies}


_INSTRUCTOR_SOLUTIONS: dict[str, str] = {}


def _instructor_solution(cell) -> str:
    return _INSTRUCTOR_SOLUTIONS[_nbgrader(cell)["grade_id"]]


@pytest.fixture(scope="module")
def graded(tmp_path_factory, fresh_release):
    """One course folder: 00 and 01 (instructor, untouched) and the scenario assignment."""
    tmp = tmp_path_factory.mktemp("grading")
    course = tmp / "course"
    timings = {}
    for name in FULL_RUN:
        folder = tmp / "in" / name
        folder.mkdir(parents=True)
        (folder / "instructor.ipynb").write_bytes((ROOT / "notebooks" / name).read_bytes())
        (folder / "untouched.ipynb").write_bytes((fresh_release / name).read_bytes())
        grading.collect(str(ROOT / "notebooks" / name), folder, course, ROOT)

    scenario = _scenario_source(tmp)
    source = nbformat.read(scenario, as_version=4)
    _INSTRUCTOR_SOLUTIONS.update({_nbgrader(c)["grade_id"]: c.source
                                  for c in source.cells if _is_solution_code(c)})  # fmt: skip
    student_dir = tmp / "scenario_release"
    grading.release([str(scenario)], student_dir, ROOT)
    student = nbformat.read(student_dir / scenario.name, as_version=4)
    folder = tmp / "in" / scenario.stem
    folder.mkdir(parents=True)
    for student_id, notebook in _misbehaving_submissions(student).items():
        nbformat.write(notebook, folder / f"{student_id}.ipynb")
    grading.collect(str(scenario), folder, course, ROOT)

    start = time.perf_counter()
    grading.autograde([str(ROOT / "notebooks" / n) for n in FULL_RUN], course, timeout_s=300,
                      fast=True, root=ROOT)  # fmt: skip
    timings["full"] = time.perf_counter() - start
    start = time.perf_counter()
    grading.autograde([str(scenario)], course, timeout_s=SCENARIO_TIMEOUT_S, fast=True, root=ROOT)
    timings["scenario"] = time.perf_counter() - start
    return {"course": course, "scenario": scenario.stem, "source": source, "timings": timings}


def _grades(course: Path, assignment: str, student: str) -> dict[str, tuple[float | None, float]]:
    with grading._gradebook(course) as gradebook:
        (notebook,) = gradebook.find_submission(assignment, student).notebooks
        return {g.name: (g.auto_score, float(g.max_score)) for g in notebook.grades
                if g.cell.cell_type == "code"}  # fmt: skip


def _autograded(graded, student: str):
    course, assignment = graded["course"], graded["scenario"]
    return nbformat.read(course / "autograded" / student / assignment / f"{assignment}.ipynb", 4)


@pytest.mark.parametrize("name", FULL_RUN)
def test_instructor_source_scores_full_marks(graded, name):
    score, max_score = grading.scores(graded["course"], Path(name).stem)["instructor"]
    assert max_score >= 6
    assert score == max_score


@pytest.mark.parametrize("name", FULL_RUN)
def test_untouched_release_scores_zero(graded, name):
    assignment = Path(name).stem
    score, max_score = grading.scores(graded["course"], assignment)["untouched"]
    assert (score, max_score > 0) == (0, True)
    grades = _grades(graded["course"], assignment, "untouched")
    assert grades and all(auto == 0 for auto, _ in grades.values()), "graded, as a real zero"
    assert not [u for u in grading.find_ungraded(graded["course"], [assignment])
                if u.student == "untouched"]  # fmt: skip


def test_infinite_loop_is_stopped_by_the_cell_timeout(graded):
    loop = _exercises(graded["source"])[0]
    grades = _grades(graded["course"], graded["scenario"], "robust")
    assert all(grades[_nbgrader(c)["grade_id"]][0] == 0 for c in loop["tests"])
    cell = _cells_by_id(_autograded(graded, "robust"))[_nbgrader(loop["solution"])["grade_id"]]
    errors = [o.ename for o in cell.outputs if o.output_type == "error"]
    assert errors and errors[0] in ("CellTimeoutError", "KeyboardInterrupt"), errors
    # Two submissions, one of which waits for a single timeout: bounded, not hung.
    assert graded["timings"]["scenario"] < SCENARIO_TIMEOUT_S + 240


def test_replaced_test_cells_are_restored_and_still_grade(graded):
    tampered, crashing = _exercises(graded["source"])[1:3]
    grades = _grades(graded["course"], graded["scenario"], "robust")
    autograded = _cells_by_id(_autograded(graded, "robust"))
    for cell in tampered["tests"] + crashing["tests"]:
        assert autograded[_nbgrader(cell)["grade_id"]].source == cell.source  # hidden tests too
    # right answer, failing replacement tests: full marks; its kernel survived the loop
    assert all(grades[_nbgrader(c)["grade_id"]] == (c.metadata.nbgrader.points,) * 2
               for c in tampered["tests"])  # fmt: skip


def test_crashing_submission_scores_zero(graded):
    crashing = _exercises(graded["source"])[2]
    grades = _grades(graded["course"], graded["scenario"], "robust")
    # its tests had been replaced by `pass`: a zero also proves they were restored
    assert all(grades[_nbgrader(c)["grade_id"]][0] == 0 for c in crashing["tests"])
    cell = _cells_by_id(_autograded(graded, "robust"))[_nbgrader(crashing["tests"][0])["grade_id"]]
    assert any("ZeroDivisionError" in str(o.get("evalue", "")) + str(o.get("ename", ""))
               for o in cell.outputs)  # fmt: skip


def test_dead_kernel_is_reported_as_not_graded(graded, tmp_path, monkeypatch, capsys):
    course, assignment = graded["course"], graded["scenario"]
    csv_path = grading.export_grades(course, tmp_path / "grades.csv")
    rows = {(r["assignment"], r["student_id"]): r for r in grading._read_csv(csv_path)}
    assert float(rows[(assignment, "dies")]["score"]) == 0.0  # looks like a real zero ...
    not_graded = [(u.assignment, u.student) for u in grading.find_ungraded(course)
                  if u.kind == "not graded"]  # fmt: skip
    assert not_graded == [(assignment, "dies")]  # ... but is reported as not graded
    monkeypatch.chdir(ROOT)
    assert grading.cli(["ungraded", "--course-dir", str(course)]) == 1
    out = capsys.readouterr().out
    assert "dies" in out and "NOT GRADED" in out and "robust" not in out


def test_open_answers_are_listed_for_manual_grading(graded):
    manual = {(u.assignment, u.student) for u in grading.find_ungraded(graded["course"])
              if u.kind == "manual"}  # fmt: skip
    assert (graded["scenario"], "robust") in manual  # it answered the open question
    for name in FULL_RUN:  # the untouched answer stub is an automatic zero, nothing to read
        assert (Path(name).stem, "untouched") not in manual
