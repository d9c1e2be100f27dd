"""Step Functions on the course's mock: JSONata, names, the lab clock, errors, logs, Lambda tasks."""

from __future__ import annotations

import json
import logging
import time

import pytest
from botocore.exceptions import ClientError

from lambda_helpers import create
from serverless_lab import LabError, mock_aws
from serverless_lab.stepfunctions import (
    definition_problems,
    evaluate_jsonata,
    retries,
    retry_waits,
    state_attempts,
    task_failures,
    tasks_in_flight,
    transitions,
)

ROLE = "arn:aws:iam::123456789012:role/sfn"


@pytest.fixture(scope="module")
def aws():
    with mock_aws() as session:
        yield session


def _machine(aws, unique, definition: dict, **kw) -> str:
    sfn = aws.client("stepfunctions")
    return sfn.create_state_machine(name=unique("sm"), definition=json.dumps(definition), roleArn=ROLE,
                                    **kw)["stateMachineArn"]


# -- JSONata ------------------------------------------------------------------------------------
def test_jsonata_expressions_and_variables_run(aws, unique):
    d = {"QueryLanguage": "JSONata", "StartAt": "Price", "States": {
        "Price": {"Type": "Pass", "Assign": {"total": "{% $sum($states.input.items.price) %}"},
                  "Output": {"n": "{% $count($states.input.items) %}", "note": "{% $states.input.note %}"},
                  "Next": "Big?"},
        "Big?": {"Type": "Choice", "Choices": [{"Condition": "{% $total > 10 %}", "Next": "Big"}], "Default": "Small"},
        "Big": {"Type": "Pass", "Output": {"size": "big", "total": "{% $total %}", "n": "{% $states.input.n %}",
                                            "chunks": "{% $partition([1,2,3], 2) %}"}, "End": True},
        "Small": {"Type": "Pass", "Output": {"size": "small", "total": "{% $total %}"}, "End": True}}}
    arn = _machine(aws, unique, d)
    sfn = aws.extension("stepfunctions")
    # quotes and newlines in the input must not break anything (moto pastes values into the text)
    out = sfn.run(arn, {"items": [{"price": 7}, {"price": 5.5}], "note": 'he said "hi"\nbye'})
    assert out["status"] == "SUCCEEDED", out
    assert json.loads(out["output"]) == {"size": "big", "total": 12.5, "n": 2, "chunks": [[1, 2], [3]]}
    out = sfn.run(arn, {"items": [{"price": 1}], "note": "x"})
    assert json.loads(out["output"]) == {"size": "small", "total": 1}


def test_jsonata_undefined_result_fails_like_aws(aws, unique):
    d = {"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "Output": "{% $states.input.missing %}", "End": True}}}
    out = aws.extension("stepfunctions").run(_machine(aws, unique, d), {})
    assert out["status"] == "FAILED"
    assert out["error"] == "States.QueryEvaluationError"
    assert "returned nothing" in out["cause"]


def test_evaluate_jsonata_helper():
    assert evaluate_jsonata("$sum(a)", {}, {"a": [1, 2, 3]}) == 6
    assert evaluate_jsonata("$states.input.x & '!'", {"states": {"input": {"x": "hi"}}}) == "hi!"
    assert len(evaluate_jsonata("$uuid()")) == 36
    assert evaluate_jsonata("$hash('abc', 'SHA-256')").startswith("ba7816bf")


# -- names, clock, history -------------------------------------------------------------------
def test_executions_without_a_name_get_their_own_arn(aws, unique):
    arn = _machine(aws, unique, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    sfn = aws.client("stepfunctions")
    a = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    b = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    assert a != b and not a.endswith(":None")
    assert len(sfn.list_executions(stateMachineArn=arn)["executions"]) == 2


def test_one_hour_wait_fast_forwards_on_the_lab_clock(aws, unique):
    d = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "Next": "P"},
                                   "P": {"Type": "Pass", "End": True}}}
    arn = _machine(aws, unique, d)
    before, t0 = aws.clock.now(), time.monotonic()
    out = aws.extension("stepfunctions").run(arn, {})
    assert out["status"] == "SUCCEEDED"
    assert time.monotonic() - t0 < 30                       # not an hour of real time
    assert aws.clock.now() - before >= 3600                 # the lab clock moved an hour
    ev = out["events"]
    entered = next(e for e in ev if e["type"] == "WaitStateEntered")["timestamp"]
    exited = next(e for e in ev if e["type"] == "WaitStateExited")["timestamp"]
    assert (exited - entered).total_seconds() == pytest.approx(3600, abs=1)
    assert (out["stopDate"] - out["startDate"]).total_seconds() >= 3600


