"""Command line: ``python -m course_utils run [--fast] [NOTEBOOK ...]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils",
                                     description="Tools for the image recognition course.")  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="execute notebooks and write build/results.md")
    run.add_argument("notebooks", nargs="*",
                     help="notebooks to run (file names or number prefixes like 02); default: all")  # fmt: skip
    run.add_argument("--fast", action="store_true", help="fast mode: small data, few steps")
    run.add_argument("--build-dir", type=Path, default=None, help="output folder (default build/)")
    run.add_argument("--cell-timeout", type=int, default=1800, help="seconds one cell may take")
    commands.add_parser("grading", add_help=False,
                        help="lecturers: release, collect, autograde, export, ungraded "
                             "(python -m course_utils grading --help)")  # fmt: skip
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "grading":
        from .grading import cli

        return cli(argv[1:])
    arguments = parser.parse_args(argv)
    if arguments.command == "run":
        from .runner import run_course

        return run_course(arguments.notebooks, arguments.fast, arguments.build_dir,
                          arguments.cell_timeout)  # fmt: skip
    return 2


if __name__ == "__main__":
    sys.exit(main())
