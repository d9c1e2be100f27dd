"""The invocation timeline: one lane per execution environment, INIT and INVOKE as bars.

Why segments and not one shape per invocation: a chart of 10,000 invocations made of 10,000
plotly shapes takes seconds to draw and to update. Here each category (INIT, INVOKE on-demand,
INVOKE provisioned, failed, idle) is ONE line trace whose segments are separated by gaps, so the
browser draws a handful of SVG paths whatever the size, and a dashboard can swap the arrays in
place. The details of each invocation (request id, trigger, durations, billed ms, memory) ride
on one invisible marker per invocation as ``customdata``, formatted by plotly in the browser
(formatting 10,000 strings in Python would cost more than the simulation).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import COLORS, TEMPLATE, columns, empty_figure, go, is_simulated, n_rows

TRACE_NAMES = ("environment alive (idle)", "INIT (cold start)", "INVOKE", "INVOKE (provisioned)",
               "INVOKE failed", "cold start", "throttled", "invocation", "invocation (cold start)")
_HOVER = ("RequestId: %{customdata[0]}<br>environment: %{customdata[1]}<br>trigger: %{customdata[2]}"
          "<br>Duration: %{customdata[3]:.2f} ms")
HOVER_WARM = _HOVER + ("<br>Billed Duration: %{customdata[5]} ms<br>Memory Size: %{customdata[6]} MB"
                       "<br>outcome: %{customdata[7]}<extra></extra>")
HOVER_COLD = _HOVER + ("<br>Init Duration: %{customdata[4]:.2f} ms<br>Billed Duration: %{customdata[5]} ms"
                       "<br>Memory Size: %{customdata[6]} MB<br>outcome: %{customdata[7]}<extra></extra>")
MAX_SEGMENTS = 60_000


def _segments(y: np.ndarray, x0: np.ndarray, x1: np.ndarray, text: np.ndarray | None = None):
    """x/y arrays for line segments [x0, x1] at height y, separated by NaN gaps (one path).

    Float arrays with NaN (not lists with None) so a FigureWidget ships them as binary buffers."""
    n = len(x0)
    xs = np.empty(3 * n, dtype=float)
    ys = np.empty(3 * n, dtype=float)
    xs[0::3], xs[1::3], xs[2::3] = x0, x1, np.nan
    ys[0::3], ys[1::3], ys[2::3] = y, y, np.nan
    if text is None:
        return xs, ys, None
    ts = np.empty(3 * n, dtype=object)
    ts[0::3], ts[1::3], ts[2::3] = text, text, ""
    return xs, ys, ts


def _hover(c: dict[str, np.ndarray], idx: np.ndarray) -> list:
    """Per invocation: [request id, environment, trigger (type), duration ms, init ms, billed ms,
    memory MB, outcome] — the REPORT line's fields, as plotly ``customdata`` rows."""
    if not len(idx):
        return []
    trig = c["trigger"][idx].astype(object) + " (" + c["invocation_type"][idx].astype(object) + ")"
    att = np.asarray(c["attempt"])[idx]
    outcome = c["outcome"][idx].astype(object)
    if (att > 1).any():
        outcome = np.where(att > 1, outcome + ", attempt " + att.astype(str).astype(object), outcome)
    init = np.round(np.nan_to_num(np.asarray(c["init_duration_ms"], dtype=float)[idx]), 2)
    return list(zip(c["request_id"][idx].tolist(), c["environment_id"][idx].tolist(), trig.tolist(),
                    np.round(np.asarray(c["duration_ms"], dtype=float)[idx], 2).tolist(), init.tolist(),
                    np.asarray(c["billed_ms"])[idx].tolist(), np.asarray(c["memory_mb"])[idx].tolist(),
                    outcome.tolist()))