def test_parallel_waits_overlap(aws, unique):
    branch = lambda s: {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": s, "End": True}}}  # noqa: E731
    d = {"StartAt": "Par", "States": {"Par": {"Type": "Parallel", "Branches": [branch(600), branch(600), branch(300)],
                                              "End": True}}}
    before = aws.clock.now()
    assert aws.extension("stepfunctions").run(_machine(aws, unique, d), {})["status"] == "SUCCEEDED"
    assert 600 <= aws.clock.now() - before < 1200             # the longest branch, not the sum (1,500 s)


def test_malformed_definitions_get_aws_error(aws, unique):
    sfn = aws.client("stepfunctions")
    cases = [("not json", "INVALID_JSON_DESCRIPTION"),
             ({"StartAt": "A"}, "These fields are required: [States]"),
             ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}},
              "MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next"),
             ({"StartAt": "X", "States": {"A": {"Type": "Pass", "End": True}}}, "MISSING_TRANSITION_TARGET"),
             ({"StartAt": "A", "States": {"A": {"Type": "Passs", "End": True}}}, "/States/A/Type"),
             ({"StartAt": "A", "States": {"A": {"Type": "Task", "End": True}}}, "[Resource]"),
             ({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}, "'Next' or"),
             ({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}, "B": {"Type": "Succeed"}}},
              "UNREACHABLE_STATE"),
             ({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": -1, "End": True, "ItemProcessor": {
                 "StartAt": "I", "States": {"I": {"Type": "Pass", "Next": "Nope"}}}}}},
              "/States/M/ItemProcessor/States/I/Next")]
    for definition, fragment in cases:
        text = definition if isinstance(definition, str) else json.dumps(definition)
        with pytest.raises(ClientError) as err:
            sfn.create_state_machine(name=unique("bad"), definition=text, roleArn=ROLE)
        e = err.value.response["Error"]
        assert e["Code"] == "InvalidDefinition", (definition, e)
        assert e["Message"].startswith("Invalid State Machine Definition: '"), e
        assert fragment in e["Message"], (fragment, e["Message"])
        assert "Traceback" not in e["Message"] and "moto" not in e["Message"]
    assert definition_problems({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}) == []


def test_input_that_is_not_json_gets_aws_error(aws, unique):
    arn = _machine(aws, unique, {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})
    with pytest.raises(ClientError) as err:
        aws.client("stepfunctions").start_execution(stateMachineArn=arn, input="{not json")
    assert err.value.response["Error"]["Code"] == "InvalidExecutionInput"
    assert err.value.response["Error"]["Message"].startswith("Invalid State Machine Execution Input: ")


def test_waits_in_clock_mode_block_until_the_lab_clock_gets_there():
    import threading

    from serverless_lab.clock import LabClock
    from serverless_lab.stepfunctions.timing import LabWaits

    clock = LabClock()
    waits = LabWaits(clock, "clock")
    done = threading.Event()
    worker = threading.Thread(target=lambda: (waits.sleep(600), done.set()), daemon=True)
    worker.start()
    assert not done.wait(0.2)                 # ten minutes of lab time have not passed
    clock.advance(600)
    assert done.wait(30)
    clock.stop()
    with pytest.raises(LabError):
        LabWaits(clock, "sometimes")


