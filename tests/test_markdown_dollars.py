"""No dollar amount in a lab's Markdown is typeset as LaTeX by JupyterLab (fast; no browser).

How JupyterLab 4 renders a Markdown cell (@jupyterlab/rendermime, `removeMath` in latex.ts, then the
MathJax typesetter of @jupyterlab/mathjax-extension, configured with ``inlineMath: [['$', '$'], ...]`` and
``processEscapes: true``):
1. ``removeMath`` hides code (fenced blocks, and backtick spans *on one line*) and takes ``$…$`` pairs out as math;
2. the Markdown parser turns ``\\$``, ``&#36;`` and ``&dollar;`` into a plain ``$`` in the page's text;
3. MathJax then scans the rendered text and pairs any two ``$`` of one text run into a formula.
So ``\\$`` and ``&#36;`` are *not* escapes in JupyterLab (tests/test_browser_labs.py sees them typeset). What renders a
dollar is ``\\\\$`` in the source: Markdown makes it ``\\$`` in the page, which MathJax (processEscapes) shows as ``$``.
The course writes amounts ``\\\\$0.20`` (CONTRIBUTING.md); a display formula ``$$…$$`` with TeX commands stays LaTeX.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT

# what JupyterLab's removeMath hides from math (a display formula, a code fence, a one-line code span)
PROTECTED = re.compile(r"(?P<display>\$\$[^$]*\\[a-zA-Z]+[^$]*\$\$)"
                       r"|(?P<fence>^(?P<f>`{3,}|~{3,})[^\n]*\n[\s\S]*?^(?P=f)[`~]*$)"
                       r"|(?P<span>(?<!\\)(?P<t>`+)[^\n]*?[^`\n](?P=t)(?!`))", re.M)
# every way of writing a character that ends up a `$` in the rendered page; `\\$` (first) is the safe one
DOLLAR = re.compile(r"\\\\\$|\\\$|&#0*36;|&#x0*24;|&dollar;|\$", re.I)
SAFE = "\\\\$"


def stray_dollars(source: str) -> list[str]:
    """The lines of a Markdown cell with a dollar that MathJax could pair into a formula."""
    text = PROTECTED.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)
    return [line.strip() for line, shown in zip(source.splitlines(), text.splitlines())
            if any(m.group(0) != SAFE for m in DOLLAR.finditer(shown))]


def _notebooks() -> list[Path]:
    return sorted(ROOT.glob("solutions/lab*/*.ipynb")) + sorted(ROOT.glob("labs/lab*/*.ipynb"))


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_no_dollar_in_markdown_becomes_a_formula(path):
    nb = nbformat.read(path, as_version=4)
    bad = [(cell.get("id"), line) for cell in nb.cells if cell.cell_type == "markdown"
           for line in stray_dollars(cell.source)]
    assert not bad, (f"{path.relative_to(ROOT)}: JupyterLab would typeset these dollars as LaTeX; write an amount "
                     "\\\\$0.20 (MathJax's escape; `\\$` and `&#36;` are not enough) or put it in a `code span`, "
                     "then `make release`:\n" + "\n".join(f"  cell {i}: {ln[:160]}" for i, ln in bad))


@pytest.mark.parametrize("source, stray", [
    ("costs $0.20 and $3.50", True),
    ("costs \\$0.20 and \\$3.50", True),           # Markdown's escape: a bare `$` for MathJax
    ("costs &#36;0.20 and &#36;3.50", True),       # an entity: a bare `$` in the page too
    ("| tier | \\$3.50 |", True),
    ("costs \\\\$0.20 and \\\\$3.50", False),       # MathJax's escape: shown as `$0.20`
    ("routes `$default` and `\"$.order\"`", False),
    ("```mermaid\nA[$default stage] --> B\n```", False),
    ("$$\\text{concurrency} \\approx \\text{rate} \\times \\text{duration}$$", False),
    ("`{\"Next\": \"B\",\n\"ResultPath\": \"$.error\"}` a code span over two lines", True),  # removeMath sees the `$`
])
def test_the_rule_matches_what_jupyterlab_typesets(source, stray):
    assert bool(stray_dollars(source)) is stray
