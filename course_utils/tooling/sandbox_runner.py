"""The program that runs INSIDE a grading sandbox (started by :mod:`.sandbox`).

It executes one learner's notebook, whose test cells were blanked by the
grader, in a fresh kernel, and at each test cell's place waits for the grader's
requests on the protocol pipe: ``call`` (call the learner's function with these
plain arguments), ``get`` (the plain value of a variable), ``continue``. Every
answer is JSON made by :func:`course_utils.tooling.plain.serve_call` in the
learner's kernel. Nothing here is trusted by the grader: this process shares
the sandbox with the learner's code.

Protocol (one JSON object per line):

* runner -> grader: ``{"event": "ready"}``, ``{"event": "test", "index": i}``,
  ``{"reply": {...}}`` after each request, ``{"event": "end", ...}``.
* grader -> runner: ``{"op": "call" | "get", ...}``, ``{"op": "continue"}``.
"""

from __future__ import annotations

import json
import os
import sys
import time


def _protocol_streams():
    """Keep the protocol pipes private: the kernel inherits /dev/null and stderr."""
    read_fd, write_fd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # prints of this process and of the kernel go to the sandbox log
    os.set_inheritable(read_fd, False)
    os.set_inheritable(write_fd, False)
    return os.fdopen(read_fd, "r", encoding="utf-8"), os.fdopen(write_fd, "w", encoding="utf-8")


def main() -> int:
    incoming, outgoing = _protocol_streams()

    def send(message: dict) -> None:
        outgoing.write(json.dumps(message) + "\n")
        outgoing.flush()

    job = json.loads(incoming.readline())
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    notebook = nbformat.read(job["notebook"], as_version=4)
    test_positions = set(job["test_positions"])
    io_dir = job["io_dir"]
    notebook.cells.append(nbformat.v4.new_code_cell(""))  # scratch cell for the grader's calls
    scratch = len(notebook.cells) - 1
    client = NotebookClient(
        notebook, timeout=job["cell_timeout"], kernel_name="python3", allow_errors=True,
        interrupt_on_timeout=True, iopub_timeout=5, raise_on_iopub_timeout=False,
        error_on_timeout={"ename": "CellTimeoutError", "evalue": "the cell ran past its time limit",
                          "traceback": ["CellTimeoutError: the cell ran past its time limit"]},
        resources={"metadata": {"path": os.path.dirname(job["notebook"])}},
    )
    cells: list[dict] = []
    dead_at = None
    served = 0

    def responsive() -> bool:
        """After a timeout: does the kernel answer a trivial cell within 20 s?"""
        probe = nbformat.v4.new_code_cell("pass")
        notebook.cells[scratch] = probe
        saved, client.timeout = client.timeout, 20
        start = time.perf_counter()
        try:
            client.execute_cell(probe, scratch)
        except (CellTimeoutError, DeadKernelError):
            return False
        finally:
            client.timeout = saved
        return time.perf_counter() - start < 19

    def run(cell, index) -> tuple[str, float]:
        start = time.perf_counter()
        try:
            client.execute_cell(cell, index)
        except CellTimeoutError:
            status = "timeout"
        except DeadKernelError:
            return "dead", time.perf_counter() - start
        else:
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            status = f"error:{errors[0].get('ename', '')}" if errors else "ok"
        seconds = time.perf_counter() - start
        if status in ("timeout", "error:CellTimeoutError") or seconds >= client.timeout - 0.5:
            # interrupted at the time limit; a kernel that ignores the interrupt counts as dead
            return ("timeout" if responsive() else "dead"), seconds
        return status, seconds

    with client.setup_kernel():
        send({"event": "ready"})
        for index in range(scratch):
            cell = notebook.cells[index]
            if index in test_positions:
                send({"event": "test", "index": index})
                while True:
                    request = json.loads(incoming.readline())
                    if request.get("op") == "continue":
                        break
                    served += 1
                    request_path = os.path.join(io_dir, f"request-{served}.json")
                    reply_path = os.path.join(io_dir, f"reply-{served}.json")
                    with open(request_path, "w", encoding="utf-8") as stream:
                        json.dump(request, stream)
                    code = ("__import__('course_utils.tooling.plain', fromlist=['serve_call'])"
                            f".serve_call(get_ipython().user_ns, {request_path!r}, {reply_path!r})")
                    notebook.cells[scratch] = nbformat.v4.new_code_cell(code)
                    status, _ = run(notebook.cells[scratch], scratch)
                    printed = "".join(o.get("text", "") for o in notebook.cells[scratch].get("outputs", [])
                                      if o.get("output_type") == "stream")[-2000:]
                    if status == "dead":
                        dead_at = index
                        send({"reply": {"dead": True}})
                        break
                    if status == "timeout":
                        send({"reply": {"timeout": True, "printed": printed}})
                        continue
                    try:
                        with open(reply_path, encoding="utf-8") as stream:
                            reply = json.loads(stream.read())
                    except (OSError, ValueError) as error:
                        reply = {"no_reply": f"{type(error).__name__} ({status})"}
                    reply["printed"] = printed
                    send({"reply": reply})
                if dead_at is not None:
                    break
                continue
            if cell.cell_type != "code":
                continue
            status, seconds = run(cell, index)
            cells.append({"index": index, "status": status, "seconds": round(seconds, 3)})
            if status == "dead":
                dead_at = index
                break
    send({"event": "end", "dead_at": dead_at, "cells": cells})
    return 0


if __name__ == "__main__":
    sys.exit(main())
