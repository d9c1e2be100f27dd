"""Cost charts: a bill broken down by line item, and Lambda vs Fargate vs always-on."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import pricing
from ._common import TEMPLATE, empty_figure, go

ITEM_COLORS = {"requests": "#4C78A8", "compute": "#F58518", "compute_provisioned": "#54A24B",
               "provisioned_concurrency": "#88D27A", "ephemeral_storage": "#B279A2", "vcpu": "#E45756",
               "memory": "#FF9DA6", "duration": "#F58518", "state_transitions": "#72B7B2"}


def cost_data(costs: dict[str, pricing.Cost]) -> dict[str, Any]:
    names = list(costs)
    items: list[str] = []
    for c in costs.values():
        for k in c.breakdown:
            if k not in items:
                items.append(k)
    return {"names": names, "items": items,
            "values": {it: [costs[n].breakdown.get(it, 0.0) for n in names] for it in items},
            "totals": [costs[n].total for n in names]}


def cost_chart(costs: pricing.Cost | dict[str, pricing.Cost], title: str = "Monthly cost breakdown (USD)"):
    """Stacked bars, one per bill, one colour per line item (requests, compute, ...)."""
    if isinstance(costs, pricing.Cost):
        costs = {costs.service: costs}
    if not costs:
        return empty_figure(title, "No costs to compare: pass one or more pricing.Cost objects.")
    g = go()
    data = cost_data(costs)
    fig = g.Figure()
    for it in data["items"]:
        fig.add_trace(g.Bar(name=it.replace("_", " "), x=data["names"], y=data["values"][it],
                            marker_color=ITEM_COLORS.get(it), hovertemplate="%{x}<br>" + it + ": $%{y:,.2f}<extra></extra>"))
    fig.add_trace(g.Scatter(x=data["names"], y=data["totals"], mode="text", showlegend=False,
                            text=[f"${t:,.2f}" for t in data["totals"]], textposition="top center", hoverinfo="skip"))
    fig.update_layout(template=TEMPLATE, barmode="stack", title=title, yaxis=dict(title="USD", rangemode="tozero"),
                      height=360, legend=dict(orientation="h", y=-0.2))
    return fig


def crossover_chart(duration_ms: float = 120, memory_mb: int = 512, max_requests: float = 1e9,
                    fargate_vcpu: float = 0.25, fargate_memory_gb: float = 0.5, requests_per_task_second: float = 50.0,
                    always_on_hourly_usd: float | None = None, architecture: str = "x86_64", free_tier: bool = True):
    """Monthly cost against monthly requests (log scale) for Lambda, a Fargate service that adds
    tasks with the load, and one always-on server; the crossing points are where the cheapest
    choice changes."""
    if max_requests <= 1000:
        return empty_figure("Lambda vs Fargate vs always-on", "Pick max_requests above 1,000 a month.")
    req = np.logspace(3, np.log10(max_requests), 120)
    c = pricing.monthly_crossover(req, duration_ms, memory_mb, fargate_vcpu, fargate_memory_gb,
                                  requests_per_task_second, 1, always_on_hourly_usd, architecture, free_tier)
    g = go()
    fig = g.Figure()
    labels = {"lambda": f"Lambda ({memory_mb} MB, {duration_ms:g} ms)",
              "fargate": f"Fargate ({fargate_vcpu:g} vCPU, {fargate_memory_gb:g} GB, ≥1 task)",
              "always_on": "always-on server (EC2 t3.micro)" if always_on_hourly_usd is None else "always-on server"}
    colors = {"lambda": "#F58518", "fargate": "#4C78A8", "always_on": "#54A24B"}
    for key in ("lambda", "fargate", "always_on"):
        fig.add_trace(g.Scatter(name=labels[key], x=c["requests"], y=c[key], mode="lines",
                                line=dict(color=colors[key], width=3, shape="hv" if key == "fargate" else "linear"),
                                hovertemplate="%{x:,.0f} requests/month: $%{y:,.2f}<extra>" + labels[key] + "</extra>"))
    lam, far = np.asarray(c["lambda"]), np.asarray(c["fargate"])
    cross = np.flatnonzero(np.diff(np.sign(lam - far)) > 0)
    for k in cross[:1]:
        fig.add_vline(x=c["requests"][k + 1], line_dash="dot", line_color="#888",
                      annotation_text=f"Lambda costs more than Fargate above ~{c['requests'][k + 1]:,.0f} req/month")
    fig.update_layout(template=TEMPLATE, title=f"Monthly cost: Lambda vs Fargate vs always-on ({pricing.REGION}, "
                                              f"prices of {pricing.PRICES_AS_OF})",
                      xaxis=dict(type="log", title="requests per month"), yaxis=dict(type="log", title="USD per month"),
                      height=400, legend=dict(orientation="h", y=-0.2))
    return fig
