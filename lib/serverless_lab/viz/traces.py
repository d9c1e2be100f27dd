"""X-Ray traces drawn as the X-Ray console draws them: a service map and a per-request timeline.

    xray = boto3.client("xray", region_name=REGION)
    traces = xray.batch_get_traces(TraceIds=[trace_id])["Traces"]
    viz.service_map(traces)      # client → AWS::Lambda → AWS::Lambda::Function → DynamoDB / SQS
    viz.trace_timeline(traces[0])

Both read the segment documents ``BatchGetTraces`` returns (or a list of segment dicts); the
arithmetic is in ``serverless_lab.xray_segments`` (``service_graph``, ``timeline_rows``).
"""

from __future__ import annotations

import json
from typing import Any

from .. import xray_segments as X
from ._common import COLORS, TEMPLATE, empty_figure, go

_KIND_COLORS = {"segment": COLORS["invoke"], "subsegment": "#72B7B2", "aws": "#B279A2"}
_TYPE_ORDER = {"client": 0, X.LAMBDA_SERVICE: 1, X.LAMBDA_FUNCTION: 2}


def segments_of(trace: Any) -> list[dict[str, Any]]:
    """The segment dicts of one trace: a BatchGetTraces trace, its Segments, or segment dicts."""
    if isinstance(trace, dict) and "Segments" in trace:
        trace = trace["Segments"]
    out = []
    for s in trace or []:
        if isinstance(s, dict) and "Document" in s:
            out.append(json.loads(s["Document"]))
        elif isinstance(s, str):
            out.append(json.loads(s))
        else:
            out.append(s)
    return X.assemble(out)


def service_map_data(traces: Any) -> dict[str, Any]:
    """Nodes and edges of the service map over ``traces`` (a list of BatchGetTraces traces)."""
    if isinstance(traces, dict) and "Traces" in traces:
        traces = traces["Traces"]
    nodes, edges = X.service_graph([segments_of(t) for t in traces])
    return {"nodes": list(nodes.values()), "edges": list(edges.values())}


def _layout(nodes: list[X.Node], edges: list[X.Edge]) -> dict[tuple[str, str], tuple[float, float]]:
    """Columns by distance from the client, rows within a column."""
    depth: dict[tuple[str, str], int] = {X.CLIENT: 0}
    for _ in range(len(nodes)):
        for e in edges:
            if e.source in depth and depth.get(e.target, -1) < depth[e.source] + 1:
                depth[e.target] = depth[e.source] + 1
    columns: dict[int, list[tuple[str, str]]] = {}
    for n in nodes:
        columns.setdefault(depth.get(n.key, 0), []).append(n.key)
    pos = {}
    for col, keys in columns.items():
        keys.sort(key=lambda k: (_TYPE_ORDER.get(k[1], 9), k[0]))
        for i, key in enumerate(keys):
            pos[key] = (float(col), (len(keys) - 1) / 2.0 - i)
    return pos


def service_map(traces: Any, title: str = "Service map (X-Ray)"):
    """The service map: a node per service (client, Lambda service, function, each table and
    queue called), an arrow per caller → callee with its requests, errors and average latency."""
    data = service_map_data(traces)
    nodes, edges = data["nodes"], data["edges"]
    if len(nodes) <= 1:
        return empty_figure(title, "No trace segments yet: invoke a function with TracingConfig Mode=Active, "
                                   "then read its trace with xray.batch_get_traces(TraceIds=[...]).")
    g = go()
    pos = _layout(nodes, edges)
    fig = g.Figure()
    for e in edges:
        (x0, y0), (x1, y1) = pos[e.source], pos[e.target]
        color = COLORS["failed"] if e.errors else "#666666"
        fig.add_annotation(x=x1 - 0.12, y=y1, ax=x0 + 0.12, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=3, arrowwidth=1.5, arrowcolor=color, text="")
        label = f"{e.requests} req · {e.average_ms:.0f} ms avg" + (f" · {e.errors} err" if e.errors else "")
        fig.add_annotation(x=(x0 + x1) / 2, y=(y0 + y1) / 2 + 0.12, text=label, showarrow=False,
                           font=dict(size=10, color=color))
    fig.add_trace(g.Scatter(
        x=[pos[n.key][0] for n in nodes], y=[pos[n.key][1] for n in nodes], mode="markers+text",
        marker=dict(size=34, color=[COLORS["idle"] if n.type == "client" else _KIND_COLORS["aws"]
                                    if n.type.startswith("AWS::") and n.type not in _TYPE_ORDER
                                    else COLORS["invoke"] for n in nodes], line=dict(width=1, color="#333")),
        text=[f"{n.name}<br><i>{n.type}</i>" for n in nodes], textposition="bottom center",
        hovertext=[f"{n.name} ({n.type}): {n.count} segment(s)" for n in nodes], hoverinfo="text",
        name="services", showlegend=False))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    fig.update_layout(title=title, template=TEMPLATE, height=max(320, 140 * (max(ys) - min(ys) + 2)),
                      xaxis=dict(visible=False, range=[min(xs) - 0.5, max(xs) + 0.5]),
                      yaxis=dict(visible=False, range=[min(ys) - 0.9, max(ys) + 0.6]))
    return fig


def trace_timeline(trace: Any, title: str | None = None):
    """One request's timeline: a bar per segment and subsegment, nested, on the trace's clock
    (milliseconds from its first segment), failed ones in red, AWS calls with their resource."""
    segments = segments_of(trace)
    rows = X.timeline_rows(segments)
    title = title or "Trace timeline" + (f" {segments[0].get('trace_id', '')}" if segments else "")
    if not rows:
        return empty_figure(title, "This trace has no segments yet (they arrive asynchronously; read it again).")
    g = go()
    t0 = min(r.start for r in rows)
    labels = [("\u2003" * r.depth) + r.name + (f" ({r.origin})" if r.origin else "") for r in rows]
    fig = g.Figure(g.Bar(
        y=labels, x=[max((r.end - r.start) * 1000.0, 0.2) for r in rows], base=[(r.start - t0) * 1000.0 for r in rows],
        orientation="h",
        marker_color=[COLORS["failed"] if r.failed else _KIND_COLORS[r.kind] for r in rows],
        text=[f"{(r.end - r.start) * 1000.0:.1f} ms" + (f" · {r.detail}" if r.detail else "") for r in rows],
        textposition="outside", cliponaxis=False, hoverinfo="text+y", name="segments"))
    fig.update_layout(title=title, template=TEMPLATE, height=120 + 28 * len(rows), showlegend=False,
                      xaxis_title="ms since the trace began",
                      yaxis=dict(autorange="reversed", categoryorder="array", categoryarray=labels))
    return fig