def test_update_state_machine_is_checked_too(aws, unique):
    arn = _machine(aws, unique, {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})
    with pytest.raises(ClientError) as err:
        aws.client("stepfunctions").update_state_machine(
            stateMachineArn=arn, definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Z"}}}))
    assert err.value.response["Error"]["Code"] == "InvalidDefinition"


def test_handled_conditions_log_no_errors(aws, unique, caplog):
    d = {"StartAt": "Try", "States": {
        "Try": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "does-not-exist"},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Fail"}], "End": True},
        "Fail": {"Type": "Fail", "Error": "Order.Rejected", "Cause": "caught"}}}
    with caplog.at_level(logging.WARNING):
        out = aws.extension("stepfunctions").run(_machine(aws, unique, d), {})
    assert out["status"] == "FAILED" and out["error"] == "Order.Rejected"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage()[:200] for r in caplog.records]


# -- Lambda tasks ----------------------------------------------------------------------------
FLAKY = '''
import os, boto3
ddb = boto3.client("dynamodb")
def handler(event, context):
    n = ddb.update_item(TableName=os.environ["T"], Key={"pk": {"S": event["key"]}}, UpdateExpression="ADD n :one",
                        ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="UPDATED_NEW")["Attributes"]["n"]["N"]
    if int(n) <= event["fail"]:
        raise ConnectionError(f"attempt {n} failed")
    return {"attempt": int(n)}
'''


@pytest.fixture(scope="module")
def flaky(aws):
    ddb = aws.client("dynamodb")
    ddb.create_table(TableName="sfn-attempts", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    return create(aws.client("lambda"), "sfn-flaky", FLAKY, Environment={"Variables": {"T": "sfn-attempts"}})


def test_retry_with_backoff_survives_transient_failures(aws, unique, flaky):
    d = {"QueryLanguage": "JSONata", "StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": flaky, "Payload": "{% $states.input %}"},
        "Output": "{% $states.result.Payload %}",
        "Retry": [{"ErrorEquals": ["ConnectionError"], "IntervalSeconds": 60, "BackoffRate": 2, "MaxAttempts": 4}],
        "End": True}}}
    before = aws.clock.now()
    out = aws.extension("stepfunctions").run(_machine(aws, unique, d), {"key": unique("k"), "fail": 3})
    assert out["status"] == "SUCCEEDED", out
    assert json.loads(out["output"]) == {"attempt": 4}
    ev = out["events"]
    assert state_attempts(ev) == {"Call": 4} and retries(ev, "Call") == 3
    assert [f["error"] for f in task_failures(ev)] == ["ConnectionError"] * 3
    assert transitions(ev) == 4
    assert aws.clock.now() - before >= 60 + 120 + 240          # 1 min, 2 min, 4 min on the lab clock
    assert [round(w / 60) for w in retry_waits(ev)] == [1, 2, 4]


def test_ten_lambda_tasks_and_trace(aws, unique):
    fn = create(aws.client("lambda"), unique("add"), "def handler(e, c):\n    return {'n': e.get('n', 0) + 1}\n")
    states = {f"S{i}": {"Type": "Task", "Resource": fn, "Next": f"S{i + 1}"} for i in range(9)}
    states["S9"] = {"Type": "Task", "Resource": fn, "End": True}
    out = aws.extension("stepfunctions").run(_machine(aws, unique, {"StartAt": "S0", "States": states}), {})
    assert json.loads(out["output"]) == {"n": 10}
    assert transitions(out["events"]) == 10


# Each call waits until `BURST_N` calls have started (each leaves a file in BURST_DIR), so the calls
# that may overlap do overlap however busy the machine is.
BURST = """
import os, time
def handler(e, c):
    d = os.environ["BURST_DIR"]
    open(os.path.join(d, str(e)), "w").close()
    deadline = time.time() + 50
    while len(os.listdir(d)) < int(os.environ["BURST_N"]) and time.time() < deadline:
        time.sleep(0.01)
    return e
"""


