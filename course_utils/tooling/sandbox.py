"""Grading that a submission can neither fool nor use to reach the grade book.

How one submission is graded (:func:`grade_submission`):

1. **Throw-away copy, confined process.** The learner's notebook is copied into
   a fresh folder outside the course folder, its test cells (visible and
   hidden) are blanked, and it runs in a fresh kernel under bubblewrap
   (``bwrap``): new user, mount, PID, IPC, UTS, cgroup and network namespaces
   (no network), a file system made of read-only system folders, the Python
   environment, the data folder and a *graded package* (``course_utils``
   without any reference answer, :func:`build_graded_package`) plus the
   writable throw-away folder. The course folder, the grade book, the source
   notebooks and the other submissions do not exist in there. Memory
   (``RLIMIT_AS``), file size, each cell's time and the whole run's time are
   bounded. Without a working bubblewrap grading stops with
   :class:`SandboxUnavailable` (never a silent run without confinement).
2. **The grader asks, the sandbox answers with data.** At each test cell's
   place the kernel pauses; the grader runs the *trusted* test-cell code of the
   SOURCE notebook in its own interpreter, where each graded function (a name
   defined in a solution cell) is a proxy: a call sends the plain arguments
   into the sandbox, the learner's function runs there, and only plain data
   come back (:mod:`.plain`: ``type(x) is int``, arrays as bytes of an
   allow-listed dtype, never pickles). Comparisons, ``np.allclose``,
   ``get_exercise(...).check`` all run in the grader, on values of built-in /
   NumPy types: monkeypatching, ``__eq__`` tricks, redefining ``get_exercise``,
   edited test cells or printed fake "Correct" lines change nothing it sees.
   The hidden tests' expected values never enter the sandbox.
3. **Only the grader writes scores.** The per-test results go to
   ``<course>/sandbox/<assignment>/<student>.json``; nbgrader's autograde then
   runs with :class:`ApplySandboxResults` in place of its kernel, so nbgrader's
   grade book, feedback and export work as before.

The lecturers' guide (``docs/lecturers.md``) states the threat model.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np

from . import plain

__all__ = [
    "ApplySandboxResults",
    "Limits",
    "SandboxUnavailable",
    "build_graded_package",
    "check_confinement",
    "grade_submission",
    "prepare_sandbox_lib",
    "strip_solutions",
]

_PACKAGE = Path(__file__).resolve().parents[1]  # course_utils/
_AUDIT_PREFIX = "SANDBOX-AUDIT: "
_SANDBOX_ROOT = "/sandbox"


class SandboxUnavailable(RuntimeError):
    """No OS-level confinement (bubblewrap) works here: grading refuses to run."""


@dataclass
class Limits:
    """What one submission may use.

    Attributes
    ----------
    memory_bytes : int
        Address-space limit of every process in the sandbox (``RLIMIT_AS``);
        TensorFlow needs about 3 GiB of address space to start.
    cell_timeout_s : int
        Seconds one notebook cell, or one call of the learner's function, may run.
    wall_s : int
        Seconds the whole submission may take (kernel start to last test).
    file_bytes : int
        Largest file the submission may write (``RLIMIT_FSIZE``).
    threads : int
        Threads for NumPy / TensorFlow in the kernel (``OMP_NUM_THREADS`` ...).
    """

    memory_bytes: int = 4 * 1024**3
    cell_timeout_s: int = 120
    wall_s: int = 900
    file_bytes: int = 512 * 1024**2
    threads: int = 1


# --------------------------------------------------------------------------- confinement


def _bwrap() -> str | None:
    return shutil.which("bwrap")


def check_confinement() -> str:
    """Return the confinement used (``"bubblewrap"``) or raise :class:`SandboxUnavailable`.

    Runs ``bwrap --unshare-all ... true`` once: bubblewrap must be installed
    (Debian/Ubuntu package ``bubblewrap``) and allowed to create namespaces
    (as root, or with unprivileged user namespaces enabled).
    """
    executable = _bwrap()
    if executable is None:
        raise SandboxUnavailable(
            "bubblewrap (`bwrap`) is not installed, and autograding refuses to run learners' "
            "code without confinement. Install it: `sudo apt-get install bubblewrap` "
            "(Debian/Ubuntu) or `dnf install bubblewrap` (Fedora)."
        )
    command = [executable, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
               "--proc", "/proc", "--dev", "/dev", "true"]
    process = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if process.returncode != 0:
        raise SandboxUnavailable(
            "bubblewrap is installed but cannot create a sandbox here "
            f"({process.stderr.strip() or 'exit ' + str(process.returncode)}). Run the grading "
            "as root, or allow unprivileged user namespaces (`sysctl "
            "kernel.unprivileged_userns_clone=1`; on Ubuntu 24.04 also "
            "`kernel.apparmor_restrict_unprivileged_userns=0`); inside Docker, start the "
            "container with `--security-opt seccomp=unconfined` or `--privileged`."
        )
    return "bubblewrap"


def _system_binds() -> list[str]:
    args: list[str] = []
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"):
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    return args


def _python_binds() -> list[str]:
    """The interpreter, its standard library and the environment's packages, read-only."""
    roots: list[Path] = []
    for entry in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                  *[p for p in sys.path if p and "site-packages" in p]):
        path = Path(entry)
        if path.is_dir():
            roots.append(path)
    executable = Path(sys.executable)
    roots.append(executable.resolve().parent.parent)
    args: list[str] = []
    seen: list[Path] = []
    for root in sorted({r.resolve() for r in roots} | {Path(p) for p in roots}, key=lambda p: len(str(p))):
        if any(str(root).startswith(str(s) + os.sep) or root == s for s in seen):
            continue
        if str(root).startswith(("/usr/", "/lib")) or str(root) in ("/usr", "/"):
            continue
        seen.append(root)
        args += ["--ro-bind", str(root), str(root)]
    return args


