"""Dashboard redraw for ~10,000 invocations (slider → new figure data) under 150 ms; chart build times."""

from __future__ import annotations

import contextlib
import io
import itertools
import json

from bench.common import Figure, median_time


def run() -> list[Figure]:
    import serverless_lab.viz.dashboard as dash
    from serverless_lab import simulate as sim
    from serverless_lab import viz

    figures = []
    d = viz.Dashboard(rate=80, span_s=125, seed=1)       # ~10,000 requests per redraw
    _ = d.widget                                          # build sliders and the first picture
    # in a notebook each redraw is a display message the kernel JSON-encodes: do the same here
    d._kernel = True
    dash._display = lambda obj, raw=False: json.dumps(obj)
    rates = itertools.cycle([79.0, 80.0, 81.0])

    def redraw():
        with contextlib.redirect_stdout(io.StringIO()):   # clear_output outside a kernel prints a code
            d.update(rate=next(rates))

    t = median_time(redraw, repeat=15, warmup=2)
    figures.append(Figure(f"dashboard redraw, {len(d.trace):,} invocations (simulate + charts)", t * 1000, "ms",
                          "< 150 ms", t < 0.15))

    tr = sim.simulate(sim.poisson(100, 100, seed=1), duration_ms=120, seed=1)
    t = median_time(lambda: viz.timeline(tr), repeat=7, warmup=1)
    figures.append(Figure(f"viz.timeline go.Figure, {len(tr):,} invocations", t * 1000, "ms", "", None))
    t = median_time(lambda: viz.concurrency_chart(tr), repeat=7, warmup=1)
    figures.append(Figure(f"viz.concurrency_chart, {len(tr):,} invocations", t * 1000, "ms", "", None))
    big = sim.simulate(sim.poisson(1000, 1000, seed=1), duration_ms=120, seed=1)
    t = median_time(lambda: viz.concurrency_chart(big), repeat=3, warmup=1)
    figures.append(Figure(f"viz.concurrency_chart, {len(big):,} invocations", t, "s", "", None))
    t = median_time(lambda: viz.timeline(big), repeat=3, warmup=1)
    figures.append(Figure(f"viz.timeline of {len(big):,} (first 60,000 drawn)", t, "s", "", None))
    return figures
