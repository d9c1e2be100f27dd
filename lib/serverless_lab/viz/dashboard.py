"""An interactive what-if dashboard: sliders for traffic and function settings, and a timeline,
a concurrency chart and a monthly cost that redraw as the sliders move.

Why simulated: a slider move must answer in a fraction of a second, and ten thousand real
invocations cannot run in that time. The simulator follows the same rules as the runtime, and the
charts are the very ones that draw a real trace (:func:`timeline`, :func:`concurrency_chart`).

Live in JupyterLab (ipywidgets + plotly FigureWidget). In an exported HTML file (nbconvert,
nbgrader feedback) widgets are not live, so the dashboard's output also carries a static HTML
picture of its current state (plotly.js inlined, works offline).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import pricing
from ..errors import require
from ..simulate import arrivals as arr
from ..simulate.model import simulate
from ..simulate.stats import summary
from .concurrency import build_concurrency_figure, concurrency_data
from .timeline import apply_timeline_layout, build_timeline_figure, timeline_data

NO_RESERVATION = 1000  # the reserved slider's top value means "no reservation: the account limit applies"
COST_ITEMS = ("requests", "compute", "compute (provisioned)", "provisioned concurrency")


class Dashboard:
    """``Dashboard(rate=20, ...)``; display it in a notebook, or call :meth:`update` from code."""

    def __init__(self, rate: float = 20.0, burst_rate: float = 0.0, duration_ms: float = 120.0, memory_mb: int = 512,
                 keep_alive_s: float = 300.0, reserved: int | None = None, provisioned: int = 0, span_s: float = 120.0,
                 burst_duration_s: float = 10.0, runtime: str = "python3.12", seed: int = 0) -> None:
        self.params: dict[str, Any] = dict(rate=rate, burst_rate=burst_rate, duration_ms=duration_ms,
                                           memory_mb=memory_mb, keep_alive_s=keep_alive_s, reserved=reserved,
                                           provisioned=provisioned)
        self.fixed = dict(span_s=span_s, burst_duration_s=burst_duration_s, runtime=runtime, seed=seed)
        self.trace = None
        self.stats: dict[str, Any] = {}
        self._widget = None
        self._figs: dict[str, Any] = {}
        self.error = ""

    # the model -------------------------------------------------------------------------------
    def compute(self, **changes: Any) -> dict[str, Any]:
        """Simulate with the current parameters (updated by ``changes``) and return the chart data."""
        p = {**self.params, **changes}
        f = self.fixed
        span = f["span_s"]
        a = arr.poisson(p["rate"], span, seed=f["seed"])
        if p["burst_rate"] > 0:
            a = a + arr.poisson(p["burst_rate"], f["burst_duration_s"], seed=f["seed"] + 1, start_s=span / 3)
        reserved = p["reserved"]
        if reserved is not None and reserved >= NO_RESERVATION:
            reserved = None
        cap = reserved if reserved is not None else 1000
        trace = simulate(a, duration_ms=float(p["duration_ms"]), memory_mb=int(p["memory_mb"]),
                         keep_alive_s=float(p["keep_alive_s"]), reserved=reserved,
                         provisioned=int(min(p["provisioned"], cap)), runtime=f["runtime"], seed=f["seed"],
                         timeout_s=900)
        self.params, self.trace = p, trace
        self.stats = summary(trace)
        return {"timeline": timeline_data(trace), "concurrency": concurrency_data(trace),
                "cost": self._cost(trace, p, span, reserved, cap), "stats": self.stats}

    @staticmethod
    def _cost(trace, p: dict[str, Any], span: float, reserved: int | None, cap: int) -> dict[str, Any]:
        scale = pricing.SECONDS_PER_MONTH / span
        c = pricing.trace_cost(trace, free_tier=False)
        pc = int(min(p["provisioned"], cap))
        enabled = pricing.lambda_provisioned_cost(pc, pricing.HOURS_PER_MONTH, int(p["memory_mb"])).lines[0].usd if pc else 0.0
        values = [c.breakdown.get("requests", 0.0) * scale, c.breakdown.get("compute", 0.0) * scale,
                  c.breakdown.get("compute_provisioned", 0.0) * scale, enabled]
        return {"items": list(COST_ITEMS), "values": values, "total": float(sum(values))}

    # the widgets ---------------------------------------------------------------------------
    def _build(self):
        w = require("ipywidgets", "The interactive dashboard")
        style = {"description_width": "150px"}
        layout = w.Layout(width="420px")
        p = self.params
        self.sliders = {
            "rate": w.FloatSlider(value=p["rate"], min=0, max=200, step=1, description="requests / s", style=style, layout=layout),
            "burst_rate": w.FloatSlider(value=p["burst_rate"], min=0, max=3000, step=50, description="burst (extra req/s, 10 s)", style=style, layout=layout),
            "duration_ms": w.FloatLogSlider(value=max(p["duration_ms"], 1), base=10, min=0, max=4, step=0.05, description="handler duration (ms)", style=style, layout=layout),
            "memory_mb": w.SelectionSlider(options=[128, 256, 512, 1024, 1769, 2048, 3008, 4096, 10240], value=p["memory_mb"] if p["memory_mb"] in (128, 256, 512, 1024, 1769, 2048, 3008, 4096, 10240) else 512, description="memory (MB)", style=style, layout=layout),
            "keep_alive_s": w.IntSlider(value=int(p["keep_alive_s"]), min=0, max=1800, step=30, description="keep-alive (s)", style=style, layout=layout),
            "reserved": w.IntSlider(value=NO_RESERVATION if p["reserved"] is None else int(p["reserved"]), min=0, max=NO_RESERVATION, step=5, description="reserved (1000 = none)", style=style, layout=layout),
            "provisioned": w.IntSlider(value=int(p["provisioned"]), min=0, max=200, step=1, description="provisioned", style=style, layout=layout),
        }
        for s in self.sliders.values():
            s.continuous_update = False
            s.observe(self._on_slider, names="value")
        data = self.compute()
        self._figs["timeline"] = build_timeline_figure(data["timeline"], widget=True)
        apply_timeline_layout(self._figs["timeline"], data["timeline"], "Invocation timeline (simulated)")
        self._figs["concurrency"] = build_concurrency_figure(data["concurrency"], widget=True)
        self._figs["concurrency"].update_layout(height=320)
        go = require("plotly.graph_objects", "The dashboard", "plotly")
        cost = go.FigureWidget(go.Bar(x=data["cost"]["items"], y=data["cost"]["values"],
                                      marker_color=["#4C78A8", "#F58518", "#54A24B", "#88D27A"],
                                      hovertemplate="%{x}: $%{y:,.2f} / month<extra></extra>"))
        cost.update_layout(template="plotly_white", height=320, yaxis=dict(title="USD per month", rangemode="tozero"),
                           margin=dict(l=60, r=20, t=50, b=60))
        self._figs["cost"] = cost
        self._stats_html = w.HTML()
        self._apply(data)
        sliders = list(self.sliders.values())
        self._widget = w.VBox([
            w.HBox([w.VBox(sliders[:4]), w.VBox(sliders[4:])]),
            self._stats_html,
            self._figs["timeline"],
            w.HBox([self._figs["concurrency"], self._figs["cost"]]),
        ])
        self._widget.add_class("serverless-lab-dashboard")
        return self._widget

    @property
    def widget(self):
        return self._widget if self._widget is not None else self._build()

    @property
    def figures(self) -> dict[str, Any]:
        self.widget  # noqa: B018 - builds on first use
        return self._figs

    def _on_slider(self, change: dict[str, Any]) -> None:
        key = next(k for k, s in self.sliders.items() if s is change["owner"])
        value = change["new"]
        if key == "reserved" and value >= NO_RESERVATION:
            value = None
        try:
            self.update(**{key: value})
        except Exception as exc:  # noqa: BLE001 - show a message in the dashboard, never a traceback
            self.error = str(exc)
            self._stats_html.value = f"<b style='color:#B00020'>{exc}</b>"

    def update(self, **changes: Any) -> dict[str, Any]:
        """Re-simulate with ``changes`` and redraw every chart in place (what a slider does)."""
        data = self.compute(**changes)
        if self._widget is not None:
            self._apply(data)
        return data

    def _apply(self, data: dict[str, Any]) -> None:
        tl, cc, cost = self._figs["timeline"], self._figs["concurrency"], self._figs["cost"]
        with tl.batch_update():
            for k, tr in enumerate(data["timeline"]["traces"]):
                tl.data[k].x, tl.data[k].y = tr["x"], tr["y"]
                if tr.get("text") is not None:
                    tl.data[k].text = tr["text"]
            apply_timeline_layout(tl, data["timeline"], "Invocation timeline (simulated)")
        c = data["concurrency"]
        with cc.batch_update():
            cc.data[0].x, cc.data[0].y = c["t"], c["level"]
            cc.data[1].x, cc.data[1].y = c["thr_t"], c["thr_n"]
            for k, name in enumerate(("account limit", "reserved concurrency", "provisioned concurrency"), start=2):
                v = c["limits"].get(name)
                cc.data[k].x = [0, max(c.get("x_max", 0.0), 1e-9)] if v is not None else []
                cc.data[k].y = [v, v] if v is not None else []
        with cost.batch_update():
            cost.data[0].y = data["cost"]["values"]
            cost.layout.title = f"If this traffic ran all month: ${data['cost']['total']:,.2f}"
        s = data["stats"]
        p99 = f"{s['p99_ms']:.0f} ms" if s["p99_ms"] is not None else "–"
        p50 = f"{s['p50_ms']:.0f} ms" if s["p50_ms"] is not None else "–"
        self._stats_html.value = (
            f"<div class='dashboard-stats'><b>{s['invocations']:,}</b> requests · "
            f"<b>{s['cold_starts']:,}</b> cold starts ({s['cold_start_share']:.1%}) · "
            f"<b>{s['throttled']:,}</b> throttled · p50 {p50} · p99 {p99} · "
            f"peak concurrency <b>{s['peak_concurrency']}</b> · {s['environments']} environments</div>"
        )

    # display -------------------------------------------------------------------------------
    def static_html(self) -> str:
        """The current charts as self-contained HTML (plotly.js inlined: works offline)."""
        from .export import figures_html

        figs = self.figures
        g = require("plotly.graph_objects", "The dashboard", "plotly")
        return self._stats_html.value + figures_html([g.Figure(figs[k]) for k in ("timeline", "concurrency", "cost")])

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        data = bundle if "text/plain" in bundle or not isinstance(bundle, tuple) else bundle[0]
        try:
            data["text/html"] = self.static_html()
        except Exception:  # noqa: BLE001 - the live widget is what matters; the picture is a bonus
            pass
        return data


def dashboard(**params: Any) -> Dashboard:
    """Build an interactive dashboard (see :class:`Dashboard` for the parameters)."""
    return Dashboard(**params)


def redraw_seconds(n_target: int = 10_000) -> float:  # pragma: no cover - used by bench
    """Helper for the bench: a dashboard sized for about ``n_target`` requests."""
    return float(np.ceil(n_target / 20.0))