def _sandbox_command(workspace: Path, package_parent: Path, data_dir: Path | None,
                     limits: Limits, environment: dict[str, str]) -> list[str]:
    bwrap = _bwrap()
    if bwrap is None:
        check_confinement()  # raises with the explanation
    args = ["prlimit", f"--as={limits.memory_bytes}", f"--fsize={limits.file_bytes}", "--core=0",
            "--", bwrap, "--unshare-all", "--die-with-parent", "--new-session",
            "--clearenv", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    args += _system_binds() + _python_binds()
    for secret in ("/etc/shadow", "/etc/gshadow", "/etc/sudoers"):
        if Path(secret).exists():
            args += ["--ro-bind", "/dev/null", secret]
    # Wherever the trusted course_utils lies (an installed copy in site-packages
    # with its reference answers), the sandbox sees the graded copy instead.
    args += ["--ro-bind", str(package_parent / "course_utils"), str(_PACKAGE)]
    if data_dir is not None and data_dir.is_dir():
        args += ["--ro-bind", str(data_dir), str(data_dir)]
    args += ["--ro-bind", str(package_parent), f"{_SANDBOX_ROOT}/lib",
             "--bind", str(workspace / "work"), f"{_SANDBOX_ROOT}/work",
             "--bind", str(workspace / "io"), f"{_SANDBOX_ROOT}/io",
             "--chdir", f"{_SANDBOX_ROOT}/work"]
    for key, value in environment.items():
        args += ["--setenv", key, value]
    args += [sys.executable, "-m", "course_utils.tooling.sandbox_runner"]
    return args


# --------------------------------------------------------------------------- graded package


def strip_solutions(source: str) -> str:
    """Return a module's source with every ``solution_code=`` answer replaced by ``""``.

    Handles a literal (``solution_code="def f(): ..."``) and a module-level
    constant it names (``solution_code=CONV_SOLUTION`` with ``CONV_SOLUTION = '''...'''``).
    """
    tree = ast.parse(source)
    spans: list[tuple[int, int, int, int]] = []
    named: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "solution_code":
            if isinstance(node.value, ast.Name):
                named.add(node.value.id)
            else:
                value = node.value
                spans.append((value.lineno, value.col_offset, value.end_lineno, value.end_col_offset))
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in named for t in targets) and node.value is not None:
                value = node.value
                spans.append((value.lineno, value.col_offset, value.end_lineno, value.end_col_offset))
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line.encode("utf-8")))
    data = source.encode("utf-8")
    for start_line, start_col, end_line, end_col in sorted(spans, reverse=True):
        start = offsets[start_line - 1] + start_col
        end = offsets[end_line - 1] + end_col
        data = data[:start] + b'""' + data[end:]
    return data.decode("utf-8")


def _answer_lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if len(line.strip()) >= 12}


