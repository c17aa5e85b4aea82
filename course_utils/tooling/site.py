"""The course website and lecture slides, built from the runner's executed notebooks, offline.

    course run --fast                  # (or full mode) executes the notebooks into build/
    course site                        # -> build/site/index.html (Sphinx + MyST-NB, Furo theme)
    course slides 02                   # -> build/slides/02_cnn.slides.html (reveal.js)
    course site --check                # open every page in headless Chromium and check it

The site's home page is the README; every notebook is a page with its outputs, plots and
maths; the runner's ``results.md`` is a page too. Every asset is served from the site
itself: MathJax comes from the ``sphinx-mathjax-offline`` package and reveal.js from the
``sphinx-revealjs`` package, so the site and the slides work with no network, and the
build needs none. Needs the ``site`` extra (``pip install .[site]``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .layout import find_repository_root, list_notebooks, resolve_notebooks

#: Markdown pages of the repository that the site includes, besides the notebooks.
PAGES = ("README.md", "docs/lecturers.md", "data/README.md", "student/README.md", "CONTRIBUTING.md")

_CONF = '''\
# Written by course_utils.tooling.site; the build is offline.
project = "Image recognition with deep learning"
author = "The course authors"
extensions = ["myst_nb", "sphinx-mathjax-offline"]
html_theme = "furo"
html_title = project
html_permalinks_icon = "#"
root_doc = "index"
nb_execution_mode = "off"          # the runner executed the notebooks already
nb_ipywidgets_js = {}              # no widget scripts from a CDN
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "misc.highlighting_failure", "mystnb.unknown_mime_type"]
exclude_patterns = ["_build"]
'''


class SiteError(RuntimeError):
    """The site or the slides could not be built (the message says why and what to do)."""


def _require(module: str, extra: str = "site") -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise SiteError(f"{module} is not installed: pip install -e '.[{extra}]' (or the test tools).")


_BADGE = re.compile(r"\[!\[([^\]]*)\]\([^)]*\)\]\(([^)]*)\)")


def _badges_as_links(text: str) -> str:
    """Badge images live on other sites: the offline site shows them as plain links."""
    return _BADGE.sub(r"[\1](\2)", text)


def _rewrite_links(text: str, page: str) -> str:
    """Point the README's links at the site's pages (folders -> their README page)."""
    text = _badges_as_links(text)
    depth = page.count("/")
    up = "../" * depth

    def fix(match: re.Match) -> str:
        label, target = match.group(1), match.group(2)
        if re.match(r"[a-z]+:|#", target):
            return match.group(0)
        if target.rstrip("/") in ("student", "data", "docs"):
            target = target.rstrip("/") + "/README.md" if target.rstrip("/") != "docs" else "docs/lecturers.md"
        if target.split("#")[0] == up + "README.md":  # the README is the site's home page
            target = up + "index.md" + ("#" + target.split("#", 1)[1] if "#" in target else "")
        if target.startswith("notebooks/") or target.endswith(".md"):
            return f"[{label}]({target})"
        return f"{label} (`{target}`)"  # a file of the repository that is not a page

    if depth:
        text = re.sub(r"\]\((?!https?:|#)(\.\./)+", "](" + up, text)
    return re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", fix, text)


def stage(root: Path, executed_dir: Path, stage_dir: Path) -> list[str]:
    """Lay out the Sphinx source: pages, executed notebooks, results; return the notebook names."""
    shutil.rmtree(stage_dir, ignore_errors=True)
    (stage_dir / "notebooks").mkdir(parents=True)
    notebooks = list_notebooks(root / "notebooks")
    missing = [nb.name for nb in notebooks if not (executed_dir / nb.name).is_file()]
    if missing:
        raise SiteError(f"{executed_dir} lacks the executed {', '.join(missing)}: run "
                        f"`course run --fast --build-dir {executed_dir}` (or full mode) first.")
    for notebook in notebooks:
        content = json.loads((executed_dir / notebook.name).read_text(encoding="utf-8"))
        for cell in content["cells"]:  # outputs stay; nbgrader and slide metadata do not matter here
            cell.get("metadata", {}).pop("nbgrader", None)
            if cell["cell_type"] == "markdown":
                cell["source"] = _badges_as_links("".join(cell["source"]))
        (stage_dir / "notebooks" / notebook.name).write_text(json.dumps(content), encoding="utf-8")
    for page in PAGES:
        source = root / page
        if source.is_file():
            target = stage_dir / ("index.md" if page == "README.md" else page)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_rewrite_links(source.read_text(encoding="utf-8"), page), encoding="utf-8")
    results = executed_dir / "results.md"
    extra_pages = ["results"] if results.is_file() else []
    if results.is_file():
        (stage_dir / "results.md").write_text(results.read_text(encoding="utf-8"), encoding="utf-8")
    toc_pages = [f"notebooks/{nb.stem}" for nb in notebooks] + extra_pages + [
        page.removesuffix(".md") for page in PAGES[1:] if (root / page).is_file()]
    index = stage_dir / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + "\n\n```{toctree}\n:maxdepth: 1\n:hidden:\n\n"
                     + "\n".join(toc_pages) + "\n```\n", encoding="utf-8")
    (stage_dir / "conf.py").write_text(_CONF, encoding="utf-8")
    return [nb.name for nb in notebooks]


def build_site(executed_dir: Path | None = None, out_dir: Path | None = None,
               root: Path | None = None) -> Path:
    """Build the website into ``out_dir`` (default ``build/site``); return its ``index.html``."""
    for module in ("sphinx", "myst_nb", "furo"):
        _require(module)
    root = root or find_repository_root()
    executed_dir = (executed_dir or root / "build").resolve()
    out_dir = (out_dir or root / "build" / "site").resolve()
    stage_dir = executed_dir / "site-source"
    stage(root, executed_dir, stage_dir)
    shutil.rmtree(out_dir, ignore_errors=True)
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q",
                             str(stage_dir), str(out_dir)], capture_output=True, text=True)
    if result.returncode != 0:
        raise SiteError(f"Sphinx failed:\n{result.stderr[-3000:]}")
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    unresolved = [line for line in warnings if "xref_missing" in line or "target not found" in line]
    if unresolved:
        raise SiteError("Links that point at no page (fix them in the notebook or README):\n  "
                        + "\n  ".join(unresolved[:20]))
    if warnings:
        print(f"Sphinx reported {len(warnings)} warning(s), e.g.:\n  " + "\n  ".join(warnings[:5]))
    return out_dir / "index.html"


# --------------------------------------------------------------------------- slides


def _slide_metadata(notebook: dict) -> None:
    """Cells without slide metadata: each ``## `` heading starts a slide, ``### `` a sub-slide."""
    if any("slideshow" in cell.get("metadata", {}) for cell in notebook["cells"]):
        return
    for index, cell in enumerate(notebook["cells"]):
        source = "".join(cell.get("source", []))
        if index == 0 or (cell["cell_type"] == "markdown" and source.startswith("## ")):
            kind = "slide"
        elif cell["cell_type"] == "markdown" and source.startswith("### "):
            kind = "subslide"
        else:
            kind = "-"
        cell.setdefault("metadata", {})["slideshow"] = {"slide_type": kind}


