"""Shared pieces of the charts: colours, the empty-chart message, reading a trace's columns."""

from __future__ import annotations

from typing import Any

import numpy as np

COLORS = {
    "init": "#F58518",        # INIT phase (cold start)
    "invoke": "#4C78A8",      # INVOKE on an on-demand environment
    "provisioned": "#54A24B", # INVOKE on a provisioned environment
    "failed": "#E45756",      # error, timeout, crash, out of memory
    "throttled": "#B00020",
    "idle": "#C9CED6",        # environment alive but idle (warm)
    "cold": "#F58518",
    "limit": "#444444",
    "reserved": "#9D755D",
    "pc": "#54A24B",
}
TEMPLATE = "plotly_white"


def go():
    """plotly.graph_objects, with a clear message if plotly is missing."""
    from ..errors import require

    return require("plotly.graph_objects", "Drawing charts", "plotly")


def columns(trace: Any) -> dict[str, np.ndarray]:
    """The columns of a Trace (or a dict of columns, or a list of Invocation records)."""
    if hasattr(trace, "columns"):
        return trace.columns()
    if isinstance(trace, dict) and "arrival" in trace:
        return trace
    from ..errors import LabError
    from ..trace import Invocation, Trace

    if isinstance(trace, (list, tuple)) and all(isinstance(r, Invocation) for r in trace):
        return Trace(list(trace)).columns()
    raise LabError(
        f"Charts draw a trace of invocations; got {type(trace).__name__}.",
        "Pass serverless_lab.trace.TRACE (what really ran) or the result of serverless_lab.simulate.simulate(...).",
    )


def n_rows(cols: dict[str, np.ndarray]) -> int:
    return len(cols.get("arrival", ()))


def empty_figure(title: str, message: str = "", height: int = 320):
    """A chart that says why it is empty instead of failing (an empty trace is normal in a lab
    before the first invocation)."""
    g = go()
    fig = g.Figure()
    fig.update_layout(
        title=title, template=TEMPLATE, height=height,
        xaxis={"visible": False}, yaxis={"visible": False},
        annotations=[{
            "text": message or "No invocations yet: invoke your function (or run the simulator) and draw again.",
            "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False, "font": {"size": 14},
        }],
    )
    return fig


def is_simulated(trace: Any, cols: dict[str, np.ndarray]) -> bool:
    meta = getattr(trace, "meta", None) or {}
    if meta.get("simulated"):
        return True
    sim = cols.get("simulated")
    return bool(len(sim) and np.all(sim))
