"""The grader wraps each test cell (restore the guard first, record completion last) without changing what
the cell means: a trailing expression stays the cell's result, whatever shares its line."""

from __future__ import annotations

import pytest

from serverless_lab.grading.sandbox import GUARD, _instrument


class _Guard:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def restore(self, marker: str) -> None:
        self.calls.append("restore")

    def done(self, marker: str) -> None:
        self.calls.append("done")


@pytest.mark.parametrize("source, value", [
    ("x = 1\nx + 1", 2),
    ("a = []\na.append(1); len(a)", 1),          # two statements on the last line
    ("é = 2; é * 3", 6),                          # col_offset counts UTF-8 bytes
    ("y = (1,\n     2)\ny", (1, 2)),
    ("z = 5\n(z,\n z)", (5, 5)),                  # a multi-line trailing expression
    ("w = 3\nw;", None),                          # a trailing ';' suppresses the result
])
def test_trailing_expression_survives_instrumentation(source, value):
    code = _instrument(source, "m")
    ns = {GUARD: _Guard()}
    exec(compile(code, "<cell>", "exec"), ns)
    assert ns[GUARD].calls == ["restore", "done"]
    assert ns.get(f"{GUARD}_last") == value
