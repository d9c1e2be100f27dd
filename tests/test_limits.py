"""Shared facts live in one place (docs/architecture.md, "Where things go"): Lambda's limits in
serverless_lab.limits, ARN parsing in serverless_lab.arn, CloudWatch Logs writes in cloud/logs.py."""

from __future__ import annotations

import importlib
import time

import pytest

from serverless_lab import arn, limits


def test_every_layer_reads_lambdas_limits_from_one_module():
    from serverless_lab.fargate import cost as fargate_cost
    from serverless_lab.runtime import async_invoke, errors, service
    from serverless_lab.simulate import model
    dashboard = importlib.import_module("serverless_lab.viz.dashboard")   # viz exports a function of that name

    assert service.INIT_TIMEOUT_S == limits.INIT_TIMEOUT_S == 10.0
    assert service.DEFAULT_ACCOUNT_CONCURRENCY == model.ACCOUNT_CONCURRENCY == limits.ACCOUNT_CONCURRENCY_DEFAULT
    assert async_invoke.RETRY_DELAYS_S == model.ASYNC_ERROR_RETRY_DELAYS_S == limits.ASYNC_RETRY_DELAYS_S
    assert async_invoke.DEFAULT_MAX_RETRIES == limits.ASYNC_MAX_RETRIES_DEFAULT == 2
    assert errors.SYNC_PAYLOAD_LIMIT == limits.SYNC_PAYLOAD_BYTES == 6 * 1024 * 1024
    assert errors.ASYNC_PAYLOAD_LIMIT == limits.ASYNC_PAYLOAD_BYTES == 1024 * 1024
    assert fargate_cost.LAMBDA_MAX_S == limits.TIMEOUT_MAX_S == 900
    assert fargate_cost.LAMBDA_MAX_MEMORY_MB == limits.MEMORY_MAX_MB == 10_240
    assert dashboard.NO_RESERVATION == limits.ACCOUNT_CONCURRENCY_DEFAULT


def test_memory_and_timeout_checks_agree_across_pricing_and_the_simulator():
    from serverless_lab import pricing
    from serverless_lab.simulate.arrivals import SimulationInputError
    from serverless_lab.simulate.model import validate

    for bad in (limits.MEMORY_MIN_MB - 1, limits.MEMORY_MAX_MB + 1):
        assert limits.memory_problem(bad)
        with pytest.raises(pricing.PricingInputError):
            pricing.lambda_monthly_cost(1, 10, bad)
        with pytest.raises(SimulationInputError):
            validate(bad, 3, 10, 600, 1000, None, 0, 0.0, "RequestResponse")
    assert limits.memory_problem(limits.MEMORY_MAX_MB) is None
    assert limits.timeout_problem(limits.TIMEOUT_MAX_S + 1) and limits.timeout_problem(True)
    assert limits.unreserved_minimum(1000) == 100 and limits.unreserved_minimum(50) == 50


def test_arn_parsing():
    a = arn.parse("arn:aws:lambda:eu-west-1:111122223333:function:orders:live")
    assert (a.partition, a.service, a.region, a.account, a.name) == ("aws", "lambda", "eu-west-1", "111122223333",
                                                                     "orders")
    assert arn.parse("arn:aws:sqs:us-east-1:123456789012:jobs-dlq").name == "jobs-dlq"
    assert arn.parse("arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026").resource.startswith("table/t")
    assert arn.parse("arn:aws:s3:::bucket").region == ""
    with pytest.raises(ValueError, match="not an ARN"):
        arn.parse("orders")
    assert arn.function_ref("orders") == arn.FunctionRef("orders")
    assert arn.function_ref("orders:prod") == arn.FunctionRef("orders", "prod")
    assert arn.function_ref("123456789012:function:orders:3") == arn.FunctionRef("orders", "3", "123456789012")
    full = arn.function_ref("arn:aws:lambda:eu-west-1:111122223333:function:orders")
    assert full == arn.FunctionRef("orders", None, "111122223333", "eu-west-1")


def test_one_log_writer_appends_and_drops_lines_for_a_deleted_group():
    import boto3

    from serverless_lab import mock_aws
    from serverless_lab.cloud import logs as cloud_logs

    with mock_aws(extensions=[]) as aws:
        now = int(time.time() * 1000)
        assert cloud_logs.append(aws.account_id, aws.region, "/lab/g", "s", [{"timestamp": now, "message": "hi"}])
        events = boto3.client("logs").get_log_events(logGroupName="/lab/g", logStreamName="s")["events"]
        assert [e["message"] for e in events] == ["hi"]
        assert not cloud_logs.append(aws.account_id, aws.region, "/lab/none", "s",
                                     [{"timestamp": now, "message": "x"}], create_group=False)
