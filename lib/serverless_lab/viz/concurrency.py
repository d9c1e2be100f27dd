"""Concurrency over time against the limits, and cold starts / latency per scenario."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..simulate.stats import concurrency as concurrency_series
from ..simulate.stats import summary
from ._common import COLORS, TEMPLATE, columns, empty_figure, go, n_rows


def _limits(trace: Any, account_limit: int | None, reserved: int | None, provisioned: int | None) -> dict[str, int]:
    params = (getattr(trace, "meta", None) or {}).get("params", {})
    out = {}
    acc = account_limit if account_limit is not None else params.get("account_limit")
    res = reserved if reserved is not None else params.get("reserved")
    pc = provisioned if provisioned is not None else params.get("provisioned")
    if acc:
        out["account limit"] = int(acc)
    if res is not None:
        out["reserved concurrency"] = int(res)
    if pc:
        out["provisioned concurrency"] = int(pc)
    return out


def concurrency_data(trace: Any, max_points: int = 2000, account_limit: int | None = None,
                     reserved: int | None = None, provisioned: int | None = None) -> dict[str, Any]:
    """Arrays behind :func:`concurrency_chart`: step series, throttles per time bin, limit lines."""
    c = columns(trace)
    if n_rows(c) == 0:
        return {"t": [], "level": [], "thr_t": [], "thr_n": [], "limits": {}, "n": 0}
    t0 = float(np.nanmin(c["arrival"]))
    t, level = concurrency_series(c, max_points=max_points)
    thr = np.asarray(c["arrival"], dtype=float)[c["outcome"] == "throttled"] - t0
    span = float(np.nanmax(c["arrival"]) - t0) or 1.0
    bins = min(200, max(10, int(span)))
    if len(thr):
        counts, edges = np.histogram(thr, bins=bins, range=(0, span))
        thr_t, thr_n = edges[:-1], counts
    else:
        thr_t, thr_n = np.zeros(0), np.zeros(0)
    return {"t": (t - t0) if len(t) else t, "level": level, "thr_t": thr_t, "thr_n": thr_n,
            "limits": _limits(trace, account_limit, reserved, provisioned), "n": n_rows(c),
            "x_max": float(np.nanmax(c["arrival"]) - t0) if n_rows(c) else 0.0}


LIMIT_STYLE = {"account limit": ("dash", COLORS["limit"]), "reserved concurrency": ("dot", COLORS["reserved"]),
               "provisioned concurrency": ("dashdot", COLORS["pc"])}


def concurrency_spec(data: dict[str, Any], title: str = "Concurrency over time") -> dict[str, Any]:
    """A plain plotly figure dict for :func:`concurrency_data` (see ``timeline_spec`` for why)."""
    traces = [
        dict(type="scatter", name="concurrent executions", x=data["t"], y=data["level"], mode="lines",
             line=dict(shape="hv", color=COLORS["invoke"]), fill="tozeroy",
             hovertemplate="t=%{x:.2f} s<br>%{y} busy environments<extra></extra>"),
        dict(type="bar", name="throttled requests", x=data["thr_t"], y=data["thr_n"], marker=dict(color=COLORS["throttled"]),
             opacity=0.6, yaxis="y2", hovertemplate="%{y} throttled<extra></extra>"),
    ]
    x1 = max(float(data.get("x_max", 0.0)), 1e-9)
    peak = float(np.max(data["level"])) if len(data["level"]) else 0.0
    # keep the curve readable: a limit far above the peak is named in the legend, not drawn to scale
    near = [v for v in data["limits"].values() if v <= 2.5 * max(peak, 1.0)]
    y_max = max(peak * 1.15, *(v * 1.08 for v in near), 1.0)
    for name, (dash, color) in LIMIT_STYLE.items():
        v = data["limits"].get(name)
        label = name if v is None else f"{name} ({v:,})" + ("" if v <= y_max else " — above this scale")
        traces.append(dict(type="scatter", name=label, x=[0, x1] if v is not None else [],
                           y=[v, v] if v is not None else [], mode="lines", line=dict(dash=dash, color=color),
                           hoverinfo="name+y"))
    layout = dict(template=TEMPLATE, title=dict(text=title), height=340, bargap=0,
                  xaxis=dict(title=dict(text="seconds since the first request")),
                  yaxis=dict(title=dict(text="concurrent executions"), range=[0, y_max]),
                  yaxis2=dict(title=dict(text="throttles per bin"), overlaying="y", side="right", rangemode="tozero",
                              showgrid=False, visible=bool(len(data["thr_n"]) and np.sum(data["thr_n"]))),
                  legend=dict(orientation="h", y=-0.3), margin=dict(l=60, r=60, t=50, b=80))
    return {"data": traces, "layout": layout}


def concurrency_chart(trace: Any, account_limit: int | None = None, reserved: int | None = None,
                      provisioned: int | None = None, max_points: int = 2000):
    """Concurrent executions over time with the account limit, reserved and provisioned
    concurrency as lines, and throttled requests as red bars. Limits default to the simulator's
    parameters; for a real trace pass the function's settings."""
    data = concurrency_data(trace, max_points, account_limit, reserved, provisioned)
    if data["n"] == 0:
        return empty_figure("Concurrency over time")
    return go().Figure(concurrency_spec(data))


def latency_chart(scenarios: dict[str, Any] | Any, title: str = "Cold starts and latency per scenario"):
    """For each scenario (name → trace): p50/p90/p99 latency (INIT included for cold starts) and
    the share of invocations that were cold starts."""
    from plotly.subplots import make_subplots

    if not isinstance(scenarios, dict):
        scenarios = {"trace": scenarios}
    stats = {name: summary(columns(tr)) for name, tr in scenarios.items()}
    stats = {k: v for k, v in stats.items() if v["ran"]}
    if not stats:
        return empty_figure(title)
    g = go()
    names = list(stats)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.65, 0.35],
                        subplot_titles=("latency percentiles (ms)", "cold-start share"))
    for key, color in (("p50_ms", "#72B7B2"), ("p90_ms", "#4C78A8"), ("p99_ms", "#1F3A5F")):
        fig.add_trace(g.Bar(name=key[:-3], x=names, y=[stats[n][key] for n in names], marker_color=color,
                            hovertemplate="%{x}: %{y:.1f} ms<extra>" + key[:-3] + "</extra>"), row=1, col=1)
    fig.add_trace(g.Bar(name="cold starts", x=names, y=[stats[n]["cold_start_share"] for n in names],
                        marker_color=COLORS["init"], showlegend=False,
                        text=[f"{stats[n]['cold_start_share']:.1%}" for n in names], textposition="outside",
                        hovertemplate="%{x}: %{y:.2%} cold<extra></extra>"), row=1, col=2)
    fig.update_yaxes(tickformat=".0%", row=1, col=2, rangemode="tozero")
    fig.update_layout(template=TEMPLATE, title=title, barmode="group", height=360,
                      legend=dict(orientation="h", y=-0.15))
    return fig
