"""AWS::Serverless::StateMachine through CloudFormation: definitions, substitutions, policies, events.

Modelled on the SAM CLI's "Multi-step workflow" template (a state machine in ``statemachine/*.asl.json``
named by ``DefinitionUri``, function ARNs passed in ``DefinitionSubstitutions``, ``LambdaInvokePolicy``,
a ``Schedule`` event). Executions are started and read through boto3 only.
"""

from __future__ import annotations

import json
import time

import boto3
import pytest

from serverless_lab import mock_aws

ASL = {
    "Comment": "price an order, then decide",
    "StartAt": "Price",
    "States": {
        "Price": {"Type": "Task", "Resource": "${PriceFunctionArn}", "ResultPath": "$.price", "Next": "Big?"},
        "Big?": {"Type": "Choice", "Choices": [{"Variable": "$.price", "NumericGreaterThan": 100, "Next": "Review"}],
                 "Default": "Done"},
        "Review": {"Type": "Pass", "Result": "${ReviewLabel}", "ResultPath": "$.decision", "End": True},
        "Done": {"Type": "Pass", "Result": "auto", "ResultPath": "$.decision", "End": True},
    },
}

TEMPLATE = """AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Resources:
  PriceFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: price/
  OrderFlow:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/order.asl.json
      DefinitionSubstitutions:
        PriceFunctionArn: !GetAtt PriceFunction.Arn
        ReviewLabel: REVIEW_LABEL
      Policies:
        - LambdaInvokePolicy:
            FunctionName: !Ref PriceFunction
      Events:
        Hourly:
          Type: Schedule
          Properties:
            Schedule: rate(1 hour)
            Input: '{"quantity": 1, "unit": 5}'
        Big:
          Type: EventBridgeRule
          Properties:
            Pattern:
              source: [shop.orders]
            InputPath: $.detail
Outputs:
  FlowArn:
    Value: !Ref OrderFlow
  FlowName:
    Value: !GetAtt OrderFlow.Name
"""


@pytest.fixture
def world():
    with mock_aws() as session:
        yield session


def write_app(folder, label: str = "needs a human") -> None:
    (folder / "price").mkdir(exist_ok=True)
    (folder / "price" / "app.py").write_text(
        "def handler(event, context):\n    return event['quantity'] * event['unit']\n")
    (folder / "statemachine").mkdir(exist_ok=True)
    (folder / "statemachine" / "order.asl.json").write_text(json.dumps(ASL))
    (folder / "template.yaml").write_text(TEMPLATE.replace("REVIEW_LABEL", label))


def run(arn: str, payload: dict) -> dict:
    sfn = boto3.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(payload))["executionArn"]
    deadline = time.monotonic() + 30
    while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the execution did not finish"
        time.sleep(0.05)
    assert described["status"] == "SUCCEEDED", described
    return json.loads(described["output"])


def test_state_machine_from_definition_uri_with_substitutions_runs(world, unique, tmp_path):
    """DefinitionUri and DefinitionSubstitutions (https://docs.aws.amazon.com/serverless-application-model/
    latest/developerguide/sam-resource-statemachine.html): the placeholders become the function's ARN and
    the label; the Task invokes the function the LambdaInvokePolicy names."""
    from serverless_lab.iac import deploy

    write_app(tmp_path)
    app = deploy(tmp_path / "template.yaml", stack_name=unique("flow"))
    assert app.resource_types["OrderFlow"] == "AWS::StepFunctions::StateMachine"
    sfn = boto3.client("stepfunctions")
    definition = json.loads(sfn.describe_state_machine(stateMachineArn=app.outputs["FlowArn"])["definition"])
    assert definition["States"]["Price"]["Resource"].startswith("arn:aws:lambda:us-east-1:123456789012:function:")
    assert run(app.outputs["FlowArn"], {"quantity": 3, "unit": 50}) == {
        "quantity": 3, "unit": 50, "price": 150, "decision": "needs a human"}
    assert run(app.outputs["FlowArn"], {"quantity": 1, "unit": 5})["decision"] == "auto"
    assert app.outputs["FlowName"] == app.outputs["FlowArn"].rsplit(":", 1)[1]


def test_update_changes_the_definition_in_place(world, unique, tmp_path):
    """An update of the definition is UpdateStateMachine: same ARN, new behaviour
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-stepfunctions-statemachine.html)."""
    from serverless_lab.iac import delete, deploy

    write_app(tmp_path)
    name = unique("flow")
    first = deploy(tmp_path / "template.yaml", stack_name=name)
    write_app(tmp_path, label="escalate")
    second = deploy(tmp_path / "template.yaml", stack_name=name)
    assert second.status == "UPDATE_COMPLETE" and second.outputs["FlowArn"] == first.outputs["FlowArn"]
    assert run(second.outputs["FlowArn"], {"quantity": 3, "unit": 50})["decision"] == "escalate"
    assert delete(name) == "DELETE_COMPLETE"
    assert not boto3.client("stepfunctions").list_state_machines()["stateMachines"]


def test_schedule_and_eventbridge_events_start_executions(world, unique, tmp_path):
    """Schedule and EventBridgeRule events of a state machine (https://docs.aws.amazon.com/serverless-
    application-model/latest/developerguide/sam-property-statemachine-statemachineeventsource.html) start
    executions: the schedule on the lab clock, the rule on a matching put_events entry."""
    from serverless_lab.iac import deploy

    write_app(tmp_path)
    app = deploy(tmp_path / "template.yaml", stack_name=unique("flow"))
    sfn = boto3.client("stepfunctions")
    boto3.client("events").put_events(Entries=[{"Source": "shop.orders", "DetailType": "order placed",
                                                "Detail": json.dumps({"quantity": 2, "unit": 80})}])
    world.clock.advance(3600)

    def finished() -> list[dict]:
        runs = sfn.list_executions(stateMachineArn=app.outputs["FlowArn"])["executions"]
        done = [sfn.describe_execution(executionArn=r["executionArn"]) for r in runs]
        return [json.loads(d["output"]) for d in done if d["status"] == "SUCCEEDED"]

    deadline = time.monotonic() + 30
    while len(outputs := finished()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(o["price"] for o in outputs) == [5, 160]
