"""Pricing reproduces AWS's published arithmetic to the cent (us-east-1, prices of 2026-11)."""

import math

import pytest

from serverless_lab import pricing
from serverless_lab.errors import LabError
from serverless_lab.trace import Invocation, Trace


def cents(x: float) -> float:
    return round(x + 1e-9, 2)


def test_lambda_mobile_backend_example_with_free_tier():
    # AWS Lambda pricing page, "Mobile application backend": 3 M requests, 120 ms, 1,536 MB, x86.
    # 540,000 GB-s − 400,000 free = 140,000 × $0.0000166667 = $2.33; 2 M × $0.20/M = $0.40.
    cost = pricing.lambda_monthly_cost(3_000_000, 120, 1536)
    assert cents(cost.compute) == 2.33
    assert cents(cost.requests) == 0.40
    assert cents(cost.total) == 2.73
    assert cost.assumptions["gb_seconds"] == pytest.approx(540_000)


def test_lambda_mobile_backend_without_free_tier():
    cost = pricing.lambda_monthly_cost(3_000_000, 120, 1536, free_tier=False)
    assert cents(cost.compute) == 9.00 and cents(cost.requests) == 0.60 and cents(cost.total) == 9.60


def test_lambda_provisioned_concurrency_example():
    # AWS Lambda pricing page, provisioned concurrency example: 1,024 MB, concurrency 1,000 for
    # 2 hours, 1.2 M requests of 1 s: $30.00 + $11.67 + $0.24 = $41.91.
    cost = pricing.lambda_provisioned_cost(1000, 2, 1024, requests=1_200_000, duration_ms=1000)
    assert cents(cost.provisioned_concurrency) == 30.00
    assert cents(cost.compute) == 11.67
    assert cents(cost.requests) == 0.24
    assert cents(cost.total) == 41.91


def test_provisioned_time_rounds_up_to_five_minutes():
    a = pricing.lambda_provisioned_cost(1, 1 / 60, 1024)  # 1 minute enabled
    b = pricing.lambda_provisioned_cost(1, 5 / 60, 1024)
    assert a.total == pytest.approx(b.total)
    assert a.provisioned_concurrency == pytest.approx(300 * 0.0000041667)


def test_arm_is_cheaper_and_tiers_apply():
    x86 = pricing.lambda_monthly_cost(3_000_000, 120, 1536, free_tier=False)
    arm = pricing.lambda_monthly_cost(3_000_000, 120, 1536, "arm64", free_tier=False)
    assert cents(arm.compute) == cents(540_000 * 0.0000133334)
    assert arm.total < x86.total
    # 10 B GB-s on x86: 6 B at the first rate, 4 B at the second.
    reqs = 10e9  # 10 B requests of 1 s at 1 GB
    big = pricing.lambda_monthly_cost(reqs, 1000, 1024, free_tier=False)
    assert big.compute == pytest.approx(6e9 * 0.0000166667 + 4e9 * 0.000015)
    assert len([ln for ln in big.lines if ln.item == "compute"]) == 2
    huge = pricing.lambda_monthly_cost(20e9, 1000, 1024, "arm64", free_tier=False)
    assert huge.compute == pytest.approx(7.5e9 * 0.0000133334 + 11.25e9 * 0.0000120001 + 1.25e9 * 0.0000106667)


def test_duration_rounds_up_to_the_millisecond_and_init_is_billed():
    a = pricing.lambda_monthly_cost(1_000_000, 10.2, 1024, free_tier=False)
    b = pricing.lambda_monthly_cost(1_000_000, 11, 1024, free_tier=False)
    assert a.total == pytest.approx(b.total)
    with_init = pricing.lambda_monthly_cost(1_000_000, 11, 1024, free_tier=False, cold_starts=1000, init_ms=250)
    assert with_init.compute - b.compute == pytest.approx(1000 * 0.25 * 1 * 0.0000166667)