def timeline_data(trace: Any, start_s: float | None = None, end_s: float | None = None,
                  max_invocations: int = MAX_SEGMENTS) -> dict[str, Any]:
    """The arrays behind :func:`timeline` (so a dashboard can update a figure in place).

    Returns ``{"traces": [dict(x=..., y=..., text=...), ...] in TRACE_NAMES order, "lanes": [...],
    "t0": origin (s), "note": str}``; empty lists when there is nothing to draw."""
    c = columns(trace)
    n = n_rows(c)
    empty = {"traces": [dict(x=[], y=[], text=None) for _ in TRACE_NAMES], "lanes": [], "t0": 0.0, "note": "", "n": 0}
    if n == 0:
        return empty
    arrival = np.asarray(c["arrival"], dtype=float)
    t0 = float(np.nanmin(arrival))
    rel = arrival - t0
    keep = np.ones(n, dtype=bool)
    if start_s is not None:
        keep &= rel >= start_s
    if end_s is not None:
        keep &= rel <= end_s
    idx_all = np.flatnonzero(keep)
    note = ""
    if len(idx_all) > max_invocations:
        idx_all = idx_all[np.argsort(rel[idx_all], kind="stable")[:max_invocations]]
        note = f"first {max_invocations:,} of {n:,} invocations (pass start_s/end_s to see another window)"
    if not len(idx_all):
        empty["note"] = "no invocations in this time window"
        return empty
    env = c["environment_id"].astype(object)
    ran = idx_all[c["outcome"][idx_all] != "throttled"]
    thr = idx_all[c["outcome"][idx_all] == "throttled"]

    # lanes: environments ordered by first use; provisioned ones first
    meta = getattr(trace, "meta", None) or {}
    envs = meta.get("environments")
    if envs is not None and len(envs["environment_id"]):
        lane_ids = np.asarray(envs["environment_id"], dtype=object)
        order = np.lexsort((envs["created"], ~np.asarray(envs["provisioned"], dtype=bool)))
        lane_ids = lane_ids[order]
        used = set(env[ran].tolist())
        sel = np.array([e in used for e in lane_ids], dtype=bool) if used else np.zeros(len(lane_ids), dtype=bool)
        lane_ids = lane_ids[sel]
        created = np.asarray(envs["created"], dtype=float)[order][sel] - t0
        reclaimed = np.asarray(envs["reclaimed"], dtype=float)[order][sel] - t0
    else:
        lane_ids, first = np.unique(env[ran].astype(str), return_index=True) if len(ran) else (np.zeros(0), np.zeros(0))
        prov_of = {}
        for e, p in zip(env[ran].tolist(), c["provisioned"][ran].tolist()):
            prov_of[e] = prov_of.get(e, False) or p
        order = np.lexsort((rel[ran][first], [not prov_of.get(e, False) for e in lane_ids])) if len(lane_ids) else []
        lane_ids = np.asarray(lane_ids, dtype=object)[order]
        created = reclaimed = None
    lane_of = {e: k for k, e in enumerate(lane_ids.tolist())}
    y_ran = np.fromiter((lane_of.get(e, -1) for e in env[ran].tolist()), dtype=float, count=len(ran))

    init_s = np.asarray(c["init_start"], dtype=float)[ran] - t0
    init_e = np.asarray(c["init_end"], dtype=float)[ran] - t0
    inv_s = np.asarray(c["invoke_start"], dtype=float)[ran] - t0
    inv_e = np.asarray(c["invoke_end"], dtype=float)[ran] - t0
    cold = np.asarray(c["cold"], dtype=bool)[ran] & ~np.isnan(init_s)
    prov = np.asarray(c["provisioned"], dtype=bool)[ran]
    failed = np.isin(c["outcome"][ran], ("error", "timeout", "crash", "oom"))
    hover = _hover(c, ran)

    # idle/alive lanes: from creation (or first use) to reclaim (or last use)
    start_first = np.where(cold, init_s, inv_s)
    if created is None:
        lane_lo = np.full(len(lane_ids), np.inf)
        lane_hi = np.full(len(lane_ids), -np.inf)
        yi = y_ran.astype(int)
        np.minimum.at(lane_lo, yi, start_first)
        np.maximum.at(lane_hi, yi, inv_e)
    else:
        t_end = float(np.nanmax(inv_e)) if len(inv_e) else 0.0
        lane_lo = np.maximum(created, -1.0)
        lane_hi = np.minimum(np.where(np.isfinite(reclaimed), reclaimed, t_end), max(t_end, 0.0) + 1e-9)
        lane_hi = np.maximum(lane_hi, lane_lo)
    lanes_y = np.arange(len(lane_ids), dtype=float)

    def seg(mask, x0, x1):
        xs, ys, _ = _segments(y_ran[mask], x0[mask], x1[mask])
        return dict(x=xs, y=ys, text=None)

    alive_x, alive_y, _ = _segments(lanes_y, lane_lo, lane_hi)
    traces = [
        dict(x=alive_x, y=alive_y, text=None),
        seg(cold, init_s, init_e),
        seg(~prov & ~failed, inv_s, inv_e),
        seg(prov & ~failed, inv_s, inv_e),
        seg(failed, inv_s, inv_e),
        dict(x=init_s[cold], y=y_ran[cold], text=None),
        dict(x=arrival[thr] - t0, y=np.full(len(thr), -1.0), text=None),
        # hover: one invisible marker in the middle of each invocation carries its details
        dict(x=((inv_s + inv_e) / 2)[~cold], y=y_ran[~cold], customdata=[h for h, k in zip(hover, cold) if not k]),
        dict(x=((init_s + inv_e) / 2)[cold], y=y_ran[cold], customdata=[h for h, k in zip(hover, cold) if k]),
    ]
    return {"traces": traces, "lanes": [str(e) for e in lane_ids], "t0": t0, "note": note, "n": len(idx_all),
            "throttled": len(thr), "simulated": is_simulated(trace, c)}