def build_graded_package(destination: Path, package: Path | None = None) -> Path:
    """Copy ``course_utils`` into ``destination/course_utils`` without reference answers.

    Every ``solution_code`` in ``exercises/ex*.py`` becomes ``""`` and the copy
    is marked as a graded release, so ``solution()`` and ``reference_answer()``
    refuse. Raises ``RuntimeError`` if a line of any reference answer is still
    in the copy.

    Returns
    -------
    pathlib.Path
        ``destination/course_utils``.
    """
    package = Path(package or _PACKAGE)
    target = Path(destination) / "course_utils"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(package, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for module in sorted((target / "exercises").glob("ex*.py")):
        module.write_text(strip_solutions(module.read_text(encoding="utf-8")), encoding="utf-8")
    (target / "exercises" / "_graded_release.py").write_text(
        '"""Marker: this copy of course_utils has no reference answers (a graded release)."""\n'
        "GRADED_RELEASE = True\n",
        encoding="utf-8",
    )
    from ..exercises import _REGISTRY, _load_all

    _load_all()
    texts = [path.read_text(encoding="utf-8") for path in (target / "exercises").rglob("*.py")]
    for key, exercise in _REGISTRY.items():
        body = exercise.solution_code.strip()
        if body and any(body in text or repr(body)[1:-1] in text for text in texts):
            raise RuntimeError(f"the reference answer of {key} is still in the graded package")
    return target


def answers_in_topic_modules(package: Path | None = None) -> dict[str, list[str]]:
    """Exercises whose reference answer shares lines with a module a graded release keeps.

    The topic modules (``course_utils.ops``, ``detection`` ...) are course
    content the notebooks use as yardsticks, and a checker may compute its
    expected values with the same formula, so a graded release keeps them;
    an answer that can be copied from one of them is listed here (the release
    command prints it, and the grader flags answer cells that use course_utils).

    Returns
    -------
    dict
        ``{exercise key: [module file names]}``.
    """
    from ..exercises import _REGISTRY, _load_all

    _load_all()
    package = Path(package or _PACKAGE)
    texts = {}
    for path in package.rglob("*.py"):
        if "tooling" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "exercises" in path.parts:
            text = strip_solutions(text)  # as the graded package has it
        texts[path.relative_to(package).as_posix()] = {line.strip() for line in text.splitlines()}
    found: dict[str, list[str]] = {}
    for key, exercise in sorted(_REGISTRY.items()):
        lines = _answer_lines(exercise.solution_code)
        modules = [name for name, text in texts.items() if len(lines & text) >= 2]
        if modules:
            found[key] = modules
    return found


# --------------------------------------------------------------------------- notebooks


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _is_test(cell) -> bool:
    meta = _meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


@dataclass
class _Test:
    grade_id: str
    code: str
    points: float


def _source_plan(source_path: Path) -> tuple[list[_Test], set[str], list[str]]:
    """The source notebook's test cells, the names its solution cells define, its imports."""
    notebook = nbformat.read(source_path, as_version=4)
    tests, names, imports = [], set(), []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        meta = _meta(cell)
        if _is_test(cell):
            tests.append(_Test(meta["grade_id"], cell.source, float(meta.get("points", 0))))
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics: not needed by the tests
            continue
        for node in tree.body:
            if meta.get("solution") and isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                names.add(node.name)
            elif meta.get("solution") and isinstance(node, ast.Assign):
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
            elif not meta.get("solution") and isinstance(node, (ast.Import, ast.ImportFrom)):
                imports.append(ast.unparse(node))
    return tests, names, imports


def _free_names(code: str) -> list[str]:
    """Names a test cell reads that it does not define itself (in order of appearance)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    assigned = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            assigned.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            assigned.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            assigned |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.arg):
            assigned.add(node.arg)
    import builtins

    seen = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id not in assigned and not hasattr(builtins, node.id) and node.id not in seen:
                seen.append(node.id)
    return seen


def _solution_cells_using_course_utils(notebook) -> list[str]:
    """Grade ids of answer cells that reach into course_utils (worth a look by hand)."""
    suspicious = ("course_utils", "get_exercise", "reference_answer", ".solution(", "cu.", "ops.")
    found = []
    for cell in notebook.cells:
        meta = _meta(cell)
        if cell.cell_type == "code" and meta.get("solution") and any(s in cell.source for s in suspicious):
            found.append(meta.get("grade_id", "?"))
    return found


# --------------------------------------------------------------------------- grader side


class _ThreadOutput(io.TextIOBase):
    """``sys.stdout`` that writes into a per-thread buffer while a test cell runs."""

    def __init__(self, fallback):
        self._fallback = fallback
        self._local = threading.local()

    def capture(self, buffer: io.StringIO | None) -> None:
        self._local.buffer = buffer

    def write(self, text: str) -> int:
        buffer = getattr(self._local, "buffer", None)
        return (buffer or self._fallback).write(text)

    def flush(self) -> None:
        buffer = getattr(self._local, "buffer", None)
        (buffer or self._fallback).flush()


_OUTPUT_LOCK = threading.Lock()


def _thread_output() -> _ThreadOutput:
    with _OUTPUT_LOCK:
        if not isinstance(sys.stdout, _ThreadOutput):
            sys.stdout = _ThreadOutput(sys.stdout)
        return sys.stdout


class _SandboxGone(Exception):
    pass


class _Session:
    """One running sandbox: the protocol pipes, the stderr log, the deadline."""

    def __init__(self, command: list[str], log_lines: list[str], wall_s: float):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, start_new_session=True)
        self.deadline = time.monotonic() + wall_s
        self.messages: queue.Queue = queue.Queue()
        self.log_lines = log_lines
        self.dead = False
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        for line in self.process.stdout:
            if len(line) > plain.MAX_MESSAGE_BYTES:
                self.messages.put({"malformed": "message too large"})
                continue
            try:
                self.messages.put(plain.loads(line))
            except (ValueError, plain.NotPlainData) as error:
                self.messages.put({"malformed": str(error)})
        self.messages.put(None)

    def _read_stderr(self) -> None:
        total = 0
        for raw in self.process.stderr:
            total += len(raw)
            if total < 2_000_000:
                self.log_lines.append(raw.decode("utf-8", errors="replace").rstrip("\n"))

    def send(self, message: dict) -> None:
        try:
            self.process.stdin.write((plain.dumps(message) + "\n").encode("utf-8"))
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as error:
            raise _SandboxGone(f"the sandbox stopped ({type(error).__name__})") from None

    def receive(self, timeout_s: float | None = None) -> dict:
        limit = self.deadline - time.monotonic()
        if timeout_s is not None:
            limit = min(limit, timeout_s)
        try:
            message = self.messages.get(timeout=max(limit, 0.01))
        except queue.Empty:
            raise _SandboxGone("time limit reached") from None
        if message is None:
            raise _SandboxGone("the sandbox stopped")
        return message

    def close(self) -> int | None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, 9)
            except ProcessLookupError:
                pass
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            return None


class _RemoteFunction:
    """Stands for a learner's function in the grader: calls cross as plain data."""

    def __init__(self, grader: _Grader, name: str):
        self._grader, self.__name__, self.__qualname__ = grader, name, name

    def __call__(self, *args, **kwargs):
        return self._grader.call(self.__name__, args, kwargs)

    def __repr__(self) -> str:
        return f"<the submission's {self.__name__}>"


class _Grader:
    """Runs the trusted test cells of one submission against its sandbox."""

    def __init__(self, session: _Session, limits: Limits, names: set[str], imports: list[str]):
        from ..exercises import LearnerCodeError

        self.session, self.limits, self.names, self.imports = session, limits, names, imports
        self.error = LearnerCodeError
        self.namespace: dict = {"__name__": "__main__", "np": np}
        self.fetched: set[str] = set()  # names whose value came from the sandbox (fetched anew per test)
        self.calls = 0

    def _trusted_imports(self, wanted: list[str]) -> None:
        for statement in self.imports:
            tree = ast.parse(statement).body[0]
            bound = {(a.asname or a.name).split(".")[0] for a in tree.names}
            if bound & set(wanted) and not bound <= set(self.namespace):
                try:
                    exec(statement, self.namespace)  # noqa: S102 - imports of the source notebook
                except Exception:  # a library missing on the grader: the test will say NameError
                    pass

    def _request(self, message: dict) -> dict:
        if self.session.dead:
            return {"dead": True}
        self.session.send(message)
        reply = self.session.receive(self.limits.cell_timeout_s + 60)
        if "malformed" in reply or type(reply.get("reply")) is not dict:
            return {"no_reply": reply.get("malformed", "malformed reply")}
        reply = reply["reply"]
        if reply.get("dead"):
            self.session.dead = True
        return reply

    def call(self, name: str, args: tuple, kwargs: dict):
        self.calls += 1
        call_text = f"{name}({', '.join([plain.describe(a, 40) for a in args] + [f'{k}={plain.describe(v, 40)}' for k, v in kwargs.items()])})"
        try:
            message = {"op": "call", "name": name, "args": plain.encode(list(args)),
                       "kwargs": plain.encode(dict(kwargs))}
        except plain.NotPlainData as error:
            raise RuntimeError(f"grader bug: the test passes {error} to {name}; tests may only pass plain data") from None
        try:
            reply = self._request(message)
        except _SandboxGone as gone:
            self.session.dead = True
            raise self.error(f"{call_text}: no answer, {gone}") from None
        if "ok" in reply:
            try:
                return plain.decode(reply["ok"])
            except plain.NotPlainData as error:
                raise self.error(f"{call_text}: {error}") from None
        if "raised" in reply:
            ename, text = str(reply.get("raised"))[:80], str(reply.get("message", ""))[:300]
            if ename == "NotImplementedError":
                raise NotImplementedError(text)
            where = f" ({reply['where']})" if reply.get("where") else ""
            raise self.error(f"your code raised {ename} on input {call_text}{where}: {text}")
        if "not_plain" in reply:
            raise self.error(f"{call_text} returned {str(reply['not_plain'])[:300]}")
        if reply.get("timeout"):
            raise self.error(f"{call_text} ran longer than {self.limits.cell_timeout_s} s and was stopped")
        if reply.get("dead"):
            raise self.error(f"the kernel died while running {call_text} (or before: see the log)")
        if reply.get("missing"):
            raise self.error(f"{name} is not defined in the notebook at this test (run its answer cell)")
        raise self.error(f"{call_text}: no valid answer from the sandbox ({reply.get('no_reply', '?')})")

    def _fetch(self, name: str) -> None:
        if name in self.names:
            self.namespace[name] = _RemoteFunction(self, name)
            return
        try:
            reply = self._request({"op": "get", "name": name})
        except _SandboxGone:
            self.session.dead = True
            return
        if "ok" in reply:
            try:
                self.namespace[name] = plain.decode(reply["ok"])
            except plain.NotPlainData:
                self.namespace.pop(name, None)
        elif reply.get("callable"):
            self.namespace[name] = _RemoteFunction(self, name)
        else:
            self.namespace.pop(name, None)

    def run_test(self, test: _Test) -> dict:
        from ..exercises import get_exercise

        wanted = _free_names(test.code)
        self.namespace.setdefault("get_exercise", get_exercise)
        self._trusted_imports(wanted)
        for name in wanted:
            if name in self.names or name in self.fetched or name not in self.namespace:
                self.fetched.add(name)
                self._fetch(name)
        buffer = io.StringIO()
        output = _thread_output()
        output.capture(buffer)
        error = None
        try:
            exec(compile(test.code, f"<test cell {test.grade_id}>", "exec"), self.namespace)  # noqa: S102
        except BaseException as exception:  # the test failed: that is the result, never a crash
            lines = traceback.format_exception_only(type(exception), exception)
            error = {"ename": type(exception).__name__, "evalue": str(exception)[:1000],
                     "traceback": [line.rstrip("\n") for line in lines]}
            if type(exception).__name__ == "AssertionError" and not str(exception):
                frames = traceback.extract_tb(exception.__traceback__)
                own = [f for f in frames if f.filename.startswith("<test cell")]
                if own:
                    line = test.code.splitlines()[own[-1].lineno - 1].strip()
                    error["evalue"] = f"failed: {line}"
                    error["traceback"] = [f"AssertionError: failed: {line}"]
        finally:
            output.capture(None)
        return {"grade_id": test.grade_id, "points": test.points, "passed": error is None,
                "output": buffer.getvalue()[-5000:], "error": error}


def _environment(limits: Limits, fast: bool, data_dir: Path | None) -> dict[str, str]:
    from ..config import DATA_DIR_ENV_VAR, FAST_ENV_VAR

    threads = str(max(1, int(limits.threads)))
    environment = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp/home", "PYTHONPATH": f"{_SANDBOX_ROOT}/lib",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter-runtime", "JUPYTER_DATA_DIR": "/tmp/jupyter-data",
        "IPYTHONDIR": "/tmp/ipython", "MPLCONFIGDIR": "/tmp/matplotlib", "MPLBACKEND": "agg",
        "KERAS_HOME": "/tmp/keras", "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2",
        "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads, "MKL_NUM_THREADS": threads,
        "TF_NUM_INTRAOP_THREADS": threads, "TF_NUM_INTEROP_THREADS": threads,
        "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8",
        FAST_ENV_VAR: "1" if fast else "0",
        "COURSE_SANDBOX_ALLOWED": ":".join([f"{_SANDBOX_ROOT}/", "/tmp/", "/dev/", "/proc/", "/sys/",
                                            "/usr/", "/etc/", "/lib", "/bin/", "/sbin/",
                                            sys.prefix + "/", sys.base_prefix + "/",
                                            str(Path(sys.executable).resolve().parent.parent) + "/"]
                                           + ([str(data_dir) + "/"] if data_dir else [])),
    }
    if data_dir is not None:
        environment[DATA_DIR_ENV_VAR] = str(data_dir)
    return environment


