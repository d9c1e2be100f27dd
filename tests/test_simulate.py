"""The simulator follows Lambda's documented rules and writes the runtime's trace shape."""

import numpy as np
import pytest

from serverless_lab import simulate as sim
from serverless_lab.errors import LabError
from serverless_lab.trace import FIELDS, Invocation, Trace


def test_output_is_a_trace_with_every_field_and_simulated_flag():
    tr = sim.simulate(sim.poisson(20, 30, seed=3), duration_ms=50, memory_mb=256, seed=3)
    cols = tr.columns()
    assert set(FIELDS) <= set(cols)
    assert cols["simulated"].all()
    rec = tr.records()[0]
    assert isinstance(rec, Invocation) and rec.cold and rec.init_duration_ms > 0
    assert rec.billed_ms == int(np.ceil(rec.duration_ms) + np.ceil(rec.init_duration_ms))  # INIT billed since 2025-08
    assert rec.environment_id.startswith("sim-function:env-")
    assert len({r.request_id for r in tr.records()}) == len(tr)


def test_seeded_runs_are_reproducible_and_seeds_differ():
    a = sim.simulate(sim.poisson(50, 20, seed=1), seed=7).columns()
    b = sim.simulate(sim.poisson(50, 20, seed=1), seed=7).columns()
    c = sim.simulate(sim.poisson(50, 20, seed=1), seed=8).columns()
    assert np.array_equal(a["duration_ms"], b["duration_ms"]) and np.array_equal(a["environment_id"], b["environment_id"])
    assert not np.array_equal(a["duration_ms"], c["duration_ms"])


def test_warm_reuse_and_keep_alive_reclaim():
    # one request every 2 s, 100 ms each: one environment serves them all while keep-alive > 2 s
    arr = sim.constant(0.5, 20)
    warm = sim.summary(sim.simulate(arr, duration_ms=100, duration_cv=0, keep_alive_s=60))
    assert warm["cold_starts"] == 1 and warm["environments"] == 1
    # a keep-alive shorter than the gap: every request is a cold start on a new environment
    cold = sim.summary(sim.simulate(arr, duration_ms=100, duration_cv=0, keep_alive_s=1))
    assert cold["cold_starts"] == len(arr) and cold["environments"] == len(arr)


def test_concurrency_never_exceeds_reserved_and_sync_requests_are_throttled():
    arr = sim.constant(1000, 5)  # 1,000 rps of 1 s work needs ~1,000 environments
    tr = sim.simulate(arr, duration_ms=1000, duration_cv=0, reserved=100)
    s = sim.summary(tr)
    assert s["peak_concurrency"] == 100
    assert s["throttled"] > 0 and s["throttled"] + s["ran"] == len(arr)
    cols = tr.columns()
    thr = cols["outcome"] == "throttled"
    assert (cols["environment_id"][thr] == "").all() and np.isnan(cols["invoke_start"][thr]).all()
    assert (cols["billed_ms"][thr] == 0).all()


def test_account_limit_caps_without_reservation():
    s = sim.summary(sim.simulate(sim.constant(500, 4), duration_ms=1000, duration_cv=0, account_limit=50))
    assert s["peak_concurrency"] == 50


def test_scaling_rate_is_1000_environments_per_10_seconds():
    # 3,000 requests within 1 s, each 30 s long: 1,000 environments at once, then 100 more a second
    arr = sim.Arrivals(np.linspace(0, 1, 3000))
    s = sim.summary(sim.simulate(arr, duration_ms=30_000, duration_cv=0, timeout_s=60, account_limit=5000))
    assert 1000 <= s["environments"] <= 1100 and s["throttled"] == 3000 - s["environments"]
    later = sim.Arrivals(np.concatenate([np.linspace(0, 1, 3000), np.linspace(20, 21, 1000)]))
    s2 = sim.summary(sim.simulate(later, duration_ms=30_000, duration_cv=0, timeout_s=60, account_limit=5000))
    assert s2["environments"] >= 2000  # the bucket refilled over 20 s


def test_provisioned_concurrency_serves_first_then_spills_over():
    arr = sim.constant(100, 10)  # needs ~20 concurrent at 200 ms
    tr = sim.simulate(arr, duration_ms=200, duration_cv=0, provisioned=5)
    cols = tr.columns()
    assert cols["provisioned"].any() and (~cols["provisioned"]).any()
    assert not (cols["cold"] & cols["provisioned"]).any()
    assert tr.meta["environments"]["provisioned"].sum() == 5
    enough = sim.summary(sim.simulate(arr, duration_ms=200, duration_cv=0, provisioned=30))
    assert enough["cold_starts"] == 0 and enough["provisioned_share"] == 1.0


def test_async_throttles_are_retried_and_errors_retried_twice():
    arr = sim.constant(200, 2)
    tr = sim.simulate(arr, duration_ms=1000, duration_cv=0, reserved=10, invocation_type="Event")
    cols = tr.columns()
    assert (cols["attempt"] > 1).any()
    # every event eventually ran (within 6 h of back-off)
    ran_ids = set(cols["request_id"][cols["outcome"] != "throttled"].tolist())
    assert len(ran_ids) == len(arr)
    err = sim.simulate(sim.constant(10, 10), duration_ms=10, error_rate=1.0, invocation_type="Event").columns()
    assert err["attempt"].max() == 3 and (err["outcome"] == "error").sum() == 300
    retry = err["arrival"][(err["attempt"] == 2)] - err["invoke_end"][err["attempt"] == 1][: (err["attempt"] == 2).sum()]
    assert (retry > 59).all()