def _lane_label(env_id: str) -> str:
    return env_id.split(":", 1)[-1] if ":" in env_id else env_id[-12:]


STYLES = [
    dict(mode="lines", line=dict(color=COLORS["idle"]), hoverinfo="skip"),
    dict(mode="lines", line=dict(color=COLORS["init"]), hoverinfo="skip"),
    dict(mode="lines", line=dict(color=COLORS["invoke"]), hoverinfo="skip"),
    dict(mode="lines", line=dict(color=COLORS["provisioned"]), hoverinfo="skip"),
    dict(mode="lines", line=dict(color=COLORS["failed"]), hoverinfo="skip"),
    dict(mode="markers", marker=dict(symbol="triangle-right", size=7, color=COLORS["cold"],
                                     line=dict(width=1, color="#7a3d00")), hoverinfo="skip"),
    dict(mode="markers", marker=dict(symbol="x-thin", size=9, color=COLORS["throttled"],
                                     line=dict(width=2, color=COLORS["throttled"])),
         hovertemplate="throttled (429 TooManyRequestsException) at %{x:.3f} s<extra></extra>"),
    dict(mode="markers", marker=dict(size=10, color="rgba(0,0,0,0)"), showlegend=False, hovertemplate=HOVER_WARM),
    dict(mode="markers", marker=dict(size=10, color="rgba(0,0,0,0)"), showlegend=False, hovertemplate=HOVER_COLD),
]


def timeline_spec(data: dict[str, Any], title: str | None = None) -> dict[str, Any]:
    """A plain plotly figure dict (``{"data": [...], "layout": {...}}``) for the timeline data.

    Plain dicts skip plotly's validation, which is what lets a dashboard redraw 10,000
    invocations quickly; :func:`timeline` wraps the same dict in a ``go.Figure``."""
    lanes = data["lanes"]
    many = len(lanes) > 40
    width = max(1.5, min(14.0, 360.0 / max(len(lanes), 1)))
    traces = []
    for k, (name, style, tr) in enumerate(zip(TRACE_NAMES, STYLES, data["traces"])):
        t = dict(type="scatter", name=name, x=tr["x"], y=tr["y"], connectgaps=False, **style)
        if tr.get("customdata") is not None:
            t["customdata"] = tr["customdata"]
        if 1 <= k <= 4:
            t["line"] = dict(style["line"], width=width)
        elif k == 0:
            t["line"] = dict(style["line"], width=max(1.0, width / 3))
        traces.append(t)
    ticks = [-1] + list(range(len(lanes))) if data.get("throttled") else list(range(len(lanes)))
    labels = (["throttled"] if data.get("throttled") else []) + [_lane_label(e) for e in lanes]
    layout = dict(
        template=TEMPLATE, legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"), margin=dict(l=70, r=20, t=90, b=50),
        hovermode="closest",
        title=dict(text=title or ("Invocation timeline" + (f" — {data['note']}" if data["note"] else ""))),
        yaxis=dict(tickvals=None if many else ticks, ticktext=None if many else labels,
                   showticklabels=not many, autorange="reversed", zeroline=False,
                   title=dict(text=f"{len(lanes)} execution environments" if many else "execution environment")),
        xaxis=dict(title=dict(text="seconds since the first request" + (" (simulated)" if data.get("simulated") else ""))),
        height=max(300, min(950, 160 + 22 * min(len(lanes) + 1, 35))),
    )
    return {"data": traces, "layout": layout}


def timeline(trace: Any, start_s: float | None = None, end_s: float | None = None, title: str | None = None,
             max_invocations: int = MAX_SEGMENTS):
    """Draw the invocation timeline of a trace (the runtime's ``TRACE`` or a simulated one).

    Orange = INIT (the cold start), blue = INVOKE, green = INVOKE on a provisioned environment,
    red = failed, grey = the environment alive and idle (warm, waiting to be reused or
    reclaimed), red crosses on the top lane = throttled requests."""
    data = timeline_data(trace, start_s, end_s, max_invocations)
    if data["n"] == 0:
        return empty_figure(title or "Invocation timeline", data["note"] and f"Nothing to draw: {data['note']}.")
    spec = timeline_spec(data, title)
    for t in spec["data"]:      # numpy arrays skip plotly's per-element validation of customdata
        if "customdata" in t:
            cd = np.empty((len(t["customdata"]), 8), dtype=object)
            if len(cd):
                cd[:] = t["customdata"]
            t["customdata"] = cd
    return go().Figure(spec)