def test_map_respects_max_concurrency(aws, unique, tmp_path):
    def burst_fn(n: int) -> str:
        folder = tmp_path / f"burst-{n}"
        folder.mkdir()
        return create(aws.client("lambda"), unique("burst"), BURST, Timeout=60,
                      Environment={"Variables": {"BURST_DIR": str(folder), "BURST_N": str(n)}})

    flows = aws.extension("stepfunctions")
    def definition(limit, fn):
        state = {"Type": "Map", "ItemsPath": "$.items", "End": True,
                 "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": fn, "End": True}}}}
        return {"StartAt": "M", "States": {"M": {**state, **({"MaxConcurrency": limit} if limit else {})}}}
    limited = flows.run(_machine(aws, unique, definition(2, burst_fn(2))), {"items": list(range(6))})
    assert limited["status"] == "SUCCEEDED", limited
    assert json.loads(limited["output"]) == list(range(6))
    assert tasks_in_flight(limited["events"]) == 2
    unlimited = flows.run(_machine(aws, unique, definition(None, burst_fn(4))), {"items": list(range(6))})
    assert tasks_in_flight(unlimited["events"]) >= 4          # no limit: (nearly) all at once


def test_state_timeout_still_applies(aws, unique):
    fn = create(aws.client("lambda"), unique("sleepy"), "import time\ndef handler(e, c):\n    time.sleep(3)\n    return e\n")
    d = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": fn, "TimeoutSeconds": 1, "End": True}}}
    out = aws.extension("stepfunctions").run(_machine(aws, unique, d), {})
    assert out["status"] == "FAILED" and out["error"] == "States.Timeout", out


def test_callback_pattern_with_task_token(aws, unique):
    sfn = aws.client("stepfunctions")
    q = aws.client("sqs").create_queue(QueueName=unique("approvals"))["QueueUrl"]
    d = {"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": q, "MessageBody": {"order.$": "$.order", "token.$": "$$.Task.Token"}},
        "End": True}}}
    arn = sfn.start_execution(stateMachineArn=_machine(aws, unique, d), input=json.dumps({"order": 7}))["executionArn"]
    sqs = aws.client("sqs")
    deadline = time.monotonic() + 60
    msgs = []
    while not msgs and time.monotonic() < deadline:
        msgs = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=0).get("Messages", [])
    assert msgs, "the execution sent no message with its task token"
    body = json.loads(msgs[0]["Body"])
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
    sfn.send_task_success(taskToken=body["token"], output=json.dumps({"approved": True}))
    done = aws.extension("stepfunctions").wait(arn)
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == {"approved": True}


def test_stop_aborts_executions_waiting_for_a_token(aws, unique):
    sfn = aws.client("stepfunctions")
    d = {"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": aws.client("sqs").create_queue(QueueName=unique("q"))["QueueUrl"],
                       "MessageBody": {"token.$": "$$.Task.Token"}}, "End": True}}}
    arn = sfn.start_execution(stateMachineArn=_machine(aws, unique, d))["executionArn"]
    handle = aws.extension("stepfunctions")
    deadline = time.monotonic() + 60
    while not handle.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert handle.abort_running() >= 1                  # what stop() does when the session ends
    assert not handle.running()
    assert sfn.describe_execution(executionArn=arn)["status"] != "RUNNING"