def test_ephemeral_storage_above_512_mb():
    cost = pricing.lambda_monthly_cost(1_000_000, 1000, 1024, ephemeral_storage_mb=10240, free_tier=False)
    assert cost.ephemeral_storage == pytest.approx(1_000_000 * 1 * (10240 - 512) / 1024 * 0.0000000309)
    assert pricing.lambda_monthly_cost(1, 1, 128).ephemeral_storage == 0.0


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(requests=1, duration_ms=1, memory_mb=50), "128 MB and 10,240 MB"),
        (dict(requests=1, duration_ms=1, memory_mb=20000), "128 MB and 10,240 MB"),
        (dict(requests=-5, duration_ms=1, memory_mb=128), "requests must be"),
        (dict(requests=1, duration_ms=1, memory_mb=128, architecture="sparc"), "x86_64"),
        (dict(requests=1, duration_ms=1, memory_mb=128, ephemeral_storage_mb=100), "512 MB"),
    ],
)
def test_bad_lambda_inputs_explain(kwargs, words):
    with pytest.raises(LabError) as err:
        pricing.lambda_monthly_cost(**kwargs)
    assert words in str(err.value)


def test_fargate_per_second_with_one_minute_minimum():
    short = pricing.fargate_cost(1, 2, 10)
    minute = pricing.fargate_cost(1, 2, 60)
    assert short.total == pytest.approx(minute.total)
    assert minute.total == pytest.approx((0.04048 + 2 * 0.004445) / 60)
    # five tasks a day for 10 minutes, 30 days: 25 vCPU-h and 50 GB-h
    month = pricing.fargate_cost(1, 2, 600, tasks=150)
    assert cents(month.vcpu) == 1.01 and cents(month.memory) == 0.22 and cents(month.total) == 1.23
    arm = pricing.fargate_cost(1, 2, 600, tasks=150, architecture="arm64")
    assert arm.total < month.total
    with pytest.raises(LabError, match="Valid memory"):
        pricing.fargate_cost(0.25, 8, 60)


def test_step_functions_standard_and_express():
    # 100,000 executions × 4 transitions − 4,000 free = 396,000 × $0.000025 = $9.90
    assert cents(pricing.stepfunctions_standard_cost(400_000).total) == 9.90
    assert pricing.stepfunctions_standard_cost(3000).total == 0
    # Express: 1 M requests; 150 ms rounds up to 200 ms; 64 MB chunk: 1M × 0.2 s × 0.0625 GB = 12,500 GB-s
    exp = pricing.stepfunctions_express_cost(1_000_000, 0.15, 50)
    assert cents(exp.requests) == 1.00
    assert exp.duration == pytest.approx(12_500 * 0.00001667)
    # 65 MB is two 64-MB chunks
    assert pricing.stepfunctions_express_cost(1, 1, 65).assumptions["memory_mb"] == 65
    assert pricing.stepfunctions_express_cost(1_000_000, 1, 65).duration == pytest.approx(2 * pricing.stepfunctions_express_cost(1_000_000, 1, 64).duration)


def test_api_gateway_tiers_and_http_metering():
    assert cents(pricing.apigateway_cost(1e9, "http").total) == 930.00  # 300 M × $1.00 + 700 M × $0.90
    assert cents(pricing.apigateway_cost(1e9, "rest").total) == cents(333 * 3.50 + 667 * 2.80)
    assert cents(pricing.apigateway_cost(1e6, "http", payload_kb=600).total) == 2.00  # two 512 KB units
    assert pricing.apigateway_cost(1e6, "rest", free_tier=True).total == 0
    with pytest.raises(LabError, match="api='http'"):
        pricing.apigateway_cost(1, "soap")


def test_dynamodb_s3_aurora():
    d = pricing.dynamodb_on_demand_cost(writes=1_000_000, reads=1_000_000, item_kb=3, consistency="strong")
    assert d.writes == pytest.approx(3 * 0.625) and d.reads == pytest.approx(0.125)
    assert pricing.dynamodb_on_demand_cost(reads=2_000_000).reads == pytest.approx(0.125)  # eventual = half
    s = pricing.s3_cost(storage_gb=100, puts=10_000, gets=100_000)
    assert cents(s.total) == cents(2.30 + 0.05 + 0.04)
    a = pricing.aurora_serverless_v2_cost(pricing.acu_hours([0, 1800, 3600], [0.5, 4, 0]))
    assert a.capacity == pytest.approx((0.25 + 2) * 0.12)


