"""The course runner: execute notebooks, measure them, write ``build/``.

``python -m course_utils run [--fast] [NOTEBOOK ...]`` executes each notebook
(all of ``notebooks/NN_*.ipynb`` in order by default) in a fresh kernel and
writes, under ``build/``:

* ``<stem>.ipynb`` and ``<stem>.html``: the executed notebook, and a standalone
  HTML page of it (images embedded);
* ``results.json``: ``{"mode": ..., "notebooks": [{"notebook", "status",
  "wall_s", "peak_rss_mib", "metrics", ...}]}``;
* ``results.md``: the same as a table;
* ``artifacts/<stem>/<name>.npy``: arrays saved with
  :func:`course_utils.results.save_artifact`.

It exits non-zero when any notebook fails and names the failing cell.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config import DATA_DIR_ENV_VAR, FAST_ENV_VAR, NOTEBOOK_ENV_VAR, RESULTS_DIR_ENV_VAR
from ..results import load_metrics
from .layout import find_repository_root, resolve_notebooks

DEFAULT_CELL_TIMEOUT_S = 1800


@dataclass
class NotebookResult:
    """What the runner measured for one notebook."""

    notebook: str
    status: str
    wall_s: float
    peak_rss_mib: float
    metrics: dict = field(default_factory=dict)
    error: str | None = None


class _MemoryWatch:
    """Track the peak resident memory of a process and its children."""

    def __init__(self, pid: int, interval_s: float = 0.2):
        import psutil

        self._process = psutil.Process(pid)
        self._interval_s = interval_s
        self.peak_bytes = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def sample(self) -> None:
        """Take one reading now (also called after each cell, while the kernel is alive: a
        short notebook can end between two polls, and after the end the kernel is gone)."""
        import psutil

        try:
            processes = [self._process, *self._process.children(recursive=True)]
            total = sum(proc.memory_info().rss for proc in processes)
            reading = max(total, self._high_water_mark())
        except psutil.Error:
            return
        with self._lock:
            self.peak_bytes = max(self.peak_bytes, reading)

    def _high_water_mark(self) -> int:
        """The kernel's own peak (Linux VmHWM), which polling could miss."""
        try:
            for line in Path(f"/proc/{self._process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _watch(self) -> None:
        while not self._stop.wait(self._interval_s):
            self.sample()

    def stop(self) -> float:
        self.sample()
        self._stop.set()
        self._thread.join(timeout=2)
        return self.peak_bytes / 2**20


class _Progress:
    def __init__(self, label: str, num_cells: int, live: bool = True):
        self.label, self.num_cells = label, num_cells
        self.start = time.perf_counter()
        self.last_print = 0.0
        self.is_tty = live and sys.stdout.isatty()  # one rewritten line only when alone

    def cell_done(self, index: int) -> None:
        elapsed = time.perf_counter() - self.start
        line = f"{self.label} cell {index + 1}/{self.num_cells}, {elapsed:6.1f} s"
        if self.is_tty:
            print("\r" + line, end="", flush=True)
        elif elapsed - self.last_print >= 30:
            print(line, flush=True)
            self.last_print = elapsed

    def finish(self, text: str) -> None:
        if self.is_tty:
            print("\r" + " " * 70 + "\r", end="")
        print(f"{self.label} {text}", flush=True)


#: TensorFlow's native (C++) log lines: absl's start-up notice and glog-style lines such as
#: "I0000 00:00:1700000000.000 123 port.cc:153] oneDNN custom operations are on ..." and, from
#: older TensorFlow releases, "2026-12-01 21:21:41.673827: E tensorflow/core/...cc:84] ...".
NATIVE_LOG_LINE = re.compile(r"^(WARNING: All log messages before absl::InitializeLog\(\) is called"
                             r"|[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w.-]+:\d+\]"
                             r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] [\w./-]+:\d+\]).*$")


def strip_native_logs(notebook, log_path: Path | None = None) -> int:
    """Move TensorFlow's C++ log lines out of the cells' stderr outputs; return how many.

    They say nothing to a learner (oneDNN notices, grappler remarks); the kernel's log
    file keeps them.
    """
    moved = []
    for cell in notebook.cells:
        kept_outputs = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines = output["text"].splitlines(keepends=True)
                native = [line for line in lines if NATIVE_LOG_LINE.match(line.rstrip("\n"))]
                if native:
                    moved.extend(native)
                    output["text"] = "".join(line for line in lines if line not in native)
                    if not output["text"].strip():
                        continue
            kept_outputs.append(output)
        if cell.get("cell_type") == "code":
            cell["outputs"] = kept_outputs
    if moved and log_path is not None:
        with open(log_path, "a", encoding="utf-8") as log:
            log.write("\n# TensorFlow log lines moved out of the notebook's outputs:\n")
            log.writelines(line if line.endswith("\n") else line + "\n" for line in moved)
    return len(moved)