def test_graph_shows_waits_in_hours_and_retries(aws, unique, flaky):
    from serverless_lab import viz
    from serverless_lab.viz.stepfunctions import duration_label

    assert [duration_label(x) for x in (1.5, 820, 4200, 12_500, 600_000, 3_600_000 * 2)] == \
        ["1.5 ms", "820 ms", "4200 ms", "12.5 s", "10 min", "2.0 h"]
    d = {"StartAt": "Nap", "States": {
        "Nap": {"Type": "Wait", "Seconds": 7200, "Next": "Call"},
        "Call": {"Type": "Task", "Resource": flaky, "End": True,
                 "Retry": [{"ErrorEquals": ["ConnectionError"], "IntervalSeconds": 1, "MaxAttempts": 3}]}}}
    out = aws.extension("stepfunctions").run(_machine(aws, unique, d), {"key": unique("k"), "fail": 2})
    assert out["status"] == "SUCCEEDED", out
    fig = viz.stepfunctions_graph(d, out["events"])
    labels = " ".join(next(t for t in fig.data if t.name == "states").text)
    assert "2.0 h" in labels and "2 retries" in labels, labels


def test_a_definite_jsonpath_through_an_array_index_returns_the_value(aws, unique):
    """moto returned [0] for $.Containers[0].ExitCode; AWS returns 0 (wildcards still give lists)."""
    from serverless_lab.stepfunctions.jsonpath import is_definite

    d = {"StartAt": "Read", "States": {"Read": {"Type": "Pass", "Parameters": {
        "code.$": "$.Containers[0].ExitCode", "last.$": "$.Containers[1].Name", "all.$": "$.Containers[*].ExitCode"},
        "Next": "Ok?"},
        "Ok?": {"Type": "Choice", "Choices": [{"Variable": "$.code", "NumericEquals": 0, "Next": "Done"}],
                "Default": "Failed"},
        "Done": {"Type": "Succeed"}, "Failed": {"Type": "Fail"}}}
    out = aws.extension("stepfunctions").run(_machine(aws, unique, d), {"Containers": [
        {"Name": "app", "ExitCode": 0}, {"Name": "sidecar", "ExitCode": 2}]})
    assert out["status"] == "SUCCEEDED", out
    assert json.loads(out["output"]) == {"code": 0, "last": "sidecar", "all": [0, 2]}
    assert is_definite("$.a[0].b") and not is_definite("$.a[*].b") and not is_definite("$..b")
    assert not is_definite("$.a[0:2]") and not is_definite("$.a[?(@.x)]")


# -- Lambda tasks without the boto3 round trip (stepfunctions/lambda_tasks.py) -------------------
ECHO = "def handler(e, c):\n    return e\n"
BOOM = "def handler(e, c):\n    raise ValueError('bad order ' + str(e.get('id')))\n"
TEXT = "def handler(e, c):\n    return 'plain text'\n"


def _normalised(text: str) -> str:
    """``text`` without what differs between two runs (ids, the function's name)."""
    import re

    text = re.sub(r"(twin|gone)-[0-9a-f]{8}", "FN", text)
    text = re.sub(r"Request ID: [^;]+;", "Request ID: X;", text)
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", text)


def _both_paths(aws, unique, code: str, definition, payload: dict, *, reserved: int | None = None,
                runtime: str = "python3.12", qualifier: str | None = None) -> list[dict]:
    """Run the same workflow with the short cut on and off (each with its own copy of the function)."""
    lam, flows = aws.client("lambda"), aws.extension("stepfunctions")
    rt = aws.extension("lambda")
    runs = []
    for enabled in (True, False):
        name = unique("twin")
        arn = create(lam, name, code, Runtime=runtime)
        if qualifier:
            version = lam.publish_version(FunctionName=name)["Version"]
            lam.create_alias(FunctionName=name, Name=qualifier, FunctionVersion=version)
            arn = f"{arn}:{qualifier}"
        if reserved is not None:
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)
        flows.lambda_tasks.enabled = enabled
        before = flows.lambda_tasks.direct
        try:
            out = flows.run(_machine(aws, unique, definition(arn)), payload)
        finally:
            flows.lambda_tasks.enabled = True
        runs.append({"out": out, "direct": flows.lambda_tasks.direct - before, "name": name,
                     "history": [_normalised(json.dumps({k: v for k, v in e.items() if k != "timestamp"},
                                                        default=str)) for e in out["events"]],
                     "result": [_normalised(str(out.get(k))) for k in ("status", "output", "error",
                                                                                      "cause")],
                     "trace": [(r.trigger, r.outcome, r.error_type, r.version) for r in rt.trace
                               if r.function_name == name]})
    fast, slow = runs
    assert slow["direct"] == 0
    assert fast["history"] == slow["history"]
    assert fast["result"] == slow["result"]
    assert fast["trace"] == slow["trace"]
    return runs