def test_sync_errors_are_not_retried_and_timeouts_cut_duration():
    cols = sim.simulate(sim.constant(10, 5), duration_ms=5000, duration_cv=0, timeout_s=3).columns()
    assert (cols["outcome"] == "timeout").all() and cols["duration_ms"].max() == 3000
    assert (cols["attempt"] == 1).all() and (cols["error_type"] == "Sandbox.Timedout").all()


def test_runtimes_are_calibrated_from_lambda_perf():
    java = sim.summary(sim.simulate(sim.constant(1, 30), runtime="java21", keep_alive_s=0, duration_cv=0))
    rust = sim.summary(sim.simulate(sim.constant(1, 30), runtime="rust", keep_alive_s=0, duration_cv=0))
    assert java["p50_ms"] > rust["p50_ms"] + 150
    assert sim.runtime_profile("python3.12").init_mean_ms == 85
    assert "lambda-perf" in sim.LAMBDA_PERF_URL
    with pytest.raises(LabError, match="python3.12"):
        sim.simulate(sim.constant(1, 1), runtime="cobol")


@pytest.mark.parametrize("kwargs, words", [
    (dict(memory_mb=50), "128 MB and 10,240 MB"),
    (dict(memory_mb=20_000), "128 MB and 10,240 MB"),
    (dict(timeout_s=1200), "between 1 and 900 seconds"),
    (dict(reserved=5000), "Reserved concurrency"),
    (dict(reserved=10, provisioned=20), "Provisioned concurrency"),
    (dict(error_rate=2), "error_rate"),
    (dict(keep_alive_s=-1), "keep_alive_s"),
    (dict(invocation_type="Async"), "RequestResponse"),
])
def test_bad_parameters_name_the_valid_range(kwargs, words):
    with pytest.raises(LabError) as err:
        sim.simulate(sim.constant(1, 1), **kwargs)
    assert words in str(err.value)


def test_bad_arrivals_explain():
    with pytest.raises(LabError, match="requests per second"):
        sim.poisson(-5, 10)
    with pytest.raises(LabError, match="requests per second"):
        sim.constant(float("nan"), 10)
    with pytest.raises(LabError, match="stops at"):
        sim.constant(1e9, 1e6)
    with pytest.raises(LabError, match="amplitude"):
        sim.diurnal(1, amplitude=3)


def test_arrival_shapes():
    assert len(sim.constant(10, 10)) == 100
    p = sim.poisson(100, 100, seed=1)
    assert 9000 < len(p) < 11000 and np.all(np.diff(p.times) >= 0)
    b = sim.burst(10, 100, burst_rate=1000, burst_start_s=50, burst_duration_s=5, seed=1)
    _, rate = b.rate_per_s(1.0)
    assert rate[50:55].mean() > 500 and rate[:40].mean() < 30
    d = sim.diurnal(10, seed=1, peak_hour=14)
    hours = np.bincount((d.times // 3600).astype(int), minlength=24)
    assert hours[14] > 4 * hours[2]


def test_empty_arrivals_give_an_empty_trace():
    tr = sim.simulate(sim.constant(0, 10))
    assert len(tr) == 0 and sim.summary(tr)["invocations"] == 0
    assert sim.summary(Trace())["p99_ms"] is None


def test_replay_of_a_runtime_trace_keeps_timing_and_durations():
    real = Trace([
        Invocation(f"r{i}", "f", arrival=1000.0 + i * 0.5, duration_ms=40.0 + i, invoke_start=1000.0 + i * 0.5,
                   invoke_end=1000.0 + i * 0.5 + 0.04, billed_ms=41, memory_mb=128)
        for i in range(10)
    ])
    arr = sim.replay(real, speed=2, repeat=2)
    assert len(arr) == 20 and arr.times[0] == 0 and arr.times[1] == pytest.approx(0.25)
    cols = sim.simulate(arr, duration_cv=0).columns()
    assert cols["duration_ms"][:10].tolist() == pytest.approx([40.0 + i for i in range(10)])
    assert len(sim.replay(Trace())) == 0


def test_sqs_pollers_batch_messages_and_scale():
    msgs = sim.burst(5, 300, burst_rate=2000, burst_start_s=60, burst_duration_s=20, seed=2)
    tr = sim.simulate_sqs(msgs, batch_size=10, per_message_ms=20)
    sqs = tr.meta["sqs"]
    assert sqs["batch_size"].sum() == len(msgs)
    assert sqs["batch_size"].max() == 10
    assert sqs["pollers"] > 5
    cols = tr.columns()
    assert (cols["trigger"] == "sqs").all()
    assert sim.summary(tr)["peak_concurrency"] <= sqs["pollers"]
    with pytest.raises(LabError, match="1–10,000"):
        sim.simulate_sqs(msgs, batch_size=0)


def test_concurrency_series_downsampled_keeps_the_peak():
    tr = sim.simulate(sim.burst(10, 200, burst_rate=500, burst_start_s=100, burst_duration_s=5, seed=4), duration_ms=300)
    t, level = sim.concurrency(tr, max_points=50)
    assert len(t) == 50 and level.max() == sim.peak_concurrency(tr)