_SITECUSTOMIZE = r'''
"""Installed by the grading sandbox: report file access outside the sandbox's folders.

Audit hooks cannot be removed once added; the report goes to the sandbox log
(the grader's side of a pipe). Reporting is best effort: the protection is that
those paths do not exist in the sandbox at all.
"""
import os as _os
import sys as _sys


def _install():
    if not any("ipykernel" in arg for arg in getattr(_sys, "orig_argv", _sys.argv)):
        return  # only the learner's kernel is watched
    allowed = tuple(p for p in _os.environ.get("COURSE_SANDBOX_ALLOWED", "").split(":") if p)
    writable = ("/sandbox/work/", "/sandbox/io/", "/tmp/", "/dev/")
    try:
        report_fd = _os.dup(2)
        _os.set_inheritable(report_fd, False)
    except OSError:
        return
    busy = []

    def report(text):
        try:
            _os.write(report_fd, ("SANDBOX-AUDIT: " + text + "\n").encode("utf-8", "replace"))
        except OSError:
            pass

    def absolute(path):
        if isinstance(path, bytes):
            path = path.decode("utf-8", "replace")
        if not isinstance(path, str):
            try:
                path = _os.fspath(path)
            except TypeError:
                return None
            if isinstance(path, bytes):
                path = path.decode("utf-8", "replace")
        return _os.path.normpath(_os.path.join(_os.getcwd(), path)) + ("/" if path.endswith("/") else "")

    def hook(event, args):
        if busy or event not in ("open", "os.listdir", "os.scandir", "os.remove", "os.rename",
                                 "os.mkdir", "os.rmdir", "shutil.rmtree", "os.chmod",
                                 "subprocess.Popen", "os.system", "socket.connect", "sqlite3.connect"):
            return
        busy.append(1)
        try:
            if event == "sqlite3.connect" and str(args[0]) in (":memory:", ""):
                return
            if event in ("subprocess.Popen", "os.system", "socket.connect", "sqlite3.connect"):
                if event == "subprocess.Popen" and str(args[0]).rsplit("/", 1)[-1] == "uname":
                    return  # the platform module asks for the processor name
                report(f"{event} {str(args[:2])[:200]}")
                return
            if not args or isinstance(args[0], int):
                return
            path = absolute(args[0])
            if path is None:
                return
            probe = path if path.endswith("/") else path + "/"
            if event == "open":
                mode = args[1] if len(args) > 1 and isinstance(args[1], str) else "r"
                flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
                writing = any(c in mode for c in "wax+") or flags & (_os.O_WRONLY | _os.O_RDWR)
                creating = any(c in mode for c in "wxa") or flags & _os.O_CREAT
                if not probe.startswith(allowed):
                    report(f"open {path!r} (mode {mode!r}): outside the sandbox's folders")
                elif writing and not probe.startswith(writable):
                    report(f"open {path!r} for writing: read-only in the sandbox")
                elif (not creating and not probe.startswith(("/sandbox/", "/dev/", "/proc/", "/sys/", "/tmp/ipykernel_",
                                                              "/tmp/matplotlib/", "/tmp/home/", "/tmp/ipython/",
                                                              "/tmp/keras/", "/tmp/jupyter-"))
                      and not path.endswith(".pyc") and not _os.path.exists(path)):
                    report(f"open {path!r} (mode {mode!r}): no such file in the sandbox")
            elif event in ("os.listdir", "os.scandir"):
                if not probe.startswith(allowed) or probe in ("/", "/sandbox/"):
                    report(f"{event} {path!r}: looking outside its folder")
            elif not probe.startswith(writable):
                report(f"{event} {path!r}: outside its folder")
        except Exception:
            pass
        finally:
            busy.clear()

    _sys.addaudithook(hook)


_install()
del _install
'''


