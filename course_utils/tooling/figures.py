"""Honest figures: find numbers in a notebook's prose that the run neither computes nor cites.

A figure in a markdown cell (a number with a unit of a measured result: %, pp,
s, ms, min, dB, MiB, x, epochs, parameters, ...) must be either

(a) computed or set by the same run: the same value appears as a literal in one of the
    notebook's code cells (a setting such as ``num_epochs = 5``, an asserted target
    such as ``assert accuracy >= 0.98`` for "98%"), so the prose restates a number the
    code defines; a result the run measures is printed by a code cell, and the prose
    refers to it ("the accuracy printed above") instead of repeating it; or
(b) a published figure whose source is named in the same paragraph: an author and
    year ("He et al. 2016", "(LeCun et al., 1998)"), or "Source:" / a URL.

A citation covers only the figures of its own paragraph (:func:`paragraphs`): a block of
lines between blank lines, where each list item, each heading and each table is a
paragraph of its own. One citation somewhere in a long cell therefore no longer excuses
every other number of that cell; a source named for a list as a whole is repeated in
each item that quotes a figure (or the list is written as one paragraph).

What is skipped, the whole allow-list: maths (``$...$``, ``$$...$$``), code spans and
fenced code blocks, links' addresses and HTML tags (they are not prose), and a number
carrying ``k``/``M``/``million`` is never matched against code literals (``25.6 M`` is
not the code's ``25.6``). :func:`unsourced_figures` lists the figures that are neither
computed nor cited; the test suite fails on any.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

#: Units that mark a number as a measured or published result.
_UNITS = (
    r"%|percent\b|pp\b|percentage points?\b|dB\b|MiB\b|GiB\b|KiB\b|MB\b|GB\b|kB\b|KB\b"
    r"|ms\b|s\b|sec\b|seconds?\b|min\b|minutes?\b|hours?\b|x\b|×|times\b|-fold\b"
    r"|epochs?\b|parameters\b|params\b|weights\b|steps\b|iterations\b|FLOPs\b|images\b"
)
_FIGURE = re.compile(
    r"(?<![\w.$/-])(?P<number>\d+(?:[.,]\d+)*(?:\.\d+)?)\s?(?P<multiplier>[kKMB]\b|million\b|billion\b)?"
    r"\s?(?P<unit>" + _UNITS + ")"
)
_CITATION = re.compile(
    r"et al\.?,?\s*\(?(?:19|20)\d{2}|\((?:[^()]*?\s)?(?:19|20)\d{2}[a-z]?\)"
    r"|[A-Z][A-Za-z-]+(?: and [A-Z][A-Za-z-]+)?,? (?:19|20)\d{2}\b|Source:|https?://"
)
_NOT_PROSE = re.compile(r"```.*?```|~~~.*?~~~|\$\$.*?\$\$|\$[^$\n]*\$|`[^`]*`|\]\([^)]*\)|<[^>]+>",
                        re.DOTALL)
_LIST_ITEM = re.compile(r"^\s{0,12}(?:[-*+]|(?P<number>\d{1,9})[.)])\s+")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_TABLE_ROW = re.compile(r"^\s*\|")
_CODE_NUMBER = re.compile(r"(?<![\w.])\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Figure:
    """A number in prose that is neither computed by the run nor cited."""

    notebook: str
    cell: int
    text: str

    def __str__(self) -> str:
        return f"{self.notebook} cell {self.cell}: {self.text!r}"


def _value(number: str) -> float | None:
    cleaned = number.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", number) \
        else number.replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


def code_values(code_sources: list[str]) -> set[float]:
    """Every numeric literal in the code cells (``1_000`` and ``1e-3`` included)."""
    values: set[float] = set()
    for source in code_sources:
        for literal in _CODE_NUMBER.findall(source):
            try:
                values.add(float(literal.replace("_", "")))
            except ValueError:
                continue
    return values


def _matches_code(value: float, unit: str, known: set[float]) -> bool:
    candidates = {value}
    if unit in {"%", "percent", "pp"} or unit.startswith("percentage"):
        candidates.add(value / 100)
    if unit.startswith("min"):
        candidates.add(value * 60)
    return any(abs(candidate - literal) <= 1e-9 * max(1.0, abs(literal))
               for candidate in candidates for literal in known)


def _starts_item(line: str, current: list[str]) -> bool:
    """Whether ``line`` opens a list item. As in CommonMark, a numbered line interrupts
    running text only as ``1.``/``1)`` (a wrapped sentence may begin with "28. ")."""
    match = _LIST_ITEM.match(line)
    if match is None:
        return False
    if match.group("number") is None or not current:
        return True
    return match.group("number") == "1" or bool(_LIST_ITEM.match(current[0]))


def paragraphs(markdown: str) -> list[str]:
    """Split a markdown cell into the paragraphs a citation covers.

    A paragraph is a run of lines between blank lines; in addition every list item
    (``-``, ``*``, ``+``, ``1.``) and every heading starts a paragraph of its own, and a
    table (its ``|`` rows) is one paragraph apart from the text around it. Lines inside a
    fenced code block or a ``$$`` maths block never split it.
    """
    blocks: list[list[str]] = []
    current: list[str] = []
    fenced = maths = False
    previous_is_table = False

    def flush():
        nonlocal current
        if current:
            blocks.append(current)
        current = []

    for line in markdown.split("\n"):
        if fenced or maths:
            current.append(line)
        elif not line.strip():
            flush()
            previous_is_table = False
            continue
        else:
            is_table = bool(_TABLE_ROW.match(line))
            if (_starts_item(line, current) or _HEADING.match(line)
                    or (current and is_table != previous_is_table)):
                flush()
            current.append(line)
            previous_is_table = is_table
            if _HEADING.match(line):
                flush()
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
        if line.count("$$") % 2:
            maths = not maths
    flush()
    return ["\n".join(block) for block in blocks]


def unsourced_figures(notebook_path: str | Path) -> list[Figure]:
    """Return the figures in ``notebook_path``'s markdown that are neither computed nor cited."""
    path = Path(notebook_path)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(cell.get("source", [])) for cell in cells]
    known = code_values([s for s, c in zip(sources, cells, strict=True) if c["cell_type"] == "code"])
    found = []
    for index, (source, cell) in enumerate(zip(sources, cells, strict=True)):
        if cell["cell_type"] != "markdown":
            continue
        for paragraph in paragraphs(source):
            if _CITATION.search(paragraph):
                continue
            prose = _NOT_PROSE.sub(" ", paragraph)
            for match in _FIGURE.finditer(prose):
                value = _value(match.group("number"))
                if value is None:
                    continue
                unit = match.group("unit")
                if match.group("multiplier") is None and _matches_code(value, unit, known):
                    continue
                found.append(Figure(path.name, index, match.group(0)))
    return found