def test_trace_cost_prices_what_ran():
    t = Trace([
        Invocation("a", "f", billed_ms=1000, memory_mb=1024),
        Invocation("b", "f", billed_ms=500, memory_mb=2048, cold=True, init_duration_ms=200),
        Invocation("c", "f", outcome="throttled", memory_mb=1024),
        Invocation("d", "f", billed_ms=1000, memory_mb=1024, provisioned=True, environment_id="p1"),
    ])
    cost = pricing.trace_cost(t)
    assert cost.requests == pytest.approx(3 * 0.2e-6)
    assert cost.compute == pytest.approx(2 * 0.0000166667)
    assert cost.compute_provisioned == pytest.approx(0.0000097222)
    assert "1 throttled" in cost.lines[0].note
    assert pricing.trace_cost(Trace()).total == 0


def test_price_table_has_sources_and_date():
    rows = pricing.price_table()
    assert all(r["source"].startswith(("https://aws.amazon.com/", "https://docs.aws.amazon.com/")) for r in rows)
    assert pricing.PRICES_AS_OF == "2026-11" and pricing.REGION == "us-east-1"
    assert pricing.price("lambda.request") == pytest.approx(2e-7)
    assert "$2.73" in str(pricing.lambda_monthly_cost(3_000_000, 120, 1536))
    assert "<table>" in pricing.lambda_monthly_cost(3_000_000, 120, 1536)._repr_html_()


def test_crossover_lambda_cheap_at_low_traffic_dear_at_high():
    c = pricing.monthly_crossover([1e5, 1e9], 100, 512)
    assert c["lambda"][0] < c["fargate"][0] and c["lambda"][0] < c["always_on"][0]
    assert c["lambda"][1] > c["always_on"][1]
    assert not math.isnan(sum(c["fargate"]))


def test_bad_argument_values_are_value_errors():
    """A bad value is catchable the usual way (``except ValueError``), with the course's advice."""
    import pytest

    from serverless_lab import pricing
    from serverless_lab.errors import LabError

    for call in (lambda: pricing.lambda_monthly_cost(-1, 100, 128),
                 lambda: pricing.lambda_monthly_cost(1000, 100, 128, architecture="sparc")):
        with pytest.raises(ValueError) as err:
            call()
        assert isinstance(err.value, LabError) and err.value.next_step
    try:
        pricing.lambda_monthly_cost(10, -5, 128)
    except ValueError:
        pass
    else:
        raise AssertionError("a negative duration must raise ValueError")


def test_nat_gateway_and_vpc_endpoints_as_the_pricing_pages_state():
    """us-east-1, read 2026-12-07: NAT gateway $0.045 per hour and $0.045 per GB processed
    (https://aws.amazon.com/vpc/pricing/); interface endpoint $0.01 per AZ-hour and $0.01 per GB
    (https://aws.amazon.com/privatelink/pricing/); gateway endpoints free
    (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html)."""
    from serverless_lab import pricing

    nat = pricing.nat_gateway_cost(2, 1000)
    assert math.isclose(nat.total, 2 * 730 * 0.045 + 1000 * 0.045)        # 65.70 + 45.00
    ends = pricing.vpc_endpoints_cost(interface_endpoints=1, azs=2, interface_gb=100, gateway_endpoints=2)
    assert math.isclose(ends.total, 1 * 2 * 730 * 0.01 + 100 * 0.01)      # 14.60 + 1.00
    assert pricing.vpc_endpoints_cost(0, 2, 100, gateway_endpoints=2).total == 0.0
    assert pricing.PRICES["vpc.gateway_endpoint"].usd == 0.0
