"""Tests of course_utils.tooling.grading: release and sandboxed autograding, on the real notebooks.

* Release (every notebook, structural, cheap): solutions become
  ``raise NotImplementedError()``, hidden tests and every line of them disappear,
  and the committed ``student/`` versions equal a fresh release.
* Autograde (whole notebooks, fast mode, so only the two cheapest, 00 and 01):
  the instructor source scores full marks, the untouched release scores zero.
* Hand-ins that cheat or attack, on the real Exercises sections of notebooks 00
  and 01 (with their import cell, so no training runs), graded in sandboxes:
  monkeypatching NumPy / builtins / ``sys.modules`` / ``get_exercise``,
  ``__eq__`` / ``__sub__`` tricks, fake "Correct" output then ``os._exit(0)``
  score zero on every exercise they cheat on; an honest hand-in scores full
  marks and a partly wrong one exactly its correct exercises; a hand-in that
  looks for the grade book, the sources and the other submissions, writes next
  to its notebook and tries the network finds nothing, changes nothing, and is
  reported in the log; a huge allocation hits the memory limit; an endless loop
  the time limit; a dead kernel is reported as INCOMPLETE.

bubblewrap (`apt-get install bubblewrap`) is required: without it these tests
FAIL with that instruction (autograding refuses to run unconfined).

Two course folders, each graded once per module (parallel sandboxes; nbgrader
only records the scores): the whole notebooks 00 and 01 (`slow`), and the
scenario hand-ins on their Exercises sections (about a minute of sandboxes on a
quiet 2-core machine).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
from pathlib import Path

import nbformat
import pytest

from course_utils.exercises import get_exercise
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
SCENARIO_TIMEOUT_S = 20  # per cell: the loop is stopped after this
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
                              for s in ("alice", "bob")]
    assert all((c.parent / "timestamp.txt").read_text().endswith("UTC") for c in copies)
    (hand_ins / "bob" / "second.ipynb").write_bytes(source.read_bytes())
    with pytest.raises(grading.GradingError, match="exactly one notebook"):
        grading.collect(NOTEBOOK_NAMES[0][:2], hand_ins, tmp_path / "course", ROOT)


# --------------------------------------------------------------------------- autograde


def _scenario_source(tmp: Path, name: str) -> Path:
    """A notebook's real Exercises section behind its imports, as its own assignment."""
    notebook = nbformat.read(_notebook(name), as_version=4)
    (start,) = [i for i, c in enumerate(notebook.cells)
                if c.cell_type == "markdown" and c.source.startswith("## Exercises")]
    imports = "import numpy as np\nfrom course_utils import ops\nfrom course_utils.exercises import get_exercise"
    notebook.cells = [nbformat.v4.new_code_cell(imports)] + notebook.cells[start:]
    path = tmp / f"{name}_exercises.ipynb"
    nbformat.write(notebook, path)
    return path


def _with_answers(student, answers: dict[int, str], before: str | None = None):
    """The student notebook with exercise i's answer cell replaced (i: 0, 1, 2)."""
    notebook = copy.deepcopy(student)
    cells = _exercises(notebook)
    for index, source in answers.items():
        cells[index]["solution"].source = source
    if before is not None:  # a cell of the learner's own, before the exercises
        notebook.cells.insert(1, nbformat.v4.new_code_cell(before))
    return notebook


def _instructor_answers(source) -> dict[int, str]:
    return {i: e["solution"].source for i, e in enumerate(_exercises(source))}