def _prepare_workspace(submission: Path, tests: list[_Test], scratch_root: Path | None,
                       name: str) -> tuple[Path, dict[str, int]]:
    workspace = Path(tempfile.mkdtemp(prefix="course-sandbox-", dir=scratch_root))
    (workspace / "work").mkdir()
    (workspace / "io").mkdir()
    notebook = nbformat.read(submission, as_version=4)
    wanted = {test.grade_id for test in tests}
    positions: dict[str, int] = {}
    for index, cell in enumerate(notebook.cells):
        grade_id = _meta(cell).get("grade_id")
        if cell.cell_type == "code" and grade_id in wanted:
            cell.source = ""  # the trusted test runs in the grader, not here
            cell.outputs = []
            positions.setdefault(grade_id, index)
    nbformat.write(notebook, workspace / "work" / name)
    return workspace, positions


def grade_submission(submission: Path, source: Path, package_parent: Path, *,
                     limits: Limits | None = None, fast: bool = True, data_dir: Path | None = None,
                     scratch_root: Path | None = None) -> dict:
    """Grade one submission in a sandbox; return plain results (never raises for the learner's doing).

    Parameters
    ----------
    submission : pathlib.Path
        The learner's notebook (never modified).
    source : pathlib.Path
        The instructor source notebook: its test cells are the trusted tests.
    package_parent : pathlib.Path
        The folder written by :func:`prepare_sandbox_lib` (graded ``course_utils``).
    limits : Limits, optional
    fast : bool
        Run the notebook in fast mode.
    data_dir : pathlib.Path, optional
        The course data folder, visible read-only.
    scratch_root : pathlib.Path, optional
        Where the throw-away copies go (default: the system temp folder).

    Returns
    -------
    dict
        ``{"tests": {grade_id: {"passed", "points", "output", "error"}}, "score",
        "max_score", "dead_at", "timed_out", "cells", "incidents", "seconds", ...}``.
    """
    limits = limits or Limits()
    start = time.perf_counter()
    tests, names, imports = _source_plan(Path(source))
    result: dict = {"submission": str(submission), "sha256": hashlib.sha256(Path(submission).read_bytes()).hexdigest(),
                    "tests": {}, "incidents": [], "dead_at": None, "timed_out": False, "cells": [],
                    "readable": True}
    log_lines: list[str] = []
    try:
        workspace, positions = _prepare_workspace(Path(submission), tests, scratch_root, Path(source).name)
    except Exception as error:  # not a notebook
        result["readable"] = False
        result["incidents"].append(f"the submission could not be read as a notebook: {error}")
        workspace, positions = None, {}
    session = None
    try:
        if workspace is not None:
            before = set(os.listdir(workspace / "work"))
            command = _sandbox_command(workspace, Path(package_parent), data_dir, limits,
                                       _environment(limits, fast, data_dir))
            session = _Session(command, log_lines, limits.wall_s)
            session.notebook_name = Path(source).name
            _drive(session, limits, tests, names, imports, positions, result)
            after = set(os.listdir(workspace / "work"))
            written = sorted(after - before)
            if written:
                result["incidents"].append(f"wrote files next to its notebook (thrown away): {written[:10]}")
    except SandboxUnavailable:
        raise
    except Exception as error:  # a grader-side failure: say so, never score it
        result["incidents"].append(f"grader error: {type(error).__name__}: {error}")
        result["grader_error"] = True
    finally:
        if session is not None:
            session.close()
        if workspace is not None:
            shutil.rmtree(workspace, ignore_errors=True)
    for test in tests:
        result["tests"].setdefault(test.grade_id, {
            "grade_id": test.grade_id, "points": test.points, "passed": False, "output": "",
            "error": {"ename": "NotRun", "evalue": "this test could not run: " + (
                "the test cell is missing from the submission" if test.grade_id not in positions
                else "the notebook stopped before it (see the incidents)"),
                "traceback": []},
        })
    audit = list(dict.fromkeys(line[len(_AUDIT_PREFIX):] for line in log_lines if line.startswith(_AUDIT_PREFIX)))
    if audit:
        result["incidents"].append(f"blocked or outside-folder access attempts ({len(audit)}): " + "; ".join(audit[:20]))
    result["audit"] = audit[:200]
    result["log"] = [line for line in log_lines if not line.startswith(_AUDIT_PREFIX)][-200:]
    result["score"] = float(sum(t["points"] for t in result["tests"].values() if t["passed"]))
    result["max_score"] = float(sum(t.points for t in tests))
    result["seconds"] = round(time.perf_counter() - start, 2)
    if workspace is not None and result.get("readable", True):
        try:
            flagged = _solution_cells_using_course_utils(nbformat.read(submission, as_version=4))
        except Exception:
            flagged = []
        if flagged:
            result["incidents"].append(f"answer cells that use course_utils (check by hand): {flagged}")
    return result


