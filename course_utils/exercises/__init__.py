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
accuracy), never how the answer was written.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "Exercise",
    "ExerciseFailure",
    "NotAttemptedError",
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
               f"{call} should have shape {expected_array.shape}, got {got_array.shape}")  # fmt: skip
        expect(np.array_equal(got_array, expected_array),
               f"{call} has the right shape but wrong values, e.g. got {got_array.ravel()[:4]} "
               f"where {expected_array.ravel()[:4]} was expected")  # fmt: skip
        return
    expect(got == expected, f"{call} should be {expected!r}, got {got!r}")


def expect_close(got, expected, call: str, atol: float = 1e-5, rtol: float = 1e-5) -> None:
    """Like :func:`expect_equal` but for floats and float arrays, within a tolerance."""
    got_array, expected_array = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    expect(got_array.shape == expected_array.shape,
           f"{call} should have shape {expected_array.shape}, got {got_array.shape}")  # fmt: skip
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
    checker : callable
        ``checker(answer)``; raises :class:`ExerciseFailure` (use :func:`expect`,
        :func:`expect_equal`, :func:`expect_close`) when the answer is wrong.
    hints : sequence of str
        From gentle to nearly the answer.
    solution_code : str
        A reference solution, shown by :meth:`solution`.
    """

    key: str
    title: str
    checker: Callable
    hints: Sequence[str] = field(default_factory=tuple)
    solution_code: str = ""

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
        try:
            self.checker(answer)
        except NotImplementedError:
            raise NotAttemptedError(
                f"{self.key} not attempted yet: replace `raise NotImplementedError()` with your code "
                f"({self.title})."
            ) from None
        except ExerciseFailure as failure:
            raise type(failure)(f"{self.key}: {failure}") from None
        except Exception as error:  # the learner's code crashed: say where, in one line
            raise ExerciseFailure(
                f"{self.key}: your code raised {type(error).__name__}: {error}"
            ) from None
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

    def solution(self) -> str:
        """Print the reference solution and return it."""
        print(self.solution_code)
        return self.solution_code

    def reference_answer(self, name: str | None = None):
        """Run the reference solution and return the function it defines.

        For lecturers and tests: ``check(reference_answer())`` must pass.

        Parameters
        ----------
        name : str, optional
            The function to return when the solution defines several
            (default: the last one it defines).
        """
        import keras

        namespace: dict = {"np": np, "keras": keras}
        exec(self.solution_code, namespace)  # noqa: S102 - the course's own reference code
        defined = [key for key, value in namespace.items()
                   if callable(value) and key not in {"np", "keras", "__builtins__"}]  # fmt: skip
        if name is None:
            if not defined:
                raise ValueError(f"The solution of {self.key} defines no function.")
            name = defined[-1]
        if name not in namespace:
            raise ValueError(f"The solution of {self.key} defines {defined}, not {name!r}.")
        return namespace[name]


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
