"""A Step Functions state machine as a graph, with the path one execution took and its timing.

Input: the Amazon States Language definition (dict or JSON string, as given to
``create_state_machine``) and, optionally, the ``events`` of ``get_execution_history`` (the
shape AWS returns; moto's executing backend returns the same). States the execution entered are
coloured by how they ended; the edges it followed are drawn thick; each state is labelled with
the time spent in it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

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


EDGE_NAMES = {"next": "transition", "catch": "catch", "loop": "back to an earlier state"}
CONTAINER_EDGES = ("branch", "item")   # a Parallel's or Map's edge into its branch


def _flatten(d: dict, states: dict[str, dict], edges: list[tuple[str, str, str]],
             members: dict[str, list[str]], container: str | None = None) -> None:
    """Every state of ``d`` (and of its branches) into ``states``; every transition into ``edges``.

    A Parallel or Map state leads into each of its branches (kind ``branch``, ``item`` for a Map's
    item processor); its ``Next`` leaves from the state itself, and the layout places that next
    state below everything the branches hold, as the console draws the container."""
    for name, st in d["States"].items():
        states.setdefault(name, st)
        if container is not None:
            members[container].append(name)
    for name, st in d["States"].items():
        if "Next" in st:
            edges.append((name, st["Next"], "next"))
        for ch in st.get("Choices", []):
            if "Next" in ch:
                edges.append((name, ch["Next"], "choice"))
        if "Default" in st:
            edges.append((name, st["Default"], "default"))
        for c in st.get("Catch", []):
            if "Next" in c:
                edges.append((name, c["Next"], "catch"))
        inner = list(st.get("Branches", []))
        kind = "branch"
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(st.get(key), dict):
                inner.append(st[key])
                kind = "item"
        for branch in inner:
            if isinstance(branch, dict) and branch.get("StartAt") in branch.get("States", {}):
                members.setdefault(name, [])
                edges.append((name, branch["StartAt"], kind))
                _flatten(branch, states, edges, members, name)
                if container is not None:
                    members[container] += [m for m in members[name] if m not in members[container]]


def edges_of(defn: dict | str) -> list[tuple[str, str, str]]:
    """(from, to, kind) for every transition: next, default, choice, catch; and from a Parallel or
    Map state into its branches (branch, item)."""
    d = _definition(defn)
    edges: list[tuple[str, str, str]] = []
    _flatten(d, {}, edges, {})
    return edges


@dataclass
class Plan:
    """Where each state goes (x across, y = -rank: the start at the top, flowing down), the
    points each edge passes through, and the states inside each Parallel or Map state."""

    pos: dict[str, tuple[float, float]]
    edges: list[tuple[str, str, str]]
    routes: dict[tuple[str, str, str], list[tuple[float, float]]]
    members: dict[str, list[str]]
    back: set[tuple[str, str, str]] = field(default_factory=set)
    types: dict[str, str] = field(default_factory=dict)

    @property
    def rank(self) -> dict[str, int]:
        return {n: int(round(-y)) for n, (_x, y) in self.pos.items()}


def plan(defn: dict | str) -> Plan:
    """A layered drawing, top-down like the Step Functions console.

    Ranks are longest paths from StartAt (an edge that closes a loop is drawn back up and not
    counted), so every other transition goes down; the next state of a Parallel or Map goes
    below all its branches. An edge that spans several ranks passes through a point on each, and
    the states (and those points) of each rank are ordered by the mean position of their
    neighbours, sweeping down and up a few times (Sugiyama's method), so that the branches of a
    Choice, a Parallel or a Catch sit side by side and arrows do not cross on the course's machines.
    """
    d = _definition(defn)
    states: dict[str, dict] = {}
    edges: list[tuple[str, str, str]] = []
    members: dict[str, list[str]] = {}
    _flatten(d, states, edges, members)
    edges = [e for e in edges if e[1] in states]
    succ: dict[str, list[tuple[str, str, str]]] = {n: [] for n in states}
    for e in edges:
        succ[e[0]].append(e)
    # loops: depth-first from StartAt, an edge back to a state on the stack is a back edge
    back: set[tuple[str, str, str]] = set()
    mark: dict[str, int] = {}
    order: list[str] = []

    def visit(n: str) -> None:
        mark[n] = 1
        for e in succ[n]:
            if mark.get(e[1]) == 1:
                back.add(e)
            elif e[1] not in mark:
                visit(e[1])
        mark[n] = 2
        order.append(n)

    for n in [d["StartAt"], *states]:
        if n not in mark:
            visit(n)
    forward = [e for e in edges if e not in back]
    rank: dict[str, int] = {}
    for n in reversed(order):   # topological order of the forward edges
        rank.setdefault(n, 0)
        for e in succ[n]:
            if e not in back:
                rank[e[1]] = max(rank.get(e[1], 0), rank[n] + 1)
    # a container's next state goes below everything inside it
    changed = True
    while changed:
        changed = False
        for c, inside in members.items():
            bottom = max((rank[m] for m in inside), default=rank[c])
            for e in succ[c]:
                if e[2] not in CONTAINER_EDGES and e not in back and rank[e[1]] <= bottom:
                    rank[e[1]] = bottom + 1
                    changed = True
        if changed:   # push everything after a moved state down again
            for n in reversed(order):
                for e in succ[n]:
                    if e not in back and rank[e[1]] <= rank[n]:
                        rank[e[1]] = rank[n] + 1
    # long edges pass through one point per rank they cross
    layers: dict[int, list[str]] = {}
    for n in states:   # definition order: the first branch on the left
        layers.setdefault(rank[n], []).append(n)
    chain: dict[tuple[str, str, str], list[str]] = {}
    up: dict[str, list[str]] = {n: [] for n in states}
    down: dict[str, list[str]] = {n: [] for n in states}
    for i, e in enumerate(forward):
        a, b, _k = e
        prev = a
        points = []
        for r in range(rank[a] + 1, rank[b]):
            p = f"\x00{i}:{r}"
            layers.setdefault(r, []).append(p)
            up[p], down[p] = [prev], []
            down[prev].append(p)
            points.append(p)
            prev = p
        up[b].append(prev)
        down[prev].append(b)
        chain[e] = points
    idx: dict[str, float] = {}
    ranks = sorted(layers)
    for r in ranks:
        for i, n in enumerate(layers[r]):
            idx[n] = float(i)

    def sweep(rs: list[int], nbrs: dict[str, list[str]]) -> None:
        for r in rs:
            layer = layers[r]
            layer.sort(key=lambda n: (sum(idx[m] for m in nbrs[n]) / len(nbrs[n])) if nbrs[n] else idx[n])
            for i, n in enumerate(layer):
                idx[n] = float(i)

    for _ in range(3):
        sweep(ranks[1:], up)
        sweep(ranks[::-1][1:], down)
    sweep(ranks[1:], up)
    x = _place(layers, ranks, up, down)
    xy = {n: (x[n], -float(r)) for r in ranks for n in layers[r]}
    pos = {n: xy[n] for n in states}
    routes = {e: [xy[e[0]], *[xy[p] for p in chain[e]], xy[e[1]]] for e in forward}
    for e in back:
        routes[e] = [xy[e[0]], xy[e[1]]]
    return Plan(pos, edges, routes, members, back, {n: st.get("Type", "") for n, st in states.items()})


def _pull(n: str, nbrs: list[str]) -> list[str]:
    """The neighbours a state lines up with: other states, before the points of long edges (a
    Catch that jumps far down should not pull the state off its column)."""
    if n.startswith("\x00"):
        return nbrs
    states = [m for m in nbrs if not m.startswith("\x00")]
    return states or nbrs


def _mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default


def _place(layers: dict[int, list[str]], ranks: list[int], up: dict[str, list[str]],
           down: dict[str, list[str]]) -> dict[str, float]:
    """x of each state and point: in its layer's order, at least 1 apart, each as close as it can
    be to the mean x of its neighbours (so a chain of states stands straight, as in the console)."""
    x = {n: i - (len(layers[r]) - 1) / 2 for r in ranks for i, n in enumerate(layers[r])}

    def settle(layer: list[str], want: dict[str, float], nbrs: dict[str, list[str]]) -> None:
        # Sugiyama's priority method: states first (the more neighbours the earlier), then the
        # points of long edges; each goes where it wants, as far as the ones already placed allow,
        # pushing the others aside
        pos = [x[n] for n in layer]
        fixed: list[int] = []
        for i in sorted(range(len(layer)), key=lambda i: (layer[i].startswith("\x00"), -len(nbrs[layer[i]]))):
            lo = max((pos[j] + (i - j) for j in fixed if j < i), default=-float("inf"))
            hi = min((pos[j] - (j - i) for j in fixed if j > i), default=float("inf"))
            pos[i] = min(max(want[layer[i]], lo), hi)
            fixed.append(i)
            for k in range(i + 1, len(layer)):
                if k not in fixed:
                    pos[k] = max(pos[k], pos[k - 1] + 1)
            for k in range(i - 1, -1, -1):
                if k not in fixed:
                    pos[k] = min(pos[k], pos[k + 1] - 1)
        for n, v in zip(layer, pos):
            x[n] = v

    for _ in range(4):
        for rs, nbrs in ((ranks, up), (ranks[::-1], down)):
            for r in rs:
                want = {n: _mean([x[m] for m in _pull(n, nbrs[n])], x[n]) for n in layers[r]}
                settle(layers[r], want, nbrs)
    low = min(x.values())
    return {n: v - low for n, v in x.items()}


def layout(defn: dict | str) -> dict[str, tuple[float, float]]:
    """Positions of every state (branches included): see :func:`plan`."""
    return plan(defn).pos


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


def _polylines(routes: list[list[tuple[float, float]]]) -> tuple[list[float | None], list[float | None]]:
    """One plotly line trace's x and y for many polylines (None between them)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for route in routes:
        xs += [x for x, _y in route] + [None]
        ys += [y for _x, y in route] + [None]
    return xs, ys


def _taken(p: Plan, run: dict, inner: dict) -> set[tuple[str, str]]:
    """The edges an execution followed: consecutive top-level states, and inside a Parallel or
    Map state the edges between states its branches entered."""
    taken = set(zip(run["path"], run["path"][1:]))
    entered = set(inner["states"])
    for a, b, k in p.edges:
        if k in CONTAINER_EDGES and a in entered and b in entered:
            taken.add((a, b))
        elif a in entered and b in entered and any(a in m and b in m for m in p.members.values()):
            taken.add((a, b))
    return {(a, b) for a, b, _k in p.edges if (a, b) in taken}


def stepfunctions_graph(definition: dict | str, history: list[dict] | dict | None = None,
                        title: str | None = None):
    """Draw the state machine top-down, as the console does (:func:`plan`); with an execution
    history, colour the states it ran (green succeeded, red failed, yellow still running), thicken
    the edges it followed and label each state with its time."""
    d = _definition(definition)
    if not d["States"]:
        return empty_figure(title or "State machine", "This state machine has no states.")
    g = go()
    p = plan(d)
    pos = p.pos
    run = execution_path(history, set(d["States"])) if history is not None else None
    inner = execution_path(history) if history is not None else None   # branch states too
    taken = _taken(p, run, inner) if run and inner else set()
    fig = g.Figure()
    for c, inside in p.members.items():   # a Parallel or Map state's box around its branches
        cx = [pos[n][0] for n in [c, *inside]]
        cy = [pos[n][1] for n in [c, *inside]]
        fig.add_shape(type="rect", x0=min(cx) - 0.35, x1=max(cx) + 0.8, y0=min(cy) - 0.35, y1=max(cy) + 0.3,
                      line=dict(color="#9AA3AE", width=1, dash="dot"), fillcolor="rgba(0,0,0,0.02)", layer="below")
    for kind, dash, color in (("next", "solid", "#9AA3AE"), ("catch", "dash", "#E45756"), ("loop", "dot", "#9AA3AE")):
        xs, ys = _polylines([p.routes[e] for e in p.edges
                             if kind == ("loop" if e in p.back else ("catch" if e[2] == "catch" else "next"))])
        fig.add_trace(g.Scatter(x=xs, y=ys, mode="lines", line=dict(color=color, width=1.5, dash=dash),
                                hoverinfo="skip", name=EDGE_NAMES[kind], showlegend=bool(xs)))
    if taken:
        xs, ys = _polylines([p.routes[e] for e in p.edges if (e[0], e[1]) in taken])
        fig.add_trace(g.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#2E7D32", width=5), name="path taken",
                                hoverinfo="skip"))
    for e in p.edges:  # arrow heads: a short arrow at the end of each edge's last leg
        a, b, _k = e
        if a == b:
            continue
        (x0, y0), (x1, y1) = p.routes[e][-2], p.routes[e][-1]
        span = max(abs(y1 - y0), 1e-9)
        tip, tail = 1 - 0.2 / span, 1 - 0.4 / span
        fig.add_annotation(x=x0 + (x1 - x0) * tip, y=y0 + (y1 - y0) * tip, ax=x0 + (x1 - x0) * tail,
                           ay=y0 + (y1 - y0) * tail, xref="x", yref="y", axref="x", ayref="y", showarrow=True,
                           arrowhead=2, arrowsize=1.2, arrowwidth=1.5, text="",
                           arrowcolor="#2E7D32" if (a, b) in taken else ("#E45756" if e[2] == "catch" else "#9AA3AE"))
    names = list(pos)
    seen: dict[str, dict | None] = {}
    for n in names:
        seen[n] = run["states"].get(n) if run and n in run["states"] else (inner["states"].get(n) if inner else None)
    status = [str(info["status"]) if (info := seen[n]) else "not run" for n in names]
    labels, hovers = [], []
    for n, s in zip(names, status):
        typ = p.types.get(n, "")
        info = seen[n]
        extra = ""
        if typ == "Parallel":
            extra = f" ({sum(1 for e in p.edges if e[0] == n and e[2] == 'branch')} branches)"
        if info:
            retried = max(info.get("attempts", 0) - info["visits"], 0)
            labels.append(f"<b>{n}</b><br>{duration_label(info['ms'])}"
                          + (f" ×{info['visits']}" if info["visits"] > 1 else "")
                          + (f" · {retried} retr{'y' if retried == 1 else 'ies'}" if retried else ""))
            hovers.append(f"{n} ({typ}{extra})<br>{s}<br>entered at +{duration_label(info['entered'] * 1000)}"
                          f"<br>time in state: {duration_label(info['ms'])}"
                          + (f"<br>task attempts: {info.get('attempts', 0)}" if info.get("attempts") else ""))
        else:
            labels.append(f"<b>{n}</b>")
            hovers.append(f"{n} ({typ}{extra})<br>{s}")
    fig.add_trace(g.Scatter(
        x=[pos[n][0] for n in names], y=[pos[n][1] for n in names], mode="markers+text", name="states",
        text=labels, textposition="middle right", hovertext=hovers, hoverinfo="text", showlegend=False,
        marker=dict(size=26, color=[STATE_COLORS[s] for s in status], line=dict(width=2, color="#333"),
                    symbol=[SYMBOLS.get(p.types.get(n, ""), "circle") for n in names]),
    ))
    depth = -min(q[1] for q in pos.values())
    every = [q for route in p.routes.values() for q in route] + list(pos.values())
    x_lo, x_hi = min(q[0] for q in every), max(q[0] for q in every)
    head = title or "State machine" + (f" — execution {run['status']} in {duration_label(run['total_ms'])}" if run else "")
    fig.update_layout(template=TEMPLATE, title=head, height=max(300, 110 * (depth + 1)),
                      width=max(520, int(230 * (x_hi - x_lo + 2))),
                      xaxis=dict(visible=False, range=[x_lo - 0.6, x_hi + 1.2]),
                      yaxis=dict(visible=False, range=[-depth - 0.6, 0.6]), legend=dict(orientation="h", y=-0.05),
                      margin=dict(l=20, r=20, t=50, b=20))
    return fig
