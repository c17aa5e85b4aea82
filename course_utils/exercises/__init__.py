"""Exercises with instant feedback: ``check()``, ``hint()`` and ``solution()``.

Each exercise asks the learner to write a function. In a notebook::

    from course_utils.exercises import get_exercise
    exercise = get_exercise("01.max_pool_stride2")
    exercise.hint()           # first hint; hint(2) the next one
    exercise.check(my_max_pool)  # raises ExerciseFailure with a one-line message

:meth:`Exercise.check` raises :class:`ExerciseFailure` (an ``AssertionError``)
when the answer is wrong, :class:`NotAttemptedError` (a subclass) when the
learner's function still raises ``NotImplementedError``, and prints a success
line otherwise, so the same call serves as an autograder test.

Exercises are defined in the modules ``ex00`` ... ``ex07`` of this package,
one per notebook; a definition is an :class:`Exercise` whose ``checker`` calls
the learner's function on known inputs and compares behaviour (values, shapes,
accuracy), never how the answer was written, or whose ``cases`` declare that
as data (:class:`Case`: inputs, expected output, the message for that mistake).

Messages tell three things apart: a wrong answer (:class:`ExerciseFailure`),
the learner's function crashing (:class:`LearnerCodeError`: "your function
raised ValueError on input ..."), and a bug in the checker itself
(:class:`CheckerError`, which asks to report it). ``solution()`` shows the
reference answer only after at least one checked attempt (``solution(force=True)``
skips that on purpose); in a *graded release* of the package (built by
``course grading release --graded``) no reference answer exists at all.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Case",
    "CheckerError",
    "Exercise",
    "ExerciseFailure",
    "LearnerCodeError",
    "NotAttemptedError",
    "check_cases",
    "describe_value",
    "expect",
    "expect_close",
    "expect_equal",
    "get_exercise",
    "list_exercises",
    "register",
]


class ExerciseFailure(AssertionError):
    """The answer is wrong; the message says how, in one line."""


class NotAttemptedError(ExerciseFailure):
    """The exercise has not been attempted yet (its code still raises NotImplementedError)."""


class LearnerCodeError(ExerciseFailure):
    """The learner's function raised an exception (or ran too long) on some input."""


class CheckerError(RuntimeError):
    """The checker itself failed before it could judge the answer: a bug in the course."""


def _graded_release() -> bool:
    """True in a graded release of the package (no reference answers shipped)."""
    return importlib.util.find_spec(f"{__name__}._graded_release") is not None


def describe_value(value, limit: int = 60) -> str:
    """A short description of a value for messages: small arrays in full, big ones by shape."""
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            text = np.array2string(value, separator=", ").replace("\n", "")
            return f"array({text}, dtype={value.dtype})"
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)) and len(value) > 6:
        return f"a {type(value).__name__} of {len(value)} items"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _call_text(name: str, args: tuple, kwargs: dict) -> str:
    parts = [describe_value(a, 40) for a in args] + [f"{k}={describe_value(v, 40)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def _guarded(answer, calls: list):
    """Wrap the learner's function so its own crashes read as :class:`LearnerCodeError`."""
    if not callable(answer):
        return answer

    @functools.wraps(answer)
    def call(*args, **kwargs):
        calls.append(1)
        try:
            return answer(*args, **kwargs)
        except (NotImplementedError, ExerciseFailure):
            raise
        except Exception as error:
            name = getattr(answer, "__name__", "your function")
            raise LearnerCodeError(
                f"your code raised {type(error).__name__} on input "
                f"{_call_text(name, args, kwargs)}: {error}"
            ) from None

    return call


@dataclass
class Case:
    """One check declared as data: call the answer with ``args``, expect ``expected``.

    Attributes
    ----------
    args : tuple
        Positional inputs of the call.
    expected : object
        The right output: a number, a string, a (nested) list / tuple, or a NumPy
        array (then its shape and dtype kind are checked before its values).
    kwargs : dict
        Keyword inputs.
    message : str
        What this case catches, added to the failure message (e.g. "did you
        forget the biases?").
    atol, rtol : float or None
        Compare within a tolerance (floats, float arrays); None compares exactly.
    description : str
        How to name the inputs in messages (default: the inputs themselves).
    """

    args: tuple = ()
    expected: Any = None
    kwargs: dict = field(default_factory=dict)
    message: str = ""
    atol: float | None = None
    rtol: float = 1e-7
    description: str = ""


def _check_case(answer, name: str, case: Case) -> None:
    call = case.description or _call_text(name, case.args, case.kwargs)
    hint = f" ({case.message})" if case.message else ""
    got = answer(*case.args, **case.kwargs)
    expected = case.expected
    if got is None and expected is not None:
        raise ExerciseFailure(f"{call} returned None: did you forget `return`?{hint}")
    if isinstance(expected, np.ndarray):
        expect(isinstance(got, (np.ndarray, list, tuple)),
               f"{call} should return an array, got {type(got).__name__}{hint}")
        got_array = np.asarray(got)
        expect(got_array.shape == expected.shape,
               f"{call} should have shape {expected.shape}, got {got_array.shape}{hint}")
        if isinstance(got, np.ndarray) and expected.dtype.kind in "fc" and got.dtype.kind not in "fc":
            raise ExerciseFailure(f"{call} should be a float array, got dtype {got.dtype}{hint}")
        if isinstance(got, np.ndarray) and expected.dtype == np.float32 and got.dtype != np.float32:
            raise ExerciseFailure(f"{call} should have dtype float32, got {got.dtype}{hint}")
        if case.atol is None:
            same = np.array_equal(got_array, expected)
        else:
            same = got_array.dtype.kind in "biufc" and np.allclose(got_array, expected, atol=case.atol,
                                                                 rtol=case.rtol)
        if not same:
            raise ExerciseFailure(f"{call} has the right shape but wrong values: got "
                                  f"{describe_value(got_array)}, expected {describe_value(expected)}{hint}")
        return
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        expect(type(got) is type(expected) and got == expected, f"{call} should be {expected!r}, got {got!r}{hint}")
        return
    if isinstance(expected, (int, float)) and case.atol is not None:
        expect(np.ndim(got) == 0 and np.isreal(got),
               f"{call} should be a number, got {describe_value(got)}{hint}")
        expect(bool(np.isclose(float(got), expected, atol=case.atol, rtol=case.rtol)),
               f"{call} should be {expected!r}, got {float(got)!r}{hint}")
        return
    if isinstance(expected, int):
        expect(isinstance(got, (int, np.integer)) and not isinstance(got, bool),
               f"{call} should be an int, got {type(got).__name__} {describe_value(got)}{hint}")
        expect(int(got) == expected, f"{call} should be {expected}, got {int(got)}{hint}")
        return
    expect(got == expected, f"{call} should be {describe_value(expected)}, got {describe_value(got)}{hint}")


def check_cases(answer, name: str, cases: Sequence[Case]) -> None:
    """Run :class:`Case` checks in order; the first failing one raises :class:`ExerciseFailure`."""
    for case in cases:
        _check_case(answer, name, case)


def expect(condition: bool, message: str) -> None:
    """Raise :class:`ExerciseFailure` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ExerciseFailure(message)


def expect_equal(got, expected, call: str) -> None:
    """Fail with ``"<call> should be <expected>, got <got>"`` unless they are equal.

    Arrays are compared by shape and values (exactly).
    """
    if isinstance(expected, np.ndarray) or isinstance(got, np.ndarray):
        got_array, expected_array = np.asarray(got), np.asarray(expected)
        expect(got_array.shape == expected_array.shape,
               f"{call} should have shape {expected_array.shape}, got {got_array.shape}")
        expect(np.array_equal(got_array, expected_array),
               f"{call} has the right shape but wrong values, e.g. got {got_array.ravel()[:4]} "
               f"where {expected_array.ravel()[:4]} was expected")
        return
    expect(got == expected, f"{call} should be {expected!r}, got {got!r}")



def as_array(got, name: str) -> np.ndarray:
    """The learner's return value as an array; a missing ``return`` is said plainly."""
    expect(got is not None, f"{name} returned None: did you forget `return`?")
    return np.asarray(got)


def expect_array(got, expected, call: str, atol: float = 1e-6) -> None:
    """Shape first, then finiteness, then values, naming the first element that differs."""
    got = np.asarray(got)
    expect(got.shape == expected.shape, f"{call} should have shape {expected.shape}, got {got.shape}")
    expect(np.isfinite(got).all() or not np.isfinite(expected).all(), f"{call} contains nan or inf")
    if not np.allclose(got, expected, atol=atol):
        index = tuple(int(i) for i in np.argwhere(~np.isclose(got, expected, atol=atol))[0])
        expect(False, f"{call}{list(index)} should be {expected[index]:.6g}, got {got[index]:.6g}")


def expect_close(got, expected, call: str, atol: float = 1e-5, rtol: float = 1e-5) -> None:
    """Like :func:`expect_equal` but for floats and float arrays, within a tolerance."""
    got_array, expected_array = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    expect(got_array.shape == expected_array.shape,
           f"{call} should have shape {expected_array.shape}, got {got_array.shape}")
    if not np.allclose(got_array, expected_array, atol=atol, rtol=rtol):
        worst = np.unravel_index(np.argmax(np.abs(got_array - expected_array)), got_array.shape)
        where = f" at index {tuple(int(i) for i in worst)}" if got_array.ndim else ""
        raise ExerciseFailure(
            f"{call} should be {expected_array[worst]:.6g}{where}, got {got_array[worst]:.6g}"
        )


@dataclass
class Exercise:
    """One graded exercise.

    Attributes
    ----------
    key : str
        ``"<notebook number>.<short name>"``, e.g. ``"01.max_pool_stride2"``.
    title : str
        What the learner must write, in one line.
    checker : callable or None
        ``checker(answer)``; raises :class:`ExerciseFailure` (use :func:`expect`,
        :func:`expect_equal`, :func:`expect_close`) when the answer is wrong.
        None when ``cases`` say everything.
    hints : sequence of str
        From gentle to nearly the answer.
    solution_code : str
        A reference solution, shown by :meth:`solution` (empty in a graded release).
    cases : sequence of Case
        Checks declared as data, run before ``checker`` (see :class:`Case`).
    function_name : str
        The name of the learner's function in messages (default: its ``__name__``).
    """

    key: str
    title: str
    checker: Callable | None = None
    hints: Sequence[str] = field(default_factory=tuple)
    solution_code: str = ""
    cases: Sequence[Case] = field(default_factory=tuple)
    function_name: str = ""
    _checked: bool = field(default=False, init=False, repr=False, compare=False)

    def check(self, answer) -> bool:
        """Check the learner's answer; print a success line or raise.

        Parameters
        ----------
        answer : object
            Usually the learner's function.

        Returns
        -------
        bool
            True when the answer passes.

        Raises
        ------
        NotAttemptedError
            The answer still raises ``NotImplementedError`` (or is ``None`` / ``...``).
        ExerciseFailure
            The answer is wrong; the message says what was expected and what came back.
        """
        if answer is None or answer is Ellipsis:
            raise NotAttemptedError(f"{self.key} not attempted yet: {self.title}")
        calls: list = []
        guarded = _guarded(answer, calls)
        name = self.function_name or getattr(answer, "__name__", "answer")
        try:
            if self.cases:
                check_cases(guarded, name, self.cases)
            if self.checker is not None:
                self.checker(guarded)
        except NotImplementedError:
            raise NotAttemptedError(
                f"{self.key} not attempted yet: replace `raise NotImplementedError()` with your code "
                f"({self.title})."
            ) from None
        except ExerciseFailure as failure:
            self._checked = True
            raise type(failure)(f"{self.key}: {failure}") from None
        except Exception as error:
            if not calls:  # it failed before calling the answer: the checker's own bug
                raise CheckerError(
                    f"{self.key}: the checker failed before it could look at your answer "
                    f"({type(error).__name__}: {error}). This is a bug in the course, not in your "
                    "code: please report it."
                ) from None
            self._checked = True  # it broke on what the answer returned: the answer's shape is off
            raise ExerciseFailure(
                f"{self.key}: checking what your function returned failed with "
                f"{type(error).__name__}: {error} (check the type and shape of your result)"
            ) from None
        self._checked = True
        print(f"Correct: {self.key} passes all checks.")
        return True

    def hint(self, level: int = 1) -> str:
        """Print hint number ``level`` (1 = gentlest) and return it."""
        if not self.hints:
            text = "No hint for this one: re-read the section above the exercise."
        elif not 1 <= level <= len(self.hints):
            raise ValueError(f"{self.key} has hints 1 to {len(self.hints)}, not {level}.")
        else:
            text = f"Hint {level}/{len(self.hints)}: {self.hints[level - 1]}"
        print(text)
        return text

    def solution(self, force: bool = False) -> str:
        """Print the reference solution and return it (after a checked attempt).

        Parameters
        ----------
        force : bool
            Show it even before any attempt was checked (on purpose).
        """
        if _graded_release() or not self.solution_code:
            text = (f"No reference answer for {self.key} in this release: it is graded. "
                    "Ask your lecturer after the deadline.")
        elif not (self._checked or force):
            text = (f"Try {self.key} first: run the check cell with your answer once. "
                    "(To see the answer without trying, call .solution(force=True).)")
        else:
            text = self.solution_code
        print(text)
        return text

    def reference_answer(self, name: str | None = None):
        """Run the reference solution and return the function it defines.

        For lecturers and tests: ``check(reference_answer())`` must pass.

        Parameters
        ----------
        name : str, optional
            The function to return when the solution defines several
            (default: the last one it defines).

        Raises
        ------
        RuntimeError
            In a graded release (no reference answers are shipped).
        """
        if _graded_release() or not self.solution_code.strip():
            raise RuntimeError(f"No reference answer for {self.key}: this is a graded release.")
        import keras

        namespace: dict = {"np": np, "keras": keras}
        exec(self.solution_code, namespace)  # noqa: S102 - the course's own reference code
        defined = [key for key, value in namespace.items()
                   if callable(value) and key not in {"np", "keras", "__builtins__"}]
        if name is None:
            if not defined:
                raise ValueError(f"The solution of {self.key} defines no function.")
            name = defined[-1]
        if name not in namespace:
            raise ValueError(f"The solution of {self.key} defines {defined}, not {name!r}.")
        return namespace[name]

    def run_reference(self, *args, **kwargs):
        """Call the reference answer on these inputs and return its output.

        The one helper for tests and lecturers who need "what should come out";
        equivalent to ``reference_answer()(*args, **kwargs)``.
        """
        return self.reference_answer()(*args, **kwargs)


_REGISTRY: dict[str, Exercise] = {}
_loaded_all = False


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry (done by the ``exNN`` modules)."""
    if exercise.key in _REGISTRY:
        raise ValueError(f"Exercise {exercise.key!r} is defined twice.")
    _REGISTRY[exercise.key] = exercise
    return exercise


def _load_all() -> None:
    global _loaded_all
    if _loaded_all:
        return
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("ex"):
            importlib.import_module(f"{__name__}.{module.name}")
    _loaded_all = True


def list_exercises(notebook: str | None = None) -> list[str]:
    """Return the keys of all exercises, or of one notebook's (e.g. ``"01"``)."""
    _load_all()
    return sorted(key for key in _REGISTRY if notebook is None or key.startswith(f"{notebook}."))


def get_exercise(key: str) -> Exercise:
    """Return the exercise called ``key`` (e.g. ``"01.max_pool_stride2"``)."""
    _load_all()
    if key not in _REGISTRY:
        raise KeyError(f"No exercise {key!r}; known exercises: {', '.join(list_exercises())}.")
    return _REGISTRY[key]
