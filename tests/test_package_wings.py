"""The learner's package and the course tooling are two wings: learners never load the tooling."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# (__main__.py is the door of the command line, `python -m course_utils`, so it belongs to the tooling)
LEARNER_MODULES = sorted(path for path in (ROOT / "course_utils").rglob("*.py")
                         if "tooling" not in path.parts and path.name != "__main__.py")


def test_import_course_utils_loads_no_jupyter_or_grading_machinery():
    code = ("import sys, course_utils, course_utils.datasets, course_utils.plotting, course_utils.results\n"
            "from course_utils.exercises import get_exercise\n"
            "heavy = ('nbformat', 'nbclient', 'nbconvert', 'nbgrader', 'course_utils.tooling')\n"
            "print(sorted(m for m in sys.modules if m.startswith(heavy)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_no_learner_module_imports_the_tooling():
    offenders = []
    for path in LEARNER_MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            if any("tooling" in name for name in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders
