"""StartSyncExecution: an Express workflow runs while boto3 waits, as on AWS (lib/serverless_lab/stepfunctions/sync.py)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from lambda_helpers import create
from serverless_lab import mock_aws

ROLE = "arn:aws:iam::123456789012:role/sfn"
HANDLER = """
def handler(event, context):
    if event.get("boom"):
        raise ValueError("bad input")
    return {"doubled": event["x"] * 2}
"""


@pytest.fixture(scope="module")
def aws():
    with mock_aws() as session:
        yield session


@pytest.fixture(scope="module")
def express(aws):
    fn = create(aws.client("lambda"), "sync-doubler", HANDLER)
    definition = {"StartAt": "Double", "States": {
        "Double": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {"FunctionName": fn, "Payload.$": "$"}, "OutputPath": "$.Payload", "Next": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 1, "End": True}}}
    sfn = aws.client("stepfunctions")
    arns = {kind: sfn.create_state_machine(name=f"sync-{kind.lower()}", definition=json.dumps(definition),
                                           roleArn=ROLE, type=kind)["stateMachineArn"]
            for kind in ("EXPRESS", "STANDARD")}
    return sfn, arns


def test_a_sync_express_execution_answers_with_its_output(express):
    sfn, arns = express
    out = sfn.start_sync_execution(stateMachineArn=arns["EXPRESS"], name="order-1", input=json.dumps({"x": 21}))
    assert out["status"] == "SUCCEEDED"
    assert json.loads(out["output"]) == {"doubled": 42}        # the real handler ran
    assert out["name"] == "order-1" and out["stateMachineArn"] == arns["EXPRESS"]
    assert out["executionArn"].startswith("arn:aws:states:us-east-1:123456789012:express:sync-express:order-1:")
    assert out["stopDate"] >= out["startDate"]
    # Express billing units: 100 ms steps (the 1 s Wait passes on the lab clock), 64 MB steps
    assert out["billingDetails"]["billedMemoryUsedInMB"] == 64
    assert out["billingDetails"]["billedDurationInMilliseconds"] % 100 == 0
    assert out["billingDetails"]["billedDurationInMilliseconds"] >= 100
    assert out["billingDetails"]["billedDurationInMilliseconds"] <= 1100 + 5000  # the 1 s Wait, on one clock


def test_billed_duration_is_measured_on_one_clock_after_the_lab_clock_moved(aws, express):
    sfn, arns = express
    aws.clock.advance(3600)                                    # an earlier cell waited an hour
    out = sfn.start_sync_execution(stateMachineArn=arns["EXPRESS"], input=json.dumps({"x": 1}))
    assert 1000 <= out["billingDetails"]["billedDurationInMilliseconds"] <= 6000


def test_a_failed_sync_execution_reports_error_and_cause(express):
    sfn, arns = express
    out = sfn.start_sync_execution(stateMachineArn=arns["EXPRESS"], input=json.dumps({"x": 1, "boom": True}))
    assert out["status"] == "FAILED"
    assert out["error"] == "ValueError"
    assert json.loads(out["cause"])["errorMessage"] == "bad input"
    assert "output" not in out


def test_sync_executions_are_not_kept_like_standard_ones(express):
    sfn, arns = express
    out = sfn.start_sync_execution(stateMachineArn=arns["EXPRESS"], input=json.dumps({"x": 2}))
    assert sfn.list_executions(stateMachineArn=arns["EXPRESS"])["executions"] == []
    with pytest.raises(ClientError):
        sfn.describe_execution(executionArn=out["executionArn"])


def test_a_standard_machine_or_bad_input_gets_awss_error(express):
    sfn, arns = express
    with pytest.raises(ClientError) as err:
        sfn.start_sync_execution(stateMachineArn=arns["STANDARD"], input="{}")
    assert err.value.response["Error"]["Code"] == "StateMachineTypeNotSupported"
    with pytest.raises(ClientError) as err:
        sfn.start_sync_execution(stateMachineArn=arns["EXPRESS"], input="{not json")
    assert err.value.response["Error"]["Code"] == "InvalidExecutionInput"
    with pytest.raises(ClientError) as err:
        sfn.start_sync_execution(stateMachineArn=arns["EXPRESS"].replace("sync-express", "nope"), input="{}")
    assert err.value.response["Error"]["Code"] == "StateMachineDoesNotExist"