def _task(arn: str, **extra) -> dict:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": arn, "End": True, **extra}}}


def _invoke_task(arn: str, **extra) -> dict:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                             "Parameters": {"FunctionName": arn, "Payload.$": "$"},
                                             "End": True, **extra}}}


@pytest.mark.parametrize("definition", [_task, _invoke_task], ids=["function-arn", "lambda:invoke"])
def test_lambda_task_short_cut_gives_what_boto3_gives(aws, unique, definition):
    fast, _ = _both_paths(aws, unique, ECHO, definition, {"id": 7, "note": 'quote " and ünïcode'})
    assert fast["direct"] == 1 and fast["out"]["status"] == "SUCCEEDED"
    assert fast["trace"] == [("stepfunctions", "success", None, "$LATEST")]
    fast, _ = _both_paths(aws, unique, TEXT, definition, {})
    assert fast["direct"] == 1 and "plain text" in fast["result"][1]


@pytest.mark.parametrize("definition", [_task, _invoke_task], ids=["function-arn", "lambda:invoke"])
def test_lambda_task_short_cut_errors_match_boto3(aws, unique, definition):
    # a handler error, caught and retried
    fast, _ = _both_paths(aws, unique, BOOM, lambda arn: definition(arn, Retry=[
        {"ErrorEquals": ["ValueError"], "IntervalSeconds": 1, "MaxAttempts": 1}]), {"id": 3})
    assert fast["direct"] == 2 and fast["out"]["error"] == "ValueError"
    # a throttle (reserved concurrency 0) and an alias's version
    fast, _ = _both_paths(aws, unique, ECHO, definition, {"id": 4}, reserved=0)
    assert fast["direct"] == 1 and fast["out"]["status"] == "FAILED"
    assert fast["trace"] == [("stepfunctions", "throttled", "TooManyRequestsException", "$LATEST")]
    fast, _ = _both_paths(aws, unique, ECHO, definition, {"id": 5}, qualifier="live")
    assert fast["direct"] == 1 and fast["trace"] == [("stepfunctions", "success", None, "1")]
    # a runtime the local service refuses, and a function that does not exist
    fast, _ = _both_paths(aws, unique, ECHO, definition, {}, runtime="nodejs20.x")
    assert fast["direct"] == 1 and fast["out"]["status"] == "FAILED"
    fast, _ = _both_paths(aws, unique, ECHO, lambda arn: definition(arn.replace("twin-", "gone-")), {})
    assert fast["direct"] == 1 and fast["out"]["status"] == "FAILED"


def test_lambda_task_short_cut_steps_aside_when_moto_would_read_the_payload(aws, unique):
    """moto's Invoke handler reads a "Qualifier" from the JSON body too: such payloads keep the boto3 path."""
    from serverless_lab.stepfunctions.lambda_tasks import _moto_reads_body

    fast, _ = _both_paths(aws, unique, ECHO, _task, {"Qualifier": "x", "id": 1})
    assert fast["direct"] == 0
    assert _moto_reads_body('{"note": "a&qualifier=1"}') and _moto_reads_body('{"a": "&AWSAccessKeyId=AKIA"}')
    assert not _moto_reads_body('{"note": "50% off + more", "id": "\\u00e9"}')


