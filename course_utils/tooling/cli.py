"""The course's one command line: ``course run|grading ...``.

Installed as the ``course`` command (``[project.scripts]``); ``python -m course_utils``
is the same program::

    course run [--fast] [--jobs N] [NOTEBOOK ...]   execute notebooks, write build/results.md
    course grading COMMAND ...             lecturers: release, collect, autograde, export, ungraded
    course site [--check]                  the course website in build/site/ (offline)
    course slides NN                       reveal.js slides of notebook NN in build/slides/
    course fork [URL] [--branch B] [--release TAG]   point badges and Colab installs at a fork
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    parser = argparse.ArgumentParser(prog="course",
                                     description="Tools for the image recognition course.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="execute notebooks and write build/results.md")
    run.add_argument("notebooks", nargs="*",
                     help="notebooks to run (file names or number prefixes like 02); default: all")
    run.add_argument("--fast", action="store_true", help="fast mode: small data, few steps")
    run.add_argument("--build-dir", type=Path, default=None, help="output folder (default build/)")
    run.add_argument("--cell-timeout", type=int, default=1800, help="seconds one cell may take")
    run.add_argument("--no-calibration", action="store_true",
                     help="skip timing the calibration workload first")
    run.add_argument("--jobs", type=int, default=1,
                     help="notebooks run at a time (default 1; wall times are budget figures "
                          "only with 1)")
    site = commands.add_parser("site", help="build the course website into build/site/ (offline)")
    site.add_argument("--build-dir", type=Path, default=None,
                      help="the runner's output with the executed notebooks (default build/)")
    site.add_argument("--out", type=Path, default=None, help="site folder (default build/site)")
    site.add_argument("--check", action="store_true",
                      help="then open every page in headless Chromium and check it")
    slides = commands.add_parser("slides", help="reveal.js slides of a notebook (offline)")
    slides.add_argument("notebook", help="a notebook name or number, e.g. 02")
    slides.add_argument("--build-dir", type=Path, default=None,
                        help="the runner's output with the executed notebooks (default build/)")
    slides.add_argument("--out", type=Path, default=None, help="slides folder (default build/slides)")
    fork = commands.add_parser("fork", help="point every badge and the Colab install cell at a fork")
    fork.add_argument("repository", nargs="?", help="https://github.com/OWNER/NAME (default: keep)")
    fork.add_argument("--branch", help="branch the badges open (default: keep)")
    fork.add_argument("--release", help="tag the Colab cell installs (default: keep)")
    commands.add_parser("grading", add_help=False,
                        help="lecturers: release, collect, autograde, export, ungraded "
                             "(course grading --help)")
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "grading":
        from .grading import cli

        return cli(argv[1:])
    arguments = parser.parse_args(argv)
    if arguments.command == "run":
        from .runner import run_course

        try:
            return run_course(arguments.notebooks, arguments.fast, arguments.build_dir,
                              arguments.cell_timeout, not arguments.no_calibration, arguments.jobs)
        except (ValueError, FileNotFoundError) as error:
            print(f"course run: {error}", file=sys.stderr)
            return 2
    if arguments.command in ("site", "slides"):
        return _site_or_slides(arguments)
    if arguments.command == "fork":
        from .badges import CourseHome, point_course_at, read_home

        try:
            current = read_home()
            home = CourseHome(arguments.repository or current.repository,
                              arguments.branch or current.branch,
                              arguments.release or current.release)
            changed = point_course_at(home)
        except (ValueError, FileNotFoundError) as error:
            print(f"course fork: {error}", file=sys.stderr)
            return 2
        print(f"The course now points at {home.repository} (branch {home.branch}, "
              f"Colab installs {home.release}); {len(changed)} file(s) changed.")
        for path in changed:
            print(f"  {path}")
        return 0
    return 2


def _site_or_slides(arguments) -> int:
    from .site import SiteError, build_site, build_slides

    try:
        if arguments.command == "slides":
            path = build_slides(arguments.notebook, arguments.build_dir, arguments.out)
            print(f"Slides: {path}")
            return 0
        index = build_site(arguments.build_dir, arguments.out)
        print(f"Site: {index}")
    except (SiteError, ValueError, FileNotFoundError) as error:
        print(f"course {arguments.command}: {error}", file=sys.stderr)
        return 2
    if not arguments.check:
        return 0
    from .browser import check_pages, site_pages

    site_dir = index.parent
    pages = site_pages(site_dir)
    shots = {pages[0]: site_dir.parent / "screenshots" / "home.png"}
    notebook_pages = [page for page in pages if page.startswith("notebooks/")]
    if notebook_pages:
        shots[notebook_pages[0]] = site_dir.parent / "screenshots" / "notebook.png"
    reports = check_pages(site_dir, pages, shots)
    failed = [report for report in reports if report.problems]
    for report in failed:
        print(f"{report.path}:\n  " + "\n  ".join(report.problems[:10]))
    formulas = sum(report.formulas for report in reports)
    print(f"Checked {len(reports)} pages in Chromium ({formulas} formulas): "
          f"{len(reports) - len(failed)} fine, {len(failed)} with problems. "
          f"Screenshots: {', '.join(str(path) for path in shots.values())}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