# The tricks of the issue, as a learner would write them. Each really fools a
# test that runs in the learner's kernel (the old autograding).
MONKEYPATCH = """\
import builtins, sys, types
import numpy
numpy.allclose = lambda *args, **kwargs: True
numpy.array_equal = lambda *args, **kwargs: True
numpy.isclose = lambda a, b, *args, **kwargs: numpy.ones(numpy.shape(a), bool)
builtins.abs = lambda value: 0
class _Pass:
    def check(self, function):
        print("Correct: passes all checks.")
        return True
def get_exercise(key):
    return _Pass()
fake = types.ModuleType("course_utils.exercises")
fake.get_exercise = get_exercise
sys.modules["course_utils.exercises"] = fake
class AlwaysEqualInt(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __add__(self, other): return self
    __radd__ = __add__
    __hash__ = int.__hash__
class ZeroDifferenceFloat(float):
    def __sub__(self, other): return 0.0
    def __rsub__(self, other): return 0.0
    def __eq__(self, other): return True
    def __lt__(self, other): return True
    __hash__ = float.__hash__
class AgreeableArray(numpy.ndarray):
    def __eq__(self, other): return numpy.ones(self.shape, bool)
"""
CHEAT_ANSWERS = {
    "00": {
        0: "def scale_images(images):\n    return numpy.zeros(images.shape + (1,), numpy.float32).view(AgreeableArray)",
        1: "def dense_param_count(num_inputs, num_units):\n    return AlwaysEqualInt(0)",
        2: "def accuracy(labels, probabilities):\n    return ZeroDifferenceFloat(0.0)",
    },
    "01": {
        0: "def conv2d_grey(image, kernel, stride, padding):\n    return numpy.zeros((2, 2)).view(AgreeableArray)",
        1: "def max_pool_2x2(image):\n    h, w = image.shape\n    return numpy.zeros((h // 2, w // 2)).view(AgreeableArray)",
        2: "def output_size(n, kernel_size, stride, padding):\n    return AlwaysEqualInt(0)",
    },
}
FAKE_OUTPUT_AND_EXIT = ('print("Correct: passes all checks.")\nimport os\nos._exit(0)')
WRONG_ANSWER = {  # one plausible mistake per notebook, exercise 1 (0-based)
    "00": "def dense_param_count(num_inputs, num_units):\n    return num_inputs * num_units  # forgot the biases",
    "01": "def max_pool_2x2(image):\n    return image[::2, ::2]  # subsampling, not max",
}
# 6 GiB, never touched: the machine would grant it, the sandbox's 3 GiB address space does not
HOG_CELL = "hoard = np.empty(6 * 2**30, np.uint8)"
HOG_ANSWER = ("def accuracy(labels, probabilities):\n    hoard = np.empty(6 * 2**30, np.uint8)\n"
              "    return float(np.mean(np.argmax(probabilities, axis=1) == labels))")


def _intruder_cell(course: Path, targets: list[Path]) -> str:
    """Look for the grade book, read the sources and others' hand-ins, write everywhere, phone home."""
    return f"""\
import os, socket, sqlite3
attempts = []
folder = os.getcwd()
for _ in range(12):  # walk up like the issue's hand-in did
    try:
        if "gradebook.db" in os.listdir(folder):
            attempts.append(("found", folder))
    except OSError as error:
        attempts.append(("listdir", folder, type(error).__name__))
    folder = os.path.dirname(folder)
print(sorted(os.listdir("..")))
for path in {[str(course / "gradebook.db")] + [str(t) for t in targets]!r}:
    try:
        with open(path, "r+b") as stream:
            stream.write(b"PWNED")
        attempts.append(("wrote", path))
    except OSError as error:
        attempts.append(("open", path, type(error).__name__))
try:
    database = sqlite3.connect({str(course / "gradebook.db")!r})
    database.execute("UPDATE grade SET manual_score = 0")
    database.commit()
except Exception as error:
    attempts.append(("sqlite", type(error).__name__))
with open("planted.txt", "w") as stream:  # next to the notebook: only in the throw-away copy
    stream.write("PWNED")
try:
    socket.create_connection(("192.0.2.1", 80), timeout=2)
    attempts.append(("network", "connected"))
except OSError as error:
    attempts.append(("network", type(error).__name__))
print(attempts)
"""