def _describe_failure(notebook, error: Exception) -> str:
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                first_line = (cell.source.strip().splitlines() or [""])[0][:80]
                return (f"cell {index} ({first_line!r}) raised {output.get('ename')}: "
                        f"{output.get('evalue', '')[:300]}")
    return f"{type(error).__name__}: {str(error).strip().splitlines()[-1][:300] if str(error).strip() else ''}"


def kernel_environment(base: dict, results_dir: Path, stem: str, fast: bool) -> dict[str, str]:
    """The environment of a notebook's kernel (the runner's own stays untouched).

    Sets the mode, where results go, an inline Matplotlib backend, and hides
    TensorFlow's C++ start-up lines unless ``TF_CPP_MIN_LOG_LEVEL`` is set.
    """
    environment = dict(base)
    environment[RESULTS_DIR_ENV_VAR] = str(results_dir)
    environment[NOTEBOOK_ENV_VAR] = stem
    environment["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    environment.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if fast:
        environment[FAST_ENV_VAR] = "1"
    else:
        environment.pop(FAST_ENV_VAR, None)
    return environment


def run_notebook(path: Path, build_dir: Path, fast: bool, label: str = "",
                 cell_timeout_s: int = DEFAULT_CELL_TIMEOUT_S, live: bool = True) -> NotebookResult:
    """Execute one notebook in a fresh kernel and measure it.

    Parameters
    ----------
    path : pathlib.Path
        The notebook to run (executed in its own folder).
    build_dir : pathlib.Path
        Where the executed notebook, HTML and artifacts go.
    fast : bool
        Run in fast mode (``COURSE_FAST=1``).
    label : str
        Progress prefix such as ``"[2/8] 01_convolution_and_pooling.ipynb"``.
    cell_timeout_s : int
        Longest a single cell may run.
    live : bool
        On a terminal, rewrite one progress line in place (off when notebooks run side by
        side: their lines would overwrite each other).

    Returns
    -------
    NotebookResult
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    notebook = nbformat.read(path, as_version=4)
    results_dir = build_dir / "artifacts" / path.stem
    shutil.rmtree(results_dir, ignore_errors=True)
    results_dir.mkdir(parents=True)
    environment = kernel_environment(os.environ, results_dir, path.stem, fast)

    progress = _Progress(label or path.name, len(notebook.cells), live)
    watch: dict[str, _MemoryWatch] = {}

    def on_start(**_):
        watch["memory"] = _MemoryWatch(client.km.provisioner.process.pid)

    def on_cell_executed(cell_index, **_):
        if "memory" in watch:
            watch["memory"].sample()
        progress.cell_done(cell_index)

    client = NotebookClient(
        notebook, timeout=cell_timeout_s, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        on_notebook_start=on_start, on_cell_executed=on_cell_executed,
    )
    status, error = "ok", None
    start = time.perf_counter()
    log_path = build_dir / "logs" / f"{path.stem}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(log_path, "w", encoding="utf-8") as kernel_log:
            # The kernel's own start-up noise (absl, oneDNN, CPU features) goes to the log.
            client.execute(env=environment, stdout=kernel_log, stderr=kernel_log)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as failure:
        status, error = "failed", _describe_failure(notebook, failure)
    finally:
        wall_s = time.perf_counter() - start
        peak_mib = watch["memory"].stop() if "memory" in watch else float("nan")

    strip_native_logs(notebook, log_path)
    nbformat.write(notebook, build_dir / path.name)
    _write_html(notebook, build_dir / f"{path.stem}.html")
    metrics = load_metrics(results_dir)
    if (results_dir / "metrics.json").exists():
        (results_dir / "metrics.json").unlink()
    if results_dir.is_dir() and not any(results_dir.iterdir()):
        results_dir.rmdir()
    elif results_dir.is_dir():  # artifacts/<name>.npy -> build/artifacts/<stem>/<name>.npy
        nested = results_dir / "artifacts"
        if nested.is_dir():
            for item in nested.iterdir():
                item.replace(results_dir / item.name)
            nested.rmdir()
    summary = f"{status} in {wall_s:.1f} s, peak {peak_mib:.0f} MiB (kernel log: {log_path})"
    progress.finish(summary if error is None else f"{summary}\n    {error}")
    return NotebookResult(path.name, status, round(wall_s, 2), round(peak_mib, 1), metrics, error)


def _write_html(notebook, html_path: Path) -> None:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", embed_images=True)
    body, _ = exporter.from_notebook_node(notebook)
    html_path.write_text(body, encoding="utf-8")


def _format_metric(value: float) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def write_results(results: list[NotebookResult], build_dir: Path, fast: bool,
                  calibration_s: float | None = None, jobs: int = 1) -> dict:
    """Write ``results.json`` and ``results.md`` and return the JSON object.

    ``calibration_s`` is the time of :mod:`~course_utils.tooling.calibration`'s workload on
    this machine; each notebook's ``wall_units`` is its wall time divided by it. ``jobs`` is
    how many notebooks ran at a time (more than one: wall times include the others' load).
    """
    from importlib.metadata import version

    report = {
        "mode": "fast" if fast else "full",
        "machine": {"python": platform.python_version(), "keras": version("keras"),
                    "cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "processor": _processor_name(), "calibration_s": calibration_s},
        "data_dir": os.environ.get(DATA_DIR_ENV_VAR, ""),
        "jobs": jobs,
        "notebooks": [{**asdict(result), "wall_units": round(result.wall_s / calibration_s, 1)
                       if calibration_s else None} for result in results],
    }
    (build_dir / "results.json").write_text(json.dumps(report, indent=2))
    lines = [
        f"# Course run ({report['mode']} mode)",
        "",
        f"Python {report['machine']['python']}, Keras {report['machine']['keras']}, "
        f"{report['machine']['cpu_count']} CPU cores ({report['machine']['processor']}).",
        "",
        (f"Calibration: the standard workload (course_utils.tooling.calibration) took "
         f"{calibration_s:.2f} s here; \"units\" are wall times divided by it, comparable "
         "across machines." if calibration_s else "Calibration: not measured."),
        "",
        *([f"{jobs} notebooks ran at a time: each wall time includes the others' load, so it "
           "is not a budget figure.", ""] if jobs > 1 else []),
        "| notebook | status | wall (s) | wall (units) | peak memory (MiB) | metrics |",
        "|---|---|---:|---:|---:|---|",
    ]
    for result, entry in zip(results, report["notebooks"], strict=True):
        metrics = ", ".join(f"{name} = {_format_metric(value)}"
                            for name, value in sorted(result.metrics.items()))
        units = f"{entry['wall_units']:.1f}" if entry["wall_units"] is not None else "-"
        lines.append(f"| {result.notebook} | {result.status} | {result.wall_s:.1f} | {units} | "
                     f"{result.peak_rss_mib:.0f} | {metrics} |")
    failures = [result for result in results if result.error]
    if failures:
        lines += ["", "## Failures", ""] + [f"- {r.notebook}: {r.error}" for r in failures]
    (build_dir / "results.md").write_text("\n".join(lines) + "\n")
    return report


def _processor_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run_course(names: list[str], fast: bool, build_dir: Path | None = None,
               cell_timeout_s: int = DEFAULT_CELL_TIMEOUT_S, calibrate: bool = True,
               jobs: int = 1) -> int:
    """Run notebooks, write the reports; return the process exit code (0 = all ok).

    ``jobs`` notebooks run at a time, each in its own kernel. More than one saves time
    where a notebook leaves cores idle (fast mode), but then the wall times include the
    other notebooks' load: they are not budget figures, and the report says so.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    root = find_repository_root()
    notebooks = resolve_notebooks(names, root / "notebooks")
    if not notebooks:
        print("No notebooks to run.", file=sys.stderr)
        return 2
    build_dir = (build_dir or root / "build").resolve()
    build_dir.mkdir(parents=True, exist_ok=True)
    mode = "fast" if fast else "full"
    print(f"Running {len(notebooks)} notebook(s) in {mode} mode; output in {build_dir}", flush=True)
    calibration_s = None
    if calibrate:
        from .calibration import measure

        calibration_s = measure(kernel_environment(os.environ, build_dir, "calibration", fast))
        print(f"Calibration workload: {calibration_s:.2f} s on this machine", flush=True)
    labels = [f"[{number}/{len(notebooks)}] {path.name}:" for number, path in enumerate(notebooks, 1)]
    started = time.perf_counter()
    if jobs == 1:  # in this thread: Ctrl-C stops the running notebook at once
        results = [run_notebook(path, build_dir, fast, label, cell_timeout_s)
                   for path, label in zip(notebooks, labels, strict=True)]
    else:
        from concurrent.futures import ThreadPoolExecutor

        print(f"{jobs} notebooks at a time: wall times include the others' load "
              "(not budget figures)", flush=True)
        with ThreadPoolExecutor(max_workers=jobs) as pool:  # each notebook has its own kernel
            # Started last notebook first: the course's later notebooks are its longest, so the
            # short early ones fill the end, where one kernel alone would leave cores idle.
            futures = {path: pool.submit(run_notebook, path, build_dir, fast, label, cell_timeout_s, False)
                       for path, label in reversed(list(zip(notebooks, labels, strict=True)))}
            results = [futures[path].result() for path in notebooks]  # in the notebooks' order
    write_results(results, build_dir, fast, calibration_s, jobs)
    failed = [result.notebook for result in results if result.status != "ok"]
    total = sum(result.wall_s for result in results)
    elapsed = time.perf_counter() - started
    print(f"Done in {elapsed:.0f} s ({total:.0f} s of notebook wall time): "
          f"{len(results) - len(failed)} ok, {len(failed)} failed. Report: {build_dir / 'results.md'}")
    if failed:
        print("Failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0
