"""A CloudWatch dashboard drawn from its body: one chart per metric widget, data from GetMetricData.

The body follows "Dashboard body structure and syntax"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html):
``{"widgets": [{"type": "metric", "x", "y", "width", "height", "properties": {"metrics": [...],
"stat", "period", "title", "view"}}]}``. A ``metrics`` row is ``[namespace, name, dimName, dimValue,
..., {rendering options}]`` (``"."`` repeats the value in the same position of the row above) or
``[{"expression": "100*m2/m1", "label": ..., "id": ...}]``; options ``stat``, ``period``, ``id``,
``label``, ``visible`` override the widget's. ``text`` widgets are shown as their title line; other
widget types are listed as not drawn.

    from serverless_lab.viz import cloudwatch_dashboard
    fig = cloudwatch_dashboard(cw, "orders", start, end)   # a plotly Figure
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from ..errors import LabError
from ._common import TEMPLATE, empty_figure, go


def widget_queries(properties: dict[str, Any]) -> list[dict[str, Any]]:
    """The GetMetricData queries of one metric widget (ids m1, m2... where the body gives none)."""
    stat, period = properties.get("stat", "Average"), int(properties.get("period", 300))
    queries: list[dict[str, Any]] = []
    previous: list[Any] = []
    for n, row in enumerate(properties.get("metrics") or [], start=1):
        if not isinstance(row, list) or not row:
            raise LabError(f"metrics row {n} of the widget is not a list", "Write [namespace, name, dim, value, "
                           "..., {options}] or [{\"expression\": ..., \"id\": ...}].")
        options = row[-1] if isinstance(row[-1], dict) else {}
        values = row[:-1] if isinstance(row[-1], dict) else row
        if "expression" in options and not values:
            queries.append({"Id": options.get("id", f"e{n}"), "Expression": options["expression"],
                            "Label": options.get("label", options.get("id", f"e{n}")),
                            "ReturnData": options.get("visible", True)})
            continue
        if "..." in values:
            raise LabError("the course reads '.' (repeat the value above) but not '...' in a metrics row",
                           "Write the row out with '.' in the positions to repeat.")
        values = [previous[i] if v == "." and i < len(previous) else v for i, v in enumerate(values)]
        if len(values) < 2 or len(values) % 2:
            raise LabError(f"metrics row {n} ({row}) needs namespace, metric name and name/value pairs",
                           'For example ["AWS/Lambda", "Errors", "FunctionName", "orders", {"stat": "Sum"}].')
        previous = values
        dims = [{"Name": values[i], "Value": values[i + 1]} for i in range(2, len(values), 2)]
        queries.append({"Id": options.get("id", f"m{n}"),
                        "MetricStat": {"Metric": {"Namespace": values[0], "MetricName": values[1], "Dimensions": dims},
                                       "Period": int(options.get("period", period)),
                                       "Stat": options.get("stat", stat)},
                        "Label": options.get("label", f"{values[1]} {options.get('stat', stat)}"),
                        "ReturnData": options.get("visible", True)})
    return queries


def cloudwatch_dashboard(cw: Any, name: str, start: dt.datetime, end: dt.datetime, height_per_row: int = 260):
    """Draw dashboard ``name`` (read with ``cw.get_dashboard``) over ``start`` .. ``end``."""
    body = json.loads(cw.get_dashboard(DashboardName=name)["DashboardBody"])
    widgets = sorted(body.get("widgets") or [], key=lambda w: (w.get("y", 0), w.get("x", 0)))
    charts = [w for w in widgets if w.get("type") == "metric"]
    if not charts:
        return empty_figure(f"Dashboard {name}", "This dashboard has no metric widgets to draw.")
    from plotly.subplots import make_subplots

    g = go()
    cols = 2 if len(charts) > 1 else 1
    rows = math.ceil(len(charts) / cols)
    titles = [w.get("properties", {}).get("title") or f"widget {i + 1}" for i, w in enumerate(charts)]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, vertical_spacing=0.12)
    for i, w in enumerate(charts):
        queries = widget_queries(w.get("properties", {}))
        results = cw.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end,
                                     ScanBy="TimestampAscending")["MetricDataResults"] if queries else []
        for r in results:
            fig.add_trace(g.Scatter(x=r["Timestamps"], y=r["Values"], name=r.get("Label") or r["Id"],
                                    mode="lines+markers", legendgroup=str(i)), row=i // cols + 1, col=i % cols + 1)
    others = [w.get("type", "?") for w in widgets if w.get("type") != "metric"]
    fig.update_layout(template=TEMPLATE, height=max(320, rows * height_per_row),
                      title=f"Dashboard {name}" + (f" (not drawn: {', '.join(others)} widgets)" if others else ""))
    return fig
