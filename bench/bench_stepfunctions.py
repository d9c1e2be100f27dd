"""Speed of Step Functions on the course's mock: what orchestration adds to Lambda.

Floor: a warm synchronous ``lambda.invoke`` of a trivial handler through boto3. A Standard
execution of 10 Lambda Task states does ten warm invokes (handed straight to the Lambda API
handler, without the boto3 round trip: ``serverless_lab.stepfunctions.lambda_tasks``) plus the
interpreter's work (history events, input/output processing, the StartExecution and
DescribeExecution calls), so the target is a ratio: start to SUCCEEDED within 15 × the floor. The
same execution with every Lambda task through boto3 is reported beside it, for comparison. Also
reported: a JSONata Pass state machine (no Lambda), and a one-hour Wait plus a Retry with 7
minutes of back-off, which run on the lab clock.
"""

from __future__ import annotations

import json
import time

from bench.common import Figure, median_time

ROLE = "arn:aws:iam::123456789012:role/bench-sfn"


def run() -> list[Figure]:
    from serverless_lab import mock_aws
    from serverless_lab.packaging import lambda_role, zip_code

    figures: list[Figure] = []
    with mock_aws() as aws:
        lam = aws.client("lambda")
        sfn = aws.client("stepfunctions")
        handle = aws.extension("stepfunctions")
        fn = lam.create_function(FunctionName="bench-sfn", Runtime="python3.12", Role=lambda_role(),
                                 Handler="lambda_function.handler",
                                 Code={"ZipFile": zip_code("def handler(event, context):\n    return event\n")})["FunctionArn"]
        states = {f"S{i}": {"Type": "Task", "Resource": fn, "Next": f"S{i + 1}"} for i in range(10)}
        states["S9"] = {"Type": "Task", "Resource": fn, "End": True}
        ten = sfn.create_state_machine(name="bench-ten", roleArn=ROLE,
                                       definition=json.dumps({"StartAt": "S0", "States": states}))["stateMachineArn"]
        jsonata = sfn.create_state_machine(name="bench-jsonata", roleArn=ROLE, definition=json.dumps({
            "QueryLanguage": "JSONata", "StartAt": "A", "States": {
                "A": {"Type": "Pass", "Assign": {"total": "{% $sum($states.input.items.price) %}"}, "Next": "B"},
                "B": {"Type": "Pass", "Output": {"total": "{% $total %}", "n": "{% $count($states.input.items) %}"},
                      "End": True}}}))["stateMachineArn"]
        waits = sfn.create_state_machine(name="bench-wait", roleArn=ROLE, definition=json.dumps({
            "StartAt": "Hour", "States": {"Hour": {"Type": "Wait", "Seconds": 3600, "End": True}}}))["stateMachineArn"]

        def execute(arn: str, payload: str = "{}") -> None:
            out = handle.wait(sfn.start_execution(stateMachineArn=arn, input=payload)["executionArn"])
            assert out["status"] == "SUCCEEDED", out

        floor = median_time(lambda: lam.invoke(FunctionName="bench-sfn", Payload=b"{}"), 60)
        standard = median_time(lambda: execute(ten), 15)
        handle.lambda_tasks.enabled = False
        via_boto3 = median_time(lambda: execute(ten), 15)
        handle.lambda_tasks.enabled = True
        items = json.dumps({"items": [{"price": i} for i in range(20)]})
        jsonata_t = median_time(lambda: execute(jsonata, items), 30)
        before, t0 = aws.clock.now(), time.perf_counter()
        execute(waits)
        wait_real, wait_virtual = time.perf_counter() - t0, aws.clock.now() - before

    figures += [
        Figure("floor: warm lambda.invoke via boto3 (trivial handler)", floor * 1e3, "ms"),
        Figure("Standard execution, 10 Lambda Task states, start→SUCCEEDED", standard * 1e3, "ms",
               "<= 15x floor", standard <= 15 * floor),
        Figure("  same, as a multiple of the floor", standard / floor, "x", "<= 15", standard <= 15 * floor),
        Figure("  same, Lambda tasks through boto3 (short cut off), x floor", via_boto3 / floor, "x"),
        Figure("JSONata state machine (2 Pass states, Assign + Output)", jsonata_t * 1e3, "ms"),
        Figure("one-hour Wait state: real time", wait_real * 1e3, "ms", "< 1000 ms", wait_real < 1.0),
        Figure("one-hour Wait state: lab clock moved", wait_virtual, "s", ">= 3600 s", wait_virtual >= 3600),
    ]
    return figures