def _robust(student, source):
    """An endless loop, a crash, and test cells the learner replaced (the old scenario)."""
    notebook = copy.deepcopy(student)
    loop, tampered, crashing = _exercises(notebook)[:3]
    loop["solution"].source = "while True:  # never ends\n    pass"
    tampered["solution"].source = _exercises(source)[1]["solution"].source
    for cell in tampered["tests"]:
        cell.source = "raise AssertionError('a learner replaced this test cell')"
    crashing["solution"].source = re.sub(r"raise NotImplementedError\(\)", "return 1 / 0",
                                         crashing["solution"].source)
    for cell in crashing["tests"]:
        cell.source = "pass  # a learner emptied this test cell"
    (answer,) = [c for c in notebook.cells if c.cell_type == "markdown" and _nbgrader(c).get("solution")]
    answer.source = "A written answer that a person reads."
    return notebook


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def graded_full(tmp_path_factory, fresh_release):
    """Notebooks 00 and 01 run whole (fast mode): the instructor source and the untouched release."""
    grading.sandbox.check_confinement()  # fails (not skips) with the install instruction
    tmp = tmp_path_factory.mktemp("grading_full")
    course = tmp / "course"
    for name in FULL_RUN:
        folder = tmp / "in" / name
        folder.mkdir(parents=True)
        (folder / "instructor.ipynb").write_bytes((ROOT / "notebooks" / name).read_bytes())
        (folder / "untouched.ipynb").write_bytes((fresh_release / name).read_bytes())
        grading.collect(str(ROOT / "notebooks" / name), folder, course, ROOT)
    grading.autograde([str(ROOT / "notebooks" / n) for n in FULL_RUN], course, timeout_s=300,
                      fast=True, root=ROOT, progress=lambda line: None)
    return {"course": course}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One course folder with the scenario hand-ins of notebooks 00 and 01 (Exercises sections)."""
    grading.sandbox.check_confinement()  # fails (not skips) with the install instruction
    tmp = tmp_path_factory.mktemp("grading")
    course = tmp / "course"
    scenarios = {}
    for number in ("00", "01"):
        scenario = _scenario_source(tmp, number)
        source = nbformat.read(scenario, as_version=4)
        student_dir = tmp / f"release_{number}"
        grading.release([str(scenario)], student_dir, ROOT)
        student = nbformat.read(student_dir / scenario.name, as_version=4)
        honest = _instructor_answers(source)
        hand_ins = {
            "honest": _with_answers(student, honest),
            "partly_wrong": _with_answers(student, {**honest, 1: WRONG_ANSWER[number]}),
            "cheater": _with_answers(student, CHEAT_ANSWERS[number], before=MONKEYPATCH),
            "fake_output": _with_answers(student, {**honest, 0: FAKE_OUTPUT_AND_EXIT}),
        }
        scenarios[number] = {"path": scenario, "source": source, "student": student, "hand_ins": hand_ins}
    # notebook 00 also carries the attacks on the machine
    zero = scenarios["00"]
    course_submitted = course / "submitted"
    targets = [ROOT / "notebooks" / FULL_RUN[0], zero["path"],
               course_submitted / "honest" / zero["path"].stem / zero["path"].name]
    zero["hand_ins"]["intruder"] = _with_answers(zero["student"], _instructor_answers(zero["source"]),
                                                 before=_intruder_cell(course, targets))
    zero["hand_ins"]["hog"] = _with_answers(zero["student"], {**_instructor_answers(zero["source"]), 2: HOG_ANSWER},
                                            before=HOG_CELL)
    zero["hand_ins"]["robust"] = _robust(zero["student"], zero["source"])
    for scenario in scenarios.values():
        folder = tmp / "in" / scenario["path"].stem
        folder.mkdir(parents=True)
        for student_id, notebook in scenario["hand_ins"].items():
            nbformat.write(notebook, folder / f"{student_id}.ipynb")
        grading.collect(str(scenario["path"]), folder, course, ROOT)

    protected = [ROOT / "notebooks" / FULL_RUN[0], zero["path"]] + sorted(course_submitted.glob("*/*/*.ipynb"))
    before = {path: _digest(path) for path in protected}
    progress: list[str] = []
    timings = {}
    start = time.perf_counter()
    grading.autograde([str(s["path"]) for s in scenarios.values()], course, timeout_s=SCENARIO_TIMEOUT_S,
                      fast=True, root=ROOT, memory_gib=3, progress=progress.append)
    timings["scenario"] = time.perf_counter() - start
    return {"course": course, "scenarios": scenarios, "timings": timings, "progress": progress,
            "before": before}


def _grades(course: Path, assignment: str, student: str) -> dict[str, tuple[float | None, float]]:
    with grading._gradebook(course) as gradebook:
        (notebook,) = gradebook.find_submission(assignment, student).notebooks
        return {g.name: (g.auto_score, float(g.max_score)) for g in notebook.grades
                if g.cell.cell_type == "code"}


def _exercise_scores(graded, number: str, student: str) -> list[float]:
    """Points per exercise (visible + hidden test cells) of a scenario hand-in."""
    scenario = graded["scenarios"][number]
    grades = _grades(graded["course"], scenario["path"].stem, student)
    return [sum(grades[_nbgrader(c)["grade_id"]][0] or 0 for c in exercise["tests"])
            for exercise in _exercises(scenario["source"])]


def _autograded(graded, number: str, student: str):
    course, assignment = graded["course"], graded["scenarios"][number]["path"].stem
    return nbformat.read(course / "autograded" / student / assignment / f"{assignment}.ipynb", 4)


def _sandbox_log(graded, number: str, student: str) -> str:
    assignment = graded["scenarios"][number]["path"].stem
    return (graded["course"] / "logs" / "sandbox" / assignment / f"{student}.log").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("name", FULL_RUN)
def test_instructor_source_scores_full_marks(graded_full, name):
    score, max_score = grading.scores(graded_full["course"], Path(name).stem)["instructor"]
    assert max_score >= 6
    assert score == max_score


@pytest.mark.slow
@pytest.mark.parametrize("name", FULL_RUN)
def test_untouched_release_scores_zero(graded_full, name):
    assignment = Path(name).stem
    score, max_score = grading.scores(graded_full["course"], assignment)["untouched"]
    assert (score, max_score > 0) == (0, True)
    grades = _grades(graded_full["course"], assignment, "untouched")
    assert grades and all(auto == 0 for auto, _ in grades.values()), "graded, as a real zero"
    assert not [u for u in grading.find_ungraded(graded_full["course"], [assignment])
                if u.student == "untouched"]


@pytest.mark.parametrize("number", ["00", "01"])
def test_honest_hand_in_scores_full_marks(graded, number):
    assert _exercise_scores(graded, number, "honest") == [3.0, 3.0, 3.0]


@pytest.mark.parametrize("number", ["00", "01"])
def test_partly_wrong_hand_in_gets_exactly_its_correct_exercises(graded, number):
    assert _exercise_scores(graded, number, "partly_wrong") == [3.0, 0.0, 3.0]
    cell = _cells_by_id(_autograded(graded, number, "partly_wrong"))
    hidden = _nbgrader(_exercises(graded["scenarios"][number]["source"])[1]["tests"][-1])["grade_id"]
    assert any(o.output_type == "error" for o in cell[hidden].outputs)


@pytest.mark.parametrize("number", ["00", "01"])
def test_monkeypatching_and_eq_tricks_score_zero(graded, number):
    """np.allclose/array_equal/isclose, builtins.abs, sys.modules and get_exercise
    replaced; int / float / ndarray subclasses that compare equal to anything."""
    assert _exercise_scores(graded, number, "cheater") == [0.0, 0.0, 0.0]
    text = json.dumps([o for c in _autograded(graded, number, "cheater").cells for o in c.get("outputs", [])])
    assert "a subclass of int" in text and "a subclass of" in text


@pytest.mark.parametrize("number", ["00", "01"])
def test_fake_correct_output_then_exit_scores_zero_and_is_reported(graded, number):
    assert _exercise_scores(graded, number, "fake_output") == [0.0, 0.0, 0.0]
    assignment = graded["scenarios"][number]["path"].stem
    incomplete = [u for u in grading.find_ungraded(graded["course"], [assignment]) if u.kind == "incomplete"]
    assert [u.student for u in incomplete] == ["fake_output"]
    assert "kernel died" in incomplete[0].reason


def test_intruder_finds_nothing_changes_nothing_and_is_logged(graded):
    course = graded["course"]
    assert _exercise_scores(graded, "00", "intruder") == [3.0, 3.0, 3.0]  # its honest answers count
    assert b"PWNED" not in (course / "gradebook.db").read_bytes()
    for path, digest in graded["before"].items():  # sources and every hand-in as collected
        assert _digest(path) == digest, path
    assert not list(course.rglob("planted.txt")) and not list(ROOT.glob("**/planted.txt"))
    log = _sandbox_log(graded, "00", "intruder")
    assert "gradebook.db" in log and "sqlite3.connect" in log and "no such file in the sandbox" in log
    assert "wrote files next to its notebook (thrown away): ['planted.txt']" in log
    assert "gradebook.db" in (course / "logs" / "autograde.log").read_text()
    # the other learners' grades are what their answers earn
    assert _exercise_scores(graded, "00", "honest") == [3.0, 3.0, 3.0]
    assert _exercise_scores(graded, "00", "partly_wrong") == [3.0, 0.0, 3.0]


def test_huge_allocation_hits_the_memory_limit(graded):
    assert _exercise_scores(graded, "00", "hog") == [3.0, 3.0, 0.0]
    text = json.dumps(_cells_by_id(_autograded(graded, "00", "hog"))[
        _nbgrader(_exercises(graded["scenarios"]["00"]["source"])[2]["tests"][-1])["grade_id"]].outputs)
    assert "MemoryError" in text
    assert "ran out of memory" in _sandbox_log(graded, "00", "hog")


def test_infinite_loop_is_stopped_by_the_cell_timeout(graded):
    assert _exercise_scores(graded, "00", "robust")[0] == 0.0
    assert f"ran past {SCENARIO_TIMEOUT_S} s" in _sandbox_log(graded, "00", "robust")
    assert graded["timings"]["scenario"] < 900, "bounded, not hung"


def test_replaced_test_cells_are_restored_and_still_grade(graded):
    source = graded["scenarios"]["00"]["source"]
    tampered, crashing = _exercises(source)[1:3]
    autograded = _cells_by_id(_autograded(graded, "00", "robust"))
    for cell in tampered["tests"] + crashing["tests"]:
        assert autograded[_nbgrader(cell)["grade_id"]].source == cell.source  # hidden tests too
    assert _exercise_scores(graded, "00", "robust")[1] == 3.0


def test_crashing_answer_scores_zero_with_the_input_named(graded):
    assert _exercise_scores(graded, "00", "robust")[2] == 0.0
    crashing = _exercises(graded["scenarios"]["00"]["source"])[2]
    cell = _cells_by_id(_autograded(graded, "00", "robust"))[_nbgrader(crashing["tests"][0])["grade_id"]]
    text = json.dumps(cell.outputs)
    assert "your code raised ZeroDivisionError on input accuracy(" in text


def test_open_answers_are_listed_for_manual_grading(graded):
    manual = {(u.assignment, u.student) for u in grading.find_ungraded(graded["course"])
              if u.kind == "manual"}
    assert (graded["scenarios"]["00"]["path"].stem, "robust") in manual
    assert (graded["scenarios"]["00"]["path"].stem, "honest") not in manual  # an untouched open answer


def test_progress_and_throughput_are_reported(graded):
    lines = graded["progress"]
    assert any(re.match(r"\[\d+/\d+\] ", line) for line in lines)
    assert any("hand-ins per minute" in line for line in lines)


def test_export_and_ungraded_command(graded, tmp_path, monkeypatch, capsys):
    course = graded["course"]
    csv_path = grading.export_grades(course, tmp_path / "grades.csv")
    rows = {(r["assignment"], r["student_id"]): r for r in grading._read_csv(csv_path)}
    assignment = graded["scenarios"]["00"]["path"].stem
    assert float(rows[(assignment, "honest")]["score"]) == 9.0
    assert float(rows[(assignment, "fake_output")]["score"]) == 0.0
    monkeypatch.chdir(ROOT)
    grading.cli(["ungraded", "--course-dir", str(course)])
    out = capsys.readouterr().out
    assert "INCOMPLETE" in out and "fake_output" in out and "honest" not in out


def test_autograde_refuses_without_bubblewrap(monkeypatch, tmp_path):
    monkeypatch.setattr(grading.sandbox.shutil, "which", lambda name: None)
    with pytest.raises(grading.sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
        grading.autograde(["00"], tmp_path, root=ROOT)


def test_graded_release_ships_no_answers(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    url = "https://lms.example.org/course-utils-graded.zip"
    assert grading.cli(["release", "00", "--graded", "--out", str(tmp_path), "--package-url", url]) == 0
    notebook = (tmp_path / NOTEBOOK_NAMES[0]).read_text(encoding="utf-8")
    assert f"course-utils @ {url}" in notebook and "git+https" not in notebook
    package = tmp_path / "package"
    assert "+graded" in (package / "pyproject.toml").read_text(encoding="utf-8")
    texts = "\n".join(p.read_text(encoding="utf-8") for p in package.rglob("*.py"))
    for key in ("00.scale_images", "00.dense_param_count", "00.accuracy"):
        assert get_exercise(key).solution_code.strip() not in texts
    with pytest.raises(grading.GradingError, match="needs --out"):
        grading.release(["00"], None, ROOT, graded=True)
