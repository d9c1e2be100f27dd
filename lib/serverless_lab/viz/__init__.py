"""See the invisible: charts of what Lambda did, for a real trace and a simulated one alike.

    from serverless_lab import viz
    from serverless_lab.trace import TRACE
    viz.timeline(TRACE)                  # environments, INIT/INVOKE, idle, cold, throttles
    viz.concurrency_chart(sim_trace)     # concurrency against the limits
    viz.latency_chart({"no PC": a, "PC=50": b})
    viz.cost_chart(pricing.lambda_monthly_cost(3_000_000, 120, 1536))
    viz.crossover_chart(duration_ms=120, memory_mb=512)
    viz.stepfunctions_graph(definition, sfn.get_execution_history(executionArn=arn)["events"])
    viz.dashboard(rate=20)               # sliders; live in JupyterLab
    viz.cloudwatch_dashboard(cw, "orders", start, end)   # a CloudWatch dashboard's metric widgets
    viz.service_map(xray.batch_get_traces(TraceIds=ids)["Traces"])   # X-Ray service map
    viz.trace_timeline(traces[0])        # one request's segments and subsegments

Plotly (with ipywidgets FigureWidget for dashboards) was chosen for interactivity (hover, zoom),
one library for notebooks, exported HTML and images, and its long-term health (MIT, widely used,
actively released). Importing this module inside a notebook kernel sets plotly's renderer to
"plotly_mimetype+notebook" so charts also survive an HTML export offline.
"""

from __future__ import annotations

from .cloudwatch_dashboard import cloudwatch_dashboard, widget_queries
from .concurrency import concurrency_chart, concurrency_data, latency_chart
from .cost import cost_chart, crossover_chart
from .dashboard import Dashboard, dashboard
from .export import figures_html, save_image, setup_notebook, to_html
from .stepfunctions import execution_path, stepfunctions_graph
from .timeline import timeline, timeline_data
from .traces import service_map, service_map_data, trace_timeline

__all__ = [
    "timeline", "timeline_data", "concurrency_chart", "concurrency_data", "latency_chart", "cost_chart",
    "crossover_chart", "stepfunctions_graph", "execution_path", "dashboard", "Dashboard", "setup_notebook",
    "to_html", "save_image", "figures_html", "cloudwatch_dashboard", "widget_queries", "service_map",
    "service_map_data", "trace_timeline",
]


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython

        ip = get_ipython()
        return ip is not None and "IPKernelApp" in getattr(ip, "config", {})
    except Exception:  # noqa: BLE001
        return False


if _in_kernel():
    setup_notebook()