def _drive(session: _Session, limits: Limits, tests: list[_Test], names: set[str],
           imports: list[str], positions: dict[str, int], result: dict) -> None:
    grader = _Grader(session, limits, names, imports)
    by_index: dict[int, list[_Test]] = {}
    for test in tests:
        if test.grade_id in positions:
            by_index.setdefault(positions[test.grade_id], []).append(test)
    try:
        session.send({"notebook": f"{_SANDBOX_ROOT}/work/{_notebook_name(session)}",
                      "test_positions": sorted(by_index), "io_dir": f"{_SANDBOX_ROOT}/io",
                      "cell_timeout": limits.cell_timeout_s})
        ready = session.receive(300)
        if ready.get("event") != "ready":
            raise _SandboxGone(f"unexpected first message {str(ready)[:100]}")
        while True:
            message = session.receive()
            event = message.get("event")
            if event == "test" and type(message.get("index")) is int and message["index"] in by_index:
                for test in by_index.pop(message["index"]):
                    result["tests"][test.grade_id] = grader.run_test(test)
                session.send({"op": "continue"})
            elif event == "end":
                dead_at = message.get("dead_at")
                result["dead_at"] = dead_at if type(dead_at) is int else None
                cells = message.get("cells") if type(message.get("cells")) is list else []
                result["cells"] = [c for c in cells[:2000] if type(c) is dict]
                break
            else:
                raise _SandboxGone(f"unexpected message {str(message)[:100]}")
    except _SandboxGone as gone:
        result["timed_out"] = "time limit" in str(gone)
        result["ended_early"] = True
        result["incidents"].append(f"the sandbox ended early: {gone}")
    if result["dead_at"] is not None or session.dead:
        result["incidents"].append(f"the kernel died or stopped responding (at cell {result['dead_at']}): tests after it scored 0")
    for cell in result["cells"]:
        status = str(cell.get("status"))
        if status == "timeout":
            result["incidents"].append(f"cell {cell.get('index')} ran past {limits.cell_timeout_s} s and was interrupted")
        elif status.startswith("error:MemoryError"):
            result["incidents"].append(f"cell {cell.get('index')} ran out of memory")
    result["calls"] = grader.calls


