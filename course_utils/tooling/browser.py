"""Open built pages in headless Chromium and check what a visitor would see.

Each page must load with no console error and no failed request, every image must have
loaded, every formula must be typeset by MathJax, and every link inside the site must
point at a file that exists. Any request to an address that is not local fails the
check (the site must work offline). Uses Playwright's Python client with the system's
Chromium (Debian's ``chromium`` package); no browser is downloaded.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


@dataclass
class PageReport:
    """What the browser saw on one page."""

    path: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    untypeset_formulas: int = 0
    formulas: int = 0
    typeset: int = 0
    raw_tex: int = 0
    broken_links: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        found = [f"console error: {text}" for text in self.console_errors]
        found += [f"failed request: {url}" for url in self.failed_requests]
        found += [f"request to a non-local address: {url}" for url in self.outside_requests]
        found += [f"image not loaded: {src}" for src in self.broken_images]
        found += [f"link to a missing file: {href}" for href in self.broken_links]
        if self.untypeset_formulas:
            found.append(f"{self.untypeset_formulas} of {self.formulas} formulas not typeset")
        if self.raw_tex:
            found.append(f"{self.raw_tex} pieces of TeX shown as text (not typeset)")
        return found


def find_chromium() -> str | None:
    """The path of a Chromium-like browser on PATH, or None."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(folder: Path):
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


_PAGE_SCRIPT = r"""async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const images = [...document.images].filter(img => !(img.complete && img.naturalWidth > 0))
                                     .map(img => img.getAttribute('src'));
  const formulas = document.querySelectorAll('.math, .MathJax_Preview, script[type^="math/tex"]').length;
  const typeset = document.querySelectorAll('mjx-container').length;
  const links = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
  // TeX left as text (outside code) means a formula was not typeset
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let rawTex = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('pre, code, script, style, mjx-container')) continue;
    rawTex += (node.textContent.match(/\$[^$\n]+\$|\\\(|\\\[/g) || []).length;
  }
  return {images, formulas, typeset, links, rawTex};
}"""


def check_pages(folder: Path, pages: list[str], screenshots: dict[str, Path] | None = None,
                settle_ms: int = 500) -> list[PageReport]:
    """Open ``pages`` (paths relative to ``folder``) and report what went wrong on each.

    ``screenshots`` maps a page to the PNG file its screenshot is saved to.
    """
    from playwright.sync_api import sync_playwright

    chromium = find_chromium()
    if chromium is None:
        raise RuntimeError("No Chromium found: install Debian's `chromium` package (apt-get install chromium).")
    folder = Path(folder).resolve()
    server = _serve(folder)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    reports = []
    try:
        with sync_playwright() as playwright:
            # No name resolves but the local one: a request elsewhere fails (and is reported).
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True,
                args=["--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
            )
            for page_path in pages:
                report = PageReport(page_path)
                page = browser.new_page()

                def request(request, report=report):
                    url = request.url
                    if not (url.startswith(base) or url.startswith(("data:", "blob:", "about:"))):
                        report.outside_requests.append(url)

                page.on("request", request)
                # (a failed load is reported with its address by the request events below)
                page.on("console", lambda message, report=report: report.console_errors.append(message.text)
                        if message.type == "error" and "Failed to load resource" not in message.text
                        else None)
                page.on("pageerror", lambda error, report=report: report.console_errors.append(str(error)))
                page.on("requestfailed", lambda request, report=report: report.failed_requests.append(
                    request.url))
                page.on("response", lambda response, report=report: report.failed_requests.append(
                    f"{response.url} ({response.status})") if response.status >= 400 else None)
                page.goto(base + page_path, wait_until="load", timeout=120_000)
                page.wait_for_timeout(settle_ms)
                seen = page.evaluate(_PAGE_SCRIPT)
                report.broken_images = seen["images"]
                report.formulas = seen["formulas"]
                report.typeset = seen["typeset"]
                report.raw_tex = seen["rawTex"]
                report.untypeset_formulas = max(0, seen["formulas"] - seen["typeset"]) if seen["formulas"] else 0
                report.broken_links = _broken_links(folder, page_path, seen["links"])
                if screenshots and page_path in screenshots:
                    screenshots[page_path].parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(screenshots[page_path]), full_page=False)
                page.close()
                reports.append(report)
            browser.close()
    finally:
        server.shutdown()
    return reports


def _broken_links(folder: Path, page_path: str, links: list[str]) -> list[str]:
    broken = []
    page_dir = (folder / page_path).parent
    for href in links:
        parsed = urlparse(href)
        if parsed.scheme or parsed.netloc or not parsed.path:
            continue  # external links and same-page anchors
        target = (page_dir / unquote(parsed.path)).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file() or folder not in target.parents:
            broken.append(href)
    return broken


def site_pages(site_dir: Path) -> list[str]:
    """Every HTML page of a built site, relative to it (Sphinx's own search page aside)."""
    site_dir = Path(site_dir)
    skip = {"search.html", "genindex.html"}
    return sorted(path.relative_to(site_dir).as_posix() for path in site_dir.rglob("*.html")
                  if path.name not in skip and "_static" not in path.parts)
