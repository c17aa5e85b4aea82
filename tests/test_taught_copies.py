"""Code a notebook teaches and a later notebook reuses: the package copy equals the notebook's.

A package function or class whose docstring says ``Taught in notebooks/NN_name.ipynb.``
must have the same code (the abstract syntax tree, docstrings removed) as the top-level
definition of the same name in that notebook: the notebook is the original.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_TAUGHT = re.compile(r"Taught in (notebooks/[\w.-]+\.ipynb)")


def _strip_docstrings(node: ast.AST) -> ast.AST:
    node = ast.parse(ast.unparse(node)).body[0]  # a copy without positions
    for item in ast.walk(node):
        body = getattr(item, "body", None)
        if (isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            item.body = body[1:] or [ast.Pass()]
    return node


def notebook_definitions(notebook: Path) -> dict[str, ast.AST]:
    """Top-level functions and classes defined in a notebook's code cells."""
    definitions = {}
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()
        source = "\n".join(line[: len(line) - len(line.lstrip())] + "pass"  # IPython magics
                            if line.lstrip().startswith(("%", "!")) else line for line in lines)
        for node in ast.parse(source).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                definitions[node.name] = node
    return definitions


def taught_copies(package: Path = ROOT / "course_utils") -> list[tuple[Path, ast.AST, Path]]:
    """(module, definition, notebook) for every package definition marked as taught."""
    copies = []
    for module in sorted(package.rglob("*.py")):
        for node in ast.parse(module.read_text(encoding="utf-8")).body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            match = _TAUGHT.search(ast.get_docstring(node) or "")
            if match:
                copies.append((module, node, ROOT / match.group(1)))
    return copies


def differences(copy: ast.AST, notebook: Path) -> str | None:
    """None when the notebook defines the same code under the same name, else why not."""
    if not notebook.is_file():
        return f"{notebook.name} does not exist"
    original = notebook_definitions(notebook).get(copy.name)
    if original is None:
        return f"{notebook.name} defines no top-level {copy.name!r}"
    if ast.dump(_strip_docstrings(copy)) != ast.dump(_strip_docstrings(original)):
        return (f"the package copy of {copy.name!r} differs from {notebook.name}'s:\n"
                f"--- notebook\n{ast.unparse(_strip_docstrings(original))}\n"
                f"--- package\n{ast.unparse(_strip_docstrings(copy))}")
    return None


COPIES = taught_copies()


@pytest.mark.parametrize("module, copy, notebook", COPIES,
                         ids=[f"{m.stem}.{c.name}" for m, c, _ in COPIES])
def test_package_copy_equals_the_notebook_that_teaches_it(module, copy, notebook):
    problem = differences(copy, notebook)
    assert problem is None, f"{module.relative_to(ROOT)}: {problem}"


def _write(tmp_path, notebook_code: str, package_code: str):
    notebook = tmp_path / "02_x.ipynb"
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "source": notebook_code,
                                               "metadata": {}, "outputs": []}]}))
    module = tmp_path / "pkg" / "m.py"
    module.parent.mkdir()
    module.write_text(package_code)
    return notebook, ast.parse(package_code).body[0]


def test_a_changed_line_in_the_notebook_is_caught(tmp_path):
    notebook, copy = _write(
        tmp_path,
        "%matplotlib inline\ndef scale(x):\n    return x / 255.0\n",
        'def scale(x):\n    """Taught in notebooks/02_x.ipynb."""\n    return x / 256.0\n',
    )
    assert "differs" in differences(copy, notebook)


def test_docstrings_and_comments_may_differ(tmp_path):
    notebook, copy = _write(
        tmp_path,
        "def scale(x):\n    # to [0, 1]\n    return x / 255.0\n",
        'def scale(x):\n    """Taught in notebooks/02_x.ipynb."""\n    return x / 255.0\n',
    )
    assert differences(copy, notebook) is None


def test_a_copy_whose_notebook_lost_the_definition_is_caught(tmp_path):
    notebook, copy = _write(tmp_path, "x = 1\n",
                            'def scale(x):\n    """Taught in notebooks/02_x.ipynb."""\n')
    assert "defines no top-level" in differences(copy, notebook)
