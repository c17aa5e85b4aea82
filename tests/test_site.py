"""The course website and slides build offline and look right in a real browser.

Built from a small course made here (two executed notebooks with a plot, maths and links)
so the test takes a minute; `.ci/run` checks the whole course's site the same way
(`course site --check` on a fast-mode run).
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import nbformat
import pytest

from course_utils.tooling.browser import check_pages, find_chromium, site_pages
from course_utils.tooling.site import SiteError, _badges_as_links, build_site, build_slides

pytest.importorskip("sphinx", reason="the site tools (pip install -e '.[site]') are not installed")

needs_chromium = pytest.mark.skipif(find_chromium() is None,
                                    reason="no Chromium here (Debian: apt-get install chromium)")


def _png() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(2, 2))
    axis.plot([0, 1], [1, 0])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture(scope="module")
def small_course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("course")
    (root / "notebooks").mkdir()
    (root / "course_utils").mkdir()
    badge = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://example.org/x)"
    first = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# First lesson"),
        nbformat.v4.new_markdown_cell(badge),
        nbformat.v4.new_markdown_cell("## Maths\n\nThe output size is $o = (n - k)/s + 1$ and\n\n"
                                      "$$\\sum_{u,v} x_{i+u, j+v} w_{u,v} + \\beta$$\n\n"
                                      "Next: [the second lesson](01_second.ipynb)."),
        nbformat.v4.new_code_cell("print('hello')", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="hello\n")]),
        nbformat.v4.new_code_cell("plot()", outputs=[
            nbformat.v4.new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"})]),
    ])
    second = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Second lesson\n\n$a^2$")])
    executed = root / "build"
    executed.mkdir()
    for name, notebook in (("00_first.ipynb", first), ("01_second.ipynb", second)):
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(notebook, root / "notebooks" / name)
        nbformat.write(notebook, executed / name)
    (root / "README.md").write_text(f"# A course\n\n{badge}\n\n[Start here](notebooks/00_first.ipynb); "
                                    "the [guide](docs/lecturers.md).\n")
    (root / "docs").mkdir()
    (root / "docs" / "lecturers.md").write_text("# Lecturers\n\nBack to the [course](../README.md).\n")
    (executed / "results.md").write_text("# Course run\n\n| notebook | wall (s) |\n|---|---:|\n| 00 | 1.0 |\n")
    return root


@pytest.fixture(scope="module")
def built_site(small_course) -> Path:
    index = build_site(small_course / "build", small_course / "build" / "site", root=small_course)
    return index.parent


def test_badges_become_plain_links_for_the_offline_site():
    text = "[![Open In Colab](https://x/badge.svg)](https://colab/x) [![B](https://y.svg)](https://b)"
    assert _badges_as_links(text) == "[Open In Colab](https://colab/x) [B](https://b)"


def test_the_site_has_a_home_page_notebook_pages_results_and_local_maths(built_site):
    assert (built_site / "index.html").is_file()
    pages = site_pages(built_site)
    assert {"notebooks/00_first.html", "notebooks/01_second.html", "results.html",
            "docs/lecturers.html"} <= set(pages)
    assert (built_site / "_static" / "mathjax" / "tex-chtml.js").is_file()
    for page in pages:
        html = (built_site / page).read_text()
        assert "cdn.jsdelivr" not in html and "googleapis" not in html and ".svg)" not in html


@needs_chromium
def test_every_page_loads_offline_with_images_formulas_and_links(built_site, tmp_path):
    shots = {"index.html": tmp_path / "home.png", "notebooks/00_first.html": tmp_path / "nb.png"}
    reports = check_pages(built_site, site_pages(built_site), shots)
    assert [report.problems for report in reports if report.problems] == []
    first = next(report for report in reports if report.path == "notebooks/00_first.html")
    assert first.formulas >= 2 and first.untypeset_formulas == 0
    assert all(path.stat().st_size > 5000 for path in shots.values())


@needs_chromium
def test_the_check_catches_a_broken_image_a_missing_page_and_an_outside_request(built_site, tmp_path):
    page = built_site / "broken.html"
    page.write_text('<html><body><img src="missing.png"><a href="nowhere.html">x</a> $x^2$'
                    '<script src="https://cdn.example.org/lib.js"></script></body></html>')
    try:
        (report,) = check_pages(built_site, ["broken.html"])
    finally:
        page.unlink()
    assert report.broken_images == ["missing.png"] and report.broken_links == ["nowhere.html"]
    assert report.outside_requests == ["https://cdn.example.org/lib.js"]
    assert report.raw_tex == 1 and len(report.problems) >= 4


@needs_chromium
def test_slides_work_offline_with_reveal_js(small_course):
    slides = build_slides("00", small_course / "build", small_course / "build" / "slides", root=small_course)
    html = slides.read_text()
    assert 'class="reveal"' in html
    assert not re.search(r"""(src|href)=["']https?://|from ["']https?://""", html.split("<body")[0])
    (report,) = check_pages(slides.parent, [slides.name])
    assert report.problems == [] and report.typeset >= 2  # inline and display maths


def test_a_link_to_a_page_that_does_not_exist_fails_the_build(small_course, tmp_path):
    import shutil

    copy = tmp_path / "course"
    shutil.copytree(small_course, copy, ignore=shutil.ignore_patterns("site", "site-source", "slides"))
    readme = copy / "README.md"
    readme.write_text(readme.read_text() + "\nSee [the old lesson](notebooks/05_gan.ipynb).\n")
    with pytest.raises(SiteError, match="05_gan"):
        build_site(copy / "build", copy / "build" / "site", root=copy)
