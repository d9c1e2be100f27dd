"""Charts draw a real-shaped trace and a simulated one with the same call, and never fail on
an empty trace or a single invocation."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from serverless_lab import pricing, viz
from serverless_lab import simulate as sim
from serverless_lab.errors import LabError
from serverless_lab.trace import Invocation, Trace
from serverless_lab.viz.timeline import TRACE_NAMES


def real_trace() -> Trace:
    """What the runtime writes: epoch times, two environments, a cold start, an error, a throttle."""
    t = 1_790_000_000.0
    return Trace([
        Invocation("req-1", "orders", environment_id="env-a", cold=True, trigger="apigateway", arrival=t,
                   init_start=t, init_end=t + 0.17, invoke_start=t + 0.17, invoke_end=t + 0.178, duration_ms=8.4,
                   billed_ms=179, init_duration_ms=170.13, memory_mb=128, max_memory_used_mb=66),
        Invocation("req-2", "orders", environment_id="env-a", trigger="apigateway", arrival=t + 1, invoke_start=t + 1,
                   invoke_end=t + 1.01, duration_ms=10.0, billed_ms=10, memory_mb=128, outcome="error",
                   error_type="ValueError"),
        Invocation("req-3", "orders", environment_id="env-b", cold=True, trigger="s3", invocation_type="Event",
                   arrival=t + 1.001, init_start=t + 1.001, init_end=t + 1.2, invoke_start=t + 1.2, invoke_end=t + 1.3,
                   duration_ms=100.0, billed_ms=300, init_duration_ms=199.0, memory_mb=128),
        Invocation("req-4", "orders", arrival=t + 1.002, outcome="throttled", memory_mb=128),
    ])


def hover_rows(fig) -> list[tuple]:
    return [tuple(row) for tr in fig.data for row in (tr.customdata if tr.customdata is not None else [])]


def test_timeline_of_a_real_trace_has_lanes_phases_and_hover():
    fig = viz.timeline(real_trace())
    names = [tr.name for tr in fig.data]
    assert names == list(TRACE_NAMES)
    by = {tr.name: tr for tr in fig.data}
    assert np.nanmin(by["INIT (cold start)"].x) == pytest.approx(0.0)          # seconds since the first request
    assert len(by["cold start"].x) == 2 and len(by["throttled"].x) == 1
    assert np.count_nonzero(~np.isnan(np.asarray(by["INVOKE failed"].x, dtype=float))) == 2
    rows = hover_rows(fig)
    assert ("req-1", "env-a", "apigateway (RequestResponse)", 8.4, 170.13, 179, 128, "success") in rows
    assert ("req-2", "env-a", "apigateway (RequestResponse)", 10.0, 0.0, 10, 128, "error") in rows
    cold = by["invocation (cold start)"]
    assert "Init Duration: %{customdata[4]:.2f} ms" in cold.hovertemplate and "RequestId" in cold.hovertemplate
    assert "Init Duration" not in by["invocation"].hovertemplate
    assert list(fig.layout.yaxis.ticktext) == ["throttled", "env-a", "env-b"]


def test_same_call_draws_a_simulated_trace_with_provisioned_lanes():
    tr = sim.simulate(sim.burst(10, 60, 400, 20, 5, seed=1), duration_ms=200, reserved=50, provisioned=3, seed=1)
    fig = viz.timeline(tr)
    by = {t.name: t for t in fig.data}
    assert np.count_nonzero(~np.isnan(np.asarray(by["INVOKE (provisioned)"].x, dtype=float))) > 0
    assert len(by["throttled"].x) == sim.summary(tr)["throttled"] > 0
    assert "simulated" in fig.layout.xaxis.title.text
    # big traces stay light: one path per category, not one shape per invocation
    assert len(fig.data) == len(TRACE_NAMES) and not fig.layout.shapes


def test_large_trace_is_windowed_with_a_note():
    tr = sim.simulate(sim.constant(200, 60), duration_ms=50)
    fig = viz.timeline(tr, max_invocations=1000)
    assert "first 1,000 of 12,000" in fig.layout.title.text
    win = viz.timeline(tr, start_s=10, end_s=11)
    assert "INVOKE" in [t.name for t in win.data]


@pytest.mark.parametrize("trace", [Trace(), sim.simulate(sim.constant(0, 1))])
def test_empty_trace_gives_an_empty_chart_with_a_message(trace):
    for fig in (viz.timeline(trace), viz.concurrency_chart(trace), viz.latency_chart(trace)):
        assert isinstance(fig, go.Figure)
        assert "No invocations yet" in fig.layout.annotations[0].text
        fig.to_json()


def test_single_invocation_draws():
    one = Trace([real_trace().records()[0]])
    for fig in (viz.timeline(one), viz.concurrency_chart(one), viz.latency_chart(one)):
        json.loads(fig.to_json())
    assert viz.concurrency_chart(one).data[0].y.max() == 1


def test_concurrency_chart_shows_limits_and_throttles():
    tr = sim.simulate(sim.constant(300, 10), duration_ms=1000, duration_cv=0, reserved=100, provisioned=10)
    fig = viz.concurrency_chart(tr)
    by = {t.name.split(" (")[0]: t for t in fig.data}
    assert max(by["concurrent executions"].y) == 100
    assert list(by["reserved concurrency"].y) == [100, 100]
    assert list(by["provisioned concurrency"].y) == [10, 10]
    assert list(by["account limit"].y) == [1000, 1000]
    assert sum(by["throttled requests"].y) == sim.summary(tr)["throttled"]
    real = viz.concurrency_chart(real_trace(), account_limit=1000, reserved=5)
    assert list({t.name.split(" (")[0]: t for t in real.data}["reserved concurrency"].y) == [5, 5]
    assert any("above this scale" in t.name for t in real.data)


def test_latency_chart_per_scenario():
    arr = sim.poisson(30, 60, seed=2)
    scenarios = {"on-demand": sim.simulate(arr, duration_ms=80, keep_alive_s=0, seed=2),
                 "provisioned 20": sim.simulate(arr, duration_ms=80, provisioned=20, seed=2)}
    fig = viz.latency_chart(scenarios)
    bars = {t.name: t for t in fig.data}
    assert list(bars["p99"].x) == ["on-demand", "provisioned 20"]
    cold = bars["cold starts"].y
    assert cold[0] > 0.5 and cold[1] < cold[0]


def test_cost_charts():
    fig = viz.cost_chart({"x86": pricing.lambda_monthly_cost(3e6, 120, 1536),
                          "arm64": pricing.lambda_monthly_cost(3e6, 120, 1536, "arm64")})
    stacks = {t.name: t for t in fig.data if t.type == "bar"}
    assert stacks["compute"].y[0] == pytest.approx(pricing.lambda_monthly_cost(3e6, 120, 1536).compute)
    assert "$2.73" in list(fig.data[-1].text)
    assert "No costs" in viz.cost_chart({}).layout.annotations[0].text
    cross = viz.crossover_chart(duration_ms=120, memory_mb=512)
    assert {t.name.split(" ")[0] for t in cross.data} == {"Lambda", "Fargate", "always-on"}
    assert any("Lambda costs more" in (a.text or "") for a in cross.layout.annotations)


DEFINITION = {"StartAt": "Start", "States": {
    "Start": {"Type": "Pass", "Next": "Check"},
    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "Work"}], "Default": "Fail"},
    "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:w", "Next": "Done",
             "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Fail"}]},
    "Fail": {"Type": "Fail", "Error": "Bad"},
    "Done": {"Type": "Succeed"}}}


def _event(i, typ, t, name=None, entered=True):
    e = {"timestamp": f"2026-11-22T10:00:{t:06.3f}+00:00", "type": typ, "id": i, "previousEventId": i - 1}
    if name:
        e["stateEnteredEventDetails" if entered else "stateExitedEventDetails"] = {"name": name, "input": "{}"}
    return e


HISTORY = [  # the shape of get_execution_history (as moto's executing backend returns it)
    _event(1, "ExecutionStarted", 0.0),
    _event(2, "PassStateEntered", 0.004, "Start"), _event(3, "PassStateExited", 0.008, "Start", False),
    _event(4, "ChoiceStateEntered", 0.009, "Check"), _event(5, "ChoiceStateExited", 0.018, "Check", False),
    _event(6, "TaskStateEntered", 0.018, "Work"), _event(7, "TaskStateExited", 1.018, "Work", False),
    _event(8, "SucceedStateEntered", 1.019, "Done"), _event(9, "SucceedStateExited", 1.019, "Done", False),
    _event(10, "ExecutionSucceeded", 1.020),
]


def test_stepfunctions_graph_with_the_path_taken_and_timing():
    run = viz.execution_path(HISTORY)
    assert run["path"] == ["Start", "Check", "Work", "Done"] and run["status"] == "SUCCEEDED"
    assert run["states"]["Work"]["ms"] == pytest.approx(1000, abs=1)
    fig = viz.stepfunctions_graph(DEFINITION, HISTORY)
    states = next(t for t in fig.data if t.name == "states")
    colors = dict(zip([s.split(" (")[0] for s in states.hovertext], states.marker.color))
    assert colors["Work"] == "#54A24B" and colors["Fail"] == "#D9DDE3"
    assert any("1000 ms" in t for t in states.text)
    assert any(t.name == "path taken" for t in fig.data)
    assert "SUCCEEDED" in fig.layout.title.text
    plain = viz.stepfunctions_graph(json.dumps(DEFINITION))
    assert all(t.name != "path taken" for t in plain.data)
    with pytest.raises(LabError, match="StartAt"):
        viz.stepfunctions_graph({"States": {}})


def test_stepfunctions_failed_execution_is_red():
    hist = HISTORY[:6] + [_event(7, "TaskFailed", 0.5), _event(8, "ExecutionFailed", 0.6)]
    run = viz.execution_path(hist)
    assert run["status"] == "FAILED" and run["states"]["Work"]["status"] == "failed"


def test_stepfunctions_graph_from_a_moto_execution():
    boto3 = pytest.importorskip("boto3")
    import time

    from moto import mock_aws
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sf = boto3.client("stepfunctions", region_name="us-east-1")
        defn = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"x": 1}, "Next": "B"},
                                           "B": {"Type": "Succeed"}}}
        arn = sf.create_state_machine(name="viz-test-sm", definition=json.dumps(defn),
                                      roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
        ex = sf.start_execution(stateMachineArn=arn)["executionArn"]
        for _ in range(100):
            if sf.describe_execution(executionArn=ex)["status"] != "RUNNING":
                break
            time.sleep(0.05)
        events = sf.get_execution_history(executionArn=ex)["events"]
    run = viz.execution_path(events)
    assert run["path"] == ["A", "B"] and run["status"] == "SUCCEEDED"
    viz.stepfunctions_graph(defn, events).to_json()


def test_dashboard_updates_its_charts():
    d = viz.Dashboard(rate=10, span_s=30)
    _ = d.widget  # builds the sliders and draws once
    before = d.figures
    d.update(rate=40, memory_mb=1024)
    after = d.figures
    n = lambda f: np.count_nonzero(~np.isnan(np.asarray(f["timeline"].data[2].x, dtype=float)))  # noqa: E731
    assert n(after) > n(before)
    assert list(after["cost"].data[0].y) != list(before["cost"].data[0].y)
    assert "cold starts" in d._stats_html.value
    # each chart is redrawn into its Output widget with plotly's JupyterLab mimetype
    outs = d._outputs["timeline"].outputs
    assert len(outs) == 1 and "application/vnd.plotly.v1+json" in outs[0]["data"]
    json.dumps(outs[0]["data"])  # plain JSON (NaN gaps became null)
    # moving a slider runs the same update
    d.sliders["provisioned"].value = 5
    assert d.params["provisioned"] == 5 and d.trace.columns()["provisioned"].any()
    d.sliders["reserved"].value = 2
    assert d.stats["throttled"] > 0 and max(d.figures["concurrency"].data[0].y) <= 2
    bundle = d._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "text/html" in bundle


def test_offline_html_export_inlines_plotly_js(tmp_path):
    fig = viz.timeline(real_trace())
    html = viz.to_html(fig, tmp_path / "t.html")
    assert 'src="https://cdn.plot.ly' not in html and len(html) > 1_000_000  # plotly.js inlined, no CDN tag
    assert (tmp_path / "t.html").exists()


def test_charts_refuse_things_that_are_not_traces_with_a_clear_message():
    with pytest.raises(LabError, match="TRACE"):
        viz.timeline("not a trace")
    with pytest.raises(LabError, match="TRACE"):
        viz.concurrency_chart(42)
    assert viz.timeline(real_trace().records()).data  # a plain list of Invocation records works
    assert pricing.cost_from_trace is pricing.trace_cost
