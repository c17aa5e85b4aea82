"""One way to do each thing (CONTRIBUTING.md, section 3): no helper reseeds or draws from the
global random state, and the course's environment variables are named once, in config.

Both are read from the source code (syntax trees), so they hold for code that no test runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course_utils"

#: Calls that reseed, or draw from, a process-wide random state (NumPy's legacy
#: ``np.random.*`` functions, Python's ``random``, Keras/TensorFlow global seeds, an unseeded
#: ``keras.random``/``tf.random`` draw). Saving and putting back Python's state
#: (``random.getstate``/``random.setstate``) leaves it as it was and is allowed.
_GLOBAL_RANDOM = {
    ("np", "random", "seed"), ("numpy", "random", "seed"), ("keras", "utils", "set_random_seed"),
    ("tf", "random", "set_seed"),
}
_NUMPY_LEGACY = {"rand", "randn", "randint", "random", "random_sample", "choice", "shuffle",
                 "permutation", "normal", "uniform", "binomial", "poisson"}
#: Where a global reseed is the point: the notebooks' one explicit ``cu.set_seed(42)``.
_ALLOWED_RESEEDS = {"course_utils/config.py"}


def _dotted(node: ast.AST) -> tuple[str, ...]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return tuple(reversed(parts))


def _learner_modules() -> list[Path]:
    return [path for path in sorted(PACKAGE.rglob("*.py")) if "tooling" not in path.parts]


def global_random_calls(source: str) -> list[str]:
    """``line: call`` for every call in ``source`` that touches a global random state."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        legacy_numpy = len(name) == 3 and name[:2] in {("np", "random"), ("numpy", "random")} \
            and name[2] in _NUMPY_LEGACY
        python_random = len(name) == 2 and name[0] == "random" and name[1] not in {"getstate", "setstate"}
        unseeded_draw = len(name) == 3 and name[:2] in {("keras", "random"), ("tf", "random")} \
            and name[2] != "SeedGenerator" and not any(k.arg == "seed" for k in node.keywords)
        if name in _GLOBAL_RANDOM or legacy_numpy or python_random or unseeded_draw:
            found.append((node.lineno, f"{node.lineno}: {'.'.join(name)}(...)"))
    return [text for _, text in sorted(found)]


def test_the_scan_sees_reseeds_and_legacy_draws():
    source = ("import random, numpy as np, keras\nnp.random.seed(0)\nkeras.utils.set_random_seed(1)\n"
              "x = np.random.normal(size=3)\nrandom.shuffle(x)\nrng = np.random.default_rng(0)\n"
              "y = keras.random.normal((2,))\nz = keras.random.normal((2,), seed=keras.random.SeedGenerator(1))\n"
              "state = random.getstate()\nrandom.setstate(state)\n")
    assert global_random_calls(source) == ["2: np.random.seed(...)", "3: keras.utils.set_random_seed(...)",
                                           "4: np.random.normal(...)", "5: random.shuffle(...)",
                                           "7: keras.random.normal(...)"]


def test_no_learner_helper_reseeds_or_draws_from_the_global_random_state():
    offenders = {}
    for path in _learner_modules():
        relative = path.relative_to(ROOT).as_posix()
        calls = global_random_calls(path.read_text(encoding="utf-8"))
        if calls and relative not in _ALLOWED_RESEEDS:
            offenders[relative] = calls
    assert not offenders, (
        "helpers must take a seed or a numpy.random.Generator and leave the global state alone "
        f"(np.random.default_rng(seed), keras.random.SeedGenerator(seed)): {offenders}"
    )


#: Environment variables the tooling uses internally, with the reason they are not in config.
_INTERNAL_VARIABLES = {
    "COURSE_SANDBOX_ALLOWED": "the grading sandbox's own variable, set by tooling/sandbox.py for the "
                              "sitecustomize it writes into the sandbox (which cannot import course_utils)",
}


def test_environment_variable_names_are_spelled_only_in_config():
    spelled = {}
    for path in [*sorted(PACKAGE.rglob("*.py")), ROOT / "conftest.py"]:
        if path == PACKAGE / "config.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and node.value.startswith("COURSE_") and node.value.isupper()
                    and node.value not in _INTERNAL_VARIABLES):
                spelled.setdefault(path.relative_to(ROOT).as_posix(), []).append(node.value)
    assert not spelled, (
        "import the names from course_utils.config (FAST_ENV_VAR, DATA_DIR_ENV_VAR, "
        f"RESULTS_DIR_ENV_VAR, NOTEBOOK_ENV_VAR) instead of spelling them: {spelled}"
    )