def test_machine_timeout_ends_the_execution_at_once(unique, caplog):
    """A machine's TimeoutSeconds ends the execution TIMED_OUT with ExecutionTimedOut as the last history
    event at the timeout, not when the interrupted task returns
    (https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html, "TimeoutSeconds";
    https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html). The Lambda task it
    interrupted finishes unseen: nothing follows ExecutionTimedOut, and the session's end reports no crash."""
    from serverless_lab.stepfunctions import terminal

    with caplog.at_level(logging.WARNING), mock_aws() as aws:
        fn = create(aws.client("lambda"), unique("nap"),
                    "import time\ndef handler(e, c):\n    time.sleep(2)\n    return e\n")
        d = {"TimeoutSeconds": 1, "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": fn, "End": True}}}
        flows = aws.extension("stepfunctions")
        out = flows.run(_machine(aws, unique, d), {})
        assert out["status"] == "TIMED_OUT", out
        at_timeout = [e["type"] for e in flows.history(out["executionArn"])]
        assert at_timeout[-1] == "ExecutionTimedOut"          # at once: the handler is still sleeping
        assert at_timeout.count("ExecutionTimedOut") == 1 and "LambdaFunctionSucceeded" not in at_timeout
        assert terminal.wait_for_interrupted_work(timeout_s=60) == 0   # the handler has returned now
        assert [e["type"] for e in flows.history(out["executionArn"])] == at_timeout
        # a session that ends while an interrupted handler still runs waits for it, quietly
        flows.run(_machine(aws, unique, d), {})
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage()[:300] for r in errors]


def test_lambda_task_short_cut_in_parallel_branches_and_map(aws, unique):
    fn = create(aws.client("lambda"), unique("twin"), "def handler(e, c):\n    return {'got': e}\n")
    task = {"Type": "Task", "Resource": fn, "End": True}
    d = {"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Next": "M", "ResultPath": "$.branches", "Branches": [
            {"StartAt": "A", "States": {"A": task}},
            {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": fn, "Next": "C"}, "C": task}}]},
        "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "End": True,
              "ItemProcessor": {"StartAt": "T", "States": {"T": task}}}}}
    flows = aws.extension("stepfunctions")
    runs = []
    for enabled in (True, False):
        flows.lambda_tasks.enabled = enabled
        try:
            out = flows.run(_machine(aws, unique, d), {"items": [1, 2, 3]})
        finally:
            flows.lambda_tasks.enabled = True
        runs.append((out["status"], json.loads(out["output"]),
                     sorted(_normalised(json.dumps({k: v for k, v in e.items() if k not in ("timestamp", "id",
                                                                                           "previousEventId")}))
                            for e in out["events"])))
    assert runs[0] == runs[1]
    assert runs[0][1] == [{"got": 1}, {"got": 2}, {"got": 3}]


def test_a_failed_parallel_branch_gives_the_same_history_every_run(aws, unique):
    """A branch fails: the Parallel state fails and its other branches are stopped ("If any branch fails ... the
    entire Parallel state is considered to have failed and all its branches are stopped",
    https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html). ParallelStateFailed then
    ExecutionFailed end the history; the stopped branch's Lambda, still running, writes nothing after them."""
    slow = create(aws.client("lambda"), unique("slow"), "import time\ndef handler(e, c):\n    time.sleep(1)\n    return e\n")
    boom = create(aws.client("lambda"), unique("boom"), "def handler(e, c):\n    raise ValueError('boom')\n")
    d = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": slow, "Next": "A2"},
                                    "A2": {"Type": "Pass", "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": boom, "End": True}}}]}}}
    arn = _machine(aws, unique, d)
    flows = aws.extension("stepfunctions")
    histories = []
    for _ in range(3):
        out = flows.run(arn, {})
        assert out["status"] == "FAILED", out
        assert aws.extension("lambda").wait_idle(60)   # the stopped branch's handler has returned
        types = [e["type"] for e in flows.history(out["executionArn"])]
        assert types[-2:] == ["ParallelStateFailed", "ExecutionFailed"], types
        assert "LambdaFunctionSucceeded" not in types, types   # A was stopped while its handler ran
        histories.append(types)
    assert histories[0] == histories[1] == histories[2], histories