def _notebook_name(session: _Session) -> str:
    return session.notebook_name


def prepare_sandbox_lib(destination: Path) -> Path:
    """Write what every sandbox imports: the graded ``course_utils`` and the audit hook.

    Returns ``destination`` (mounted read-only as ``/sandbox/lib``).
    """
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    build_graded_package(destination)
    (destination / "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
    return destination


# --------------------------------------------------------------------------- nbgrader


try:  # the preprocessor only exists where nbgrader is installed (the lecturer's side)
    from nbgrader.preprocessors import NbGraderPreprocessor
    from traitlets import Unicode
except ImportError:  # pragma: no cover - nbgrader is an optional extra
    NbGraderPreprocessor = None

if NbGraderPreprocessor is not None:

    class ApplySandboxResults(NbGraderPreprocessor):
        """nbgrader preprocessor used in place of ``Execute``: outputs from the sandbox results.

        Each test cell gets the grader's output for it (an error output when the
        test failed), so nbgrader's ``SaveAutoGrades`` scores exactly what the
        grader decided. A submission without results raises (nbgrader then keeps
        it ungraded, and ``course grading ungraded`` lists it).
        """

        results_dir = Unicode("", help="Folder of <assignment>/<student>.json results").tag(config=True)

        def preprocess(self, nb, resources):
            student = resources["nbgrader"]["student"]
            assignment = resources["nbgrader"]["assignment"]
            path = Path(self.results_dir) / assignment / f"{student}.json"
            if not path.is_file():
                raise RuntimeError(f"no sandbox results for {student} in {path}: grade with "
                                   "`course grading autograde`, not plain `nbgrader autograde`")
            results = json.loads(path.read_text(encoding="utf-8"))
            if results.get("grader_error"):
                raise RuntimeError(f"the grader failed on {student}: {results['incidents']}")
            tests = results["tests"]
            for cell in nb.cells:
                grade_id = _meta(cell).get("grade_id")
                if cell.cell_type != "code":
                    continue
                cell.outputs = []
                if grade_id in tests and _is_test(cell):
                    test = tests[grade_id]
                    if test.get("output"):
                        cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=test["output"]))
                    if not test["passed"]:
                        error = test.get("error") or {}
                        cell.outputs.append(nbformat.v4.new_output(
                            "error", ename=str(error.get("ename", "Error")), evalue=str(error.get("evalue", "")),
                            traceback=[str(t) for t in error.get("traceback", [])]))
            if results.get("incidents"):
                self.log.warning("%s: %s", student, " | ".join(results["incidents"]))
            return nb, resources