def _asset_dirs() -> tuple[Path, Path]:
    import importlib.util

    _require("sphinx_revealjs")

    reveal = Path(importlib.util.find_spec("sphinx_revealjs").origin).parent / "_static" / "revealjs"
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        raise SiteError("sphinx-mathjax-offline is not installed: pip install -e '.[site]'.")
    mathjax = Path(spec.origin).parent / "static" / "mathjax"
    return reveal, mathjax


_SLIDES_MATHJAX = """<script>
window.MathJax = {tex: {inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]], processEscapes: true}};
</script>
<script src="mathjax/tex-chtml.js"></script>"""

_SLIDES_REVEAL = """<style>.reveal .slides section { overflow-y: auto; max-height: 100%; }</style>
<script src="reveal.js/dist/reveal.js"></script>
<script src="reveal.js/plugin/notes/notes.js"></script>
<script>
Reveal.initialize({controls: true, progress: true, history: true, slideNumber: "c/t",
                   plugins: [RevealNotes]});
Reveal.on("slidechanged", () => {
  if (window.MathJax && MathJax.typesetPromise) { MathJax.typesetPromise([Reveal.getCurrentSlide()]); }
});
</script>"""


def _offline_reveal(body: str) -> str:
    """nbconvert's reveal page, made to run offline with the bundled reveal.js and MathJax 3.

    Its template loads require.js, Mermaid and fonts from CDNs and speaks MathJax 2; this
    keeps the slides' HTML and swaps the scripts for local ones.
    """
    body = body.replace('<script src=""></script>', "")
    body = re.sub(r'<script type="module">.*?</script>', "", body, flags=re.DOTALL)
    body = re.sub(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->",
                  lambda _: _SLIDES_MATHJAX, body, flags=re.DOTALL)
    body = re.sub(r"<script>\s*require\(.*?</script>", lambda _: _SLIDES_REVEAL, body, flags=re.DOTALL)
    return body


def build_slides(name: str, executed_dir: Path | None = None, out_dir: Path | None = None,
                 root: Path | None = None) -> Path:
    """Write reveal.js slides of one notebook (executed if the runner ran it); return the file."""
    import nbformat
    from nbconvert import SlidesExporter

    root = root or find_repository_root()
    executed_dir = (executed_dir or root / "build").resolve()
    out_dir = (out_dir or root / "build" / "slides").resolve()
    sources = resolve_notebooks([name], root / "notebooks")
    if len(sources) != 1:
        raise SiteError(f"{name!r} names {len(sources)} notebooks: name one (e.g. 07_2).")
    source = sources[0]
    executed = executed_dir / source.name
    path = executed if executed.is_file() else source
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":  # badges as links; other notebooks are not in the deck
            text = _badges_as_links("".join(cell["source"]))
            cell["source"] = re.sub(r"\[([^\]]+)\]\((?!https?:)[^)]*\.ipynb[^)]*\)", r"\1", text)
    _slide_metadata(notebook)
    reveal, mathjax = _asset_dirs()
    out_dir.mkdir(parents=True, exist_ok=True)
    for folder, target in ((reveal, "reveal.js"), (mathjax, "mathjax")):
        if not (out_dir / target).is_dir():
            shutil.copytree(folder, out_dir / target)
    exporter = SlidesExporter(reveal_url_prefix="reveal.js", reveal_theme="white",
                              mathjax_url="mathjax/tex-chtml.js", mermaid_js_url="",
                              require_js_url="", jquery_url="")
    body, _ = exporter.from_notebook_node(nbformat.reads(json.dumps(notebook), as_version=4))
    body = _offline_reveal(body)
    target = out_dir / f"{source.stem}.slides.html"
    target.write_text(body, encoding="utf-8")
    if not executed.is_file():
        print(f"{executed} is missing, so the slides show the notebook without outputs "
              "(run `course run` first for outputs).")
    return target
