"""A Step Functions state machine as a graph, with the path one execution took and its timing.

Input: the Amazon States Language definition (dict or JSON string, as given to
``create_state_machine``) and, optionally, the ``events`` of ``get_execution_history`` (the
shape AWS returns; moto's executing backend returns the same). States the execution entered are
coloured by how they ended; the edges it followed are drawn thick; each state is labelled with
the time spent in it.
"""

from __future__ import annotations

import json
from collections import deque

from ..errors import LabError
from ..executions import execution_path
from ._common import TEMPLATE, empty_figure, go

STATE_COLORS = {"succeeded": "#54A24B", "failed": "#E45756", "running": "#EECA3B", "not run": "#D9DDE3"}
SYMBOLS = {"Task": "square", "Choice": "diamond", "Pass": "circle", "Wait": "hourglass", "Parallel": "square-cross",
           "Map": "square-x", "Succeed": "star", "Fail": "x"}


class DefinitionError(LabError):
    """The state machine definition cannot be read as Amazon States Language."""


def _definition(defn: dict | str) -> dict:
    if isinstance(defn, str):
        try:
            defn = json.loads(defn)
        except json.JSONDecodeError as exc:
            raise DefinitionError(f"The definition is not valid JSON ({exc}).",
                                  "Pass the same JSON (or dict) you gave to create_state_machine.") from None
    if not isinstance(defn, dict) or "States" not in defn or "StartAt" not in defn:
        raise DefinitionError("An Amazon States Language definition needs 'StartAt' and 'States'.",
                              "Pass the state machine definition (describe_state_machine(...)['definition']).")
    return defn


def edges_of(defn: dict | str) -> list[tuple[str, str, str]]:
    """(from, to, kind) for every transition: next, default, choice, catch."""
    d = _definition(defn)
    out = []
    for name, st in d["States"].items():
        if "Next" in st:
            out.append((name, st["Next"], "next"))
        for ch in st.get("Choices", []):
            if "Next" in ch:
                out.append((name, ch["Next"], "choice"))
        if "Default" in st:
            out.append((name, st["Default"], "default"))
        for c in st.get("Catch", []):
            if "Next" in c:
                out.append((name, c["Next"], "catch"))
    return out


def layout(defn: dict | str) -> dict[str, tuple[float, float]]:
    """Layered positions: depth from StartAt (breadth-first) down, states of a layer side by side."""
    d = _definition(defn)
    adj: dict[str, list[str]] = {n: [] for n in d["States"]}
    for a, b, _ in edges_of(d):
        if b in adj:
            adj[a].append(b)
    depth = {d["StartAt"]: 0}
    q = deque([d["StartAt"]])
    while q:
        n = q.popleft()
        for m in adj.get(n, []):
            if m not in depth:
                depth[m] = depth[n] + 1
                q.append(m)
    bottom = max(depth.values(), default=0) + 1
    for n in d["States"]:
        depth.setdefault(n, bottom)
    layers: dict[int, list[str]] = {}
    for n in d["States"]:
        layers.setdefault(depth[n], []).append(n)
    pos = {}
    for k, names in layers.items():
        for i, n in enumerate(names):
            pos[n] = (i - (len(names) - 1) / 2, -float(k))
    return pos


def duration_label(ms: float) -> str:
    """1.5 ms, 820 ms, 4200 ms, 12.5 s, 12 min, 1.0 h: an hour's Wait should not read "3600000 ms"."""
    if ms < 10:
        return f"{ms:.1f} ms"
    if ms < 10_000:
        return f"{ms:.0f} ms"
    s = ms / 1000
    if s < 120:
        return f"{s:.1f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def stepfunctions_graph(definition: dict | str, history: list[dict] | dict | None = None,
                        title: str | None = None):
    """Draw the state machine; with an execution history, colour the states it ran (green
    succeeded, red failed, yellow still running), thicken the edges it followed and label each
    state with its time."""
    d = _definition(definition)
    if not d["States"]:
        return empty_figure(title or "State machine", "This state machine has no states.")
    g = go()
    pos = layout(d)
    edges = edges_of(d)
    run = execution_path(history, set(d["States"])) if history is not None else None
    taken = set()
    if run:
        taken = set(zip(run["path"], run["path"][1:]))
    fig = g.Figure()
    for kind, dash, color in (("next", "solid", "#9AA3AE"), ("catch", "dash", "#E45756")):
        xs, ys = [], []
        for a, b, k in edges:
            if (k == "catch") != (kind == "catch") or b not in pos:
                continue
            xs += [pos[a][0], pos[b][0], None]
            ys += [pos[a][1], pos[b][1], None]
        fig.add_trace(g.Scatter(x=xs, y=ys, mode="lines", line=dict(color=color, width=1.5, dash=dash),
                                hoverinfo="skip", name="transition" if kind == "next" else "catch", showlegend=bool(xs)))
    if taken:
        xs, ys = [], []
        for a, b in taken:
            if a in pos and b in pos:
                xs += [pos[a][0], pos[b][0], None]
                ys += [pos[a][1], pos[b][1], None]
        fig.add_trace(g.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#2E7D32", width=5), name="path taken",
                                hoverinfo="skip"))
    for a, b, _k in edges:  # arrow heads
        if b in pos and a != b:
            fig.add_annotation(x=pos[b][0], y=pos[b][1] + 0.18, ax=pos[a][0], ay=pos[a][1] - 0.18, xref="x", yref="y",
                               axref="x", ayref="y", showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1,
                               arrowcolor="#2E7D32" if (a, b) in taken else "#9AA3AE", text="")
    names = list(d["States"])
    status = [run["states"].get(n, {}).get("status", "not run") if run else "not run" for n in names]
    labels, hovers = [], []
    for n, s in zip(names, status):
        st = d["States"][n]
        info = run["states"].get(n) if run else None
        extra = ""
        if st.get("Type") in ("Parallel",):
            extra = f" ({len(st.get('Branches', []))} branches)"
        if info:
            retried = max(info.get("attempts", 0) - info["visits"], 0)
            labels.append(f"<b>{n}</b><br>{duration_label(info['ms'])}"
                          + (f" ×{info['visits']}" if info["visits"] > 1 else "")
                          + (f" · {retried} retr{'y' if retried == 1 else 'ies'}" if retried else ""))
            hovers.append(f"{n} ({st.get('Type')}{extra})<br>{s}<br>entered at +{duration_label(info['entered'] * 1000)}"
                          f"<br>time in state: {duration_label(info['ms'])}"
                          + (f"<br>task attempts: {info.get('attempts', 0)}" if info.get("attempts") else ""))
        else:
            labels.append(f"<b>{n}</b>")
            hovers.append(f"{n} ({st.get('Type')}{extra})<br>{s}")
    fig.add_trace(g.Scatter(
        x=[pos[n][0] for n in names], y=[pos[n][1] for n in names], mode="markers+text", name="states",
        text=labels, textposition="middle right", hovertext=hovers, hoverinfo="text", showlegend=False,
        marker=dict(size=26, color=[STATE_COLORS[s] for s in status], line=dict(width=2, color="#333"),
                    symbol=[SYMBOLS.get(d["States"][n].get("Type"), "circle") for n in names]),
    ))
    depth = -min(p[1] for p in pos.values())
    head = title or "State machine" + (f" — execution {run['status']} in {duration_label(run['total_ms'])}" if run else "")
    fig.update_layout(template=TEMPLATE, title=head, height=max(300, 110 * (depth + 1)),
                      xaxis=dict(visible=False, range=[min(p[0] for p in pos.values()) - 1, max(p[0] for p in pos.values()) + 2]),
                      yaxis=dict(visible=False, range=[-depth - 0.6, 0.6]), legend=dict(orientation="h", y=-0.05),
                      margin=dict(l=20, r=20, t=50, b=20))
    return fig
