"""Public-style SAM templates through CloudFormation: the event sources, aliases and API features.

Each template below is written the way AWS's own examples write them (aws-samples serverless-patterns,
the SAM CLI app templates): unquoted ``AWSTemplateFormatVersion: 2010-09-09``, short-form intrinsic
functions, ``AutoPublishAlias``, events from SNS, a DynamoDB stream, SQS with filter criteria,
EventBridge schedules and EventBridge Scheduler. Everything is checked through boto3 and HTTP only:
the stack is created through CloudFormation, a trigger fires, the function's record lands in a table.
"""

from __future__ import annotations

import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError

from serverless_lab import mock_aws

RECORDER = """
import json, os, boto3
seen = boto3.resource("dynamodb").Table(os.environ["SEEN"])
VERSION = "v1"
def handler(event, context):
    seen.put_item(Item={"pk": context.aws_request_id, "event": json.dumps(event),
                        "arn": context.invoked_function_arn, "version": VERSION})
    return {"statusCode": 200, "body": json.dumps({"ok": True, "version": VERSION})}
"""


def _indent(code: str, n: int = 8) -> str:
    return "\n".join(" " * n + line for line in code.strip("\n").splitlines())


def events_template(code: str = RECORDER) -> str:
    return f"""AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Description: every event source of the course on one function, behind an alias
Globals:
  Function:
    Runtime: python3.12
    Timeout: 10
Resources:
  Seen:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}]
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{{AttributeName: id, AttributeType: S}}]
      KeySchema: [{{AttributeName: id, KeyType: HASH}}]
      StreamSpecification: {{StreamViewType: NEW_IMAGE}}
  Alerts:
    Type: AWS::SNS::Topic
  Jobs:
    Type: AWS::SQS::Queue
  SchedulerDlq:
    Type: AWS::SQS::Queue
  Recorder:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      AutoPublishAlias: live
      VersionDescription: first release
      DeploymentPreference:
        Type: AllAtOnce
      InlineCode: |
{_indent(code)}
      Environment:
        Variables:
          SEEN: !Ref Seen
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Seen
      Events:
        Alert:
          Type: SNS
          Properties:
            Topic: !Ref Alerts
        OrderStream:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Orders.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 10
        Job:
          Type: SQS
          Properties:
            Queue: !GetAtt [Jobs, Arn]
            FilterCriteria:
              Filters:
                - Pattern: '{{"body": {{"kind": ["urgent"]}}}}'
        Hourly:
          Type: Schedule
          Properties:
            Schedule: rate(1 hour)
            DeadLetterConfig:
              Type: SQS
            RetryPolicy:
              MaximumRetryAttempts: 2
              MaximumEventAgeInSeconds: 600
        Nightly:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(1 hour)
            Input: '{{"from": "scheduler"}}'
            DeadLetterConfig:
              Arn: !GetAtt SchedulerDlq.Arn
            RetryPolicy:
              MaximumRetryAttempts: 1
Outputs:
  SeenTable:
    Value: !Ref Seen
  OrdersTable:
    Value: !Ref Orders
  TopicArn:
    Value: !Ref Alerts
  JobsUrl:
    Value: !Ref Jobs
  AliasArn:
    Value: !Ref RecorderAliaslive
  FunctionName:
    Value: !Ref Recorder
"""


CAPS = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]


@pytest.fixture
def world():
    with mock_aws() as session:
        yield session


def outputs(cfn, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def wait_for(check, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def records(table: str) -> list[dict]:
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    return [{"event": json.loads(i["event"]["S"]), "arn": i["arn"]["S"], "version": i["version"]["S"]}
            for i in items]


def deploy_change_set(cfn, name: str, body: str, kind: str = "CREATE") -> dict:
    """What `sam deploy` does: create a change set, wait for it, execute it."""
    cs = cfn.create_change_set(StackName=name, ChangeSetName=f"cs{int(time.time() * 1000)}",
                               ChangeSetType=kind, TemplateBody=body, Capabilities=CAPS)
    described = cfn.describe_change_set(ChangeSetName=cs["Id"])
    assert described["Status"] == "CREATE_COMPLETE", described.get("StatusReason")
    cfn.execute_change_set(ChangeSetName=cs["Id"])
    return cfn.describe_stacks(StackName=name)["Stacks"][0]


def test_every_event_source_fires_through_the_alias(world, unique):
    """SAM event sources (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/
    sam-property-function-eventsource.html): SNS, DynamoDB, SQS with FilterCriteria
    (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html), Schedule and
    ScheduleV2, each invoking the alias AutoPublishAlias made."""
    cfn = boto3.client("cloudformation")
    name = unique("events")
    stack = deploy_change_set(cfn, name, events_template())
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    out = outputs(cfn, name)
    assert out["AliasArn"].endswith(":live")
    seen = out["SeenTable"]

    boto3.client("sns").publish(TopicArn=out["TopicArn"], Message="disk full")
    got = wait_for(lambda: [r for r in records(seen) if r["event"]["Records"][0].get("EventSource") == "aws:sns"])
    assert got and got[0]["event"]["Records"][0]["Sns"]["Message"] == "disk full"
    # SAM subscribes the alias: the function runs as version 1, not $LATEST (moto's SNS hands the
    # runtime the alias's version, so the context names :1 where AWS names :live)
    assert got[0]["arn"].rsplit(":", 1)[1] in ("live", "1"), got[0]["arn"]

    boto3.client("dynamodb").put_item(TableName=out["OrdersTable"], Item={"id": {"S": "o-1"}})
    got = wait_for(lambda: [r for r in records(seen) if r["event"]["Records"][0].get("eventSource") == "aws:dynamodb"])
    assert got and got[0]["event"]["Records"][0]["dynamodb"]["NewImage"] == {"id": {"S": "o-1"}}

    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=out["JobsUrl"], MessageBody=json.dumps({"kind": "routine"}))
    sqs.send_message(QueueUrl=out["JobsUrl"], MessageBody=json.dumps({"kind": "urgent"}))
    world.extension("integrations").drain()
    got = wait_for(lambda: [r for r in records(seen) if r["event"]["Records"][0].get("eventSource") == "aws:sqs"])
    bodies = [json.loads(rec["body"])["kind"] for r in got for rec in r["event"]["Records"]]
    assert bodies == ["urgent"], "the filter lets only the urgent job through"
    attrs = sqs.get_queue_attributes(QueueUrl=out["JobsUrl"], AttributeNames=["ApproximateNumberOfMessages"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "0", "SQS deletes filtered-out messages"

    world.clock.advance(3600)
    world.extension("lambda").wait_idle(30)
    got = wait_for(lambda: [r for r in records(seen) if r["event"].get("detail-type") == "Scheduled Event"])
    assert got and got[0]["event"]["source"] == "aws.events"
    got = wait_for(lambda: [r for r in records(seen) if r["event"] == {"from": "scheduler"}])
    assert got, "the EventBridge Scheduler schedule ran on the lab clock"


def test_schedules_keep_their_dead_letter_queues_and_retry_policies(world, unique):
    """Schedule / ScheduleV2 DeadLetterConfig and RetryPolicy reach the rule target and the schedule
    (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-schedule.html,
    .../sam-property-function-schedulev2.html)."""
    cfn = boto3.client("cloudformation")
    name = unique("sched")
    deploy_change_set(cfn, name, events_template())
    resources = {r["LogicalResourceId"]: r["PhysicalResourceId"]
                 for r in cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]}
    [target] = boto3.client("events").list_targets_by_rule(Rule=resources["RecorderHourly"])["Targets"]
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 600}
    assert target["DeadLetterConfig"]["Arn"].endswith(resources["RecorderHourlyQueue"].rsplit("/", 1)[1])
    policy = json.loads(boto3.client("sqs").get_queue_attributes(
        QueueUrl=resources["RecorderHourlyQueue"], AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Statement"][0]["Principal"] == {"Service": "events.amazonaws.com"}
    schedule = boto3.client("scheduler").get_schedule(Name=resources["RecorderNightly"])
    assert schedule["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 1
    dlq_name = resources["SchedulerDlq"].rsplit("/", 1)[1]
    assert schedule["Target"]["DeadLetterConfig"]["Arn"] == f"arn:aws:sqs:us-east-1:123456789012:{dlq_name}"


def test_new_code_publishes_a_version_and_moves_the_alias(world, unique):
    """AutoPublishAlias and VersionDescription (https://docs.aws.amazon.com/serverless-application-model/
    latest/developerguide/sam-resource-function.html#sam-function-autopublishalias): a code change
    publishes a new version and the alias (and every trigger on it) moves to it."""
    cfn, lam = boto3.client("cloudformation"), boto3.client("lambda")
    name = unique("alias")
    deploy_change_set(cfn, name, events_template())
    out = outputs(cfn, name)
    alias = lam.get_alias(FunctionName=out["FunctionName"], Name="live")
    assert alias["FunctionVersion"] == "1"
    versions = lam.list_versions_by_function(FunctionName=out["FunctionName"])["Versions"]
    assert [v.get("Description") for v in versions if v["Version"] == "1"] == ["first release"]

    stack = deploy_change_set(cfn, name, events_template(RECORDER.replace('"v1"', '"v2"')), kind="UPDATE")
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert lam.get_alias(FunctionName=out["FunctionName"], Name="live")["FunctionVersion"] == "2"
    boto3.client("sns").publish(TopicArn=out["TopicArn"], Message="after the update")
    got = wait_for(lambda: [r for r in records(out["SeenTable"]) if r["version"] == "v2"])
    assert got and got[0]["event"]["Records"][0]["Sns"]["Message"] == "after the update"
    payload = json.loads(lam.invoke(FunctionName=out["FunctionName"], Qualifier="live")["Payload"].read())
    assert json.loads(payload["body"])["version"] == "v2"


def test_deleting_the_stack_removes_subscriptions_schedules_and_aliases(world, unique):
    """DeleteStack deletes every resource the stack created
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-console-delete-stack.html)."""
    cfn = boto3.client("cloudformation")
    name = unique("gone")
    stack_id = deploy_change_set(cfn, name, events_template())["StackId"]
    out = outputs(cfn, name)
    cfn.delete_stack(StackName=name)
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert not boto3.client("sns").list_subscriptions()["Subscriptions"]
    assert not boto3.client("scheduler").list_schedules()["Schedules"]
    assert not boto3.client("events").list_rules()["Rules"]
    assert not boto3.client("lambda").list_event_source_mappings()["EventSourceMappings"]
    with pytest.raises(ClientError):
        boto3.client("lambda").get_function(FunctionName=out["FunctionName"])


def test_a_custom_deployment_configuration_fails_the_change_set_by_name(world, unique):
    """A template CloudFormation cannot transform gives a FAILED change set with its StatusReason
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html), and
    ExecuteChangeSet refuses it with InvalidChangeSetStatus
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ExecuteChangeSet.html)."""
    cfn = boto3.client("cloudformation")
    name = unique("canary")
    body = events_template().replace("Type: AllAtOnce", "Type: CompanyCanary25Percent")
    cs = cfn.create_change_set(StackName=name, ChangeSetName="first", ChangeSetType="CREATE",
                               TemplateBody=body, Capabilities=CAPS)
    described = cfn.describe_change_set(ChangeSetName=cs["Id"])
    assert described["Status"] == "FAILED"
    reason = described["StatusReason"]
    assert reason.startswith("Transform AWS::Serverless-2016-10-31 failed with:")
    assert "Recorder" in reason and "DeploymentPreference" in reason and "CompanyCanary25Percent" in reason
    assert "Canary10Percent5Minutes" in reason   # the predefined types are listed
    assert "Traceback" not in reason
    with pytest.raises(ClientError) as err:
        cfn.execute_change_set(ChangeSetName=cs["Id"])
    assert err.value.response["Error"]["Code"] == "InvalidChangeSetStatus"
    assert cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"
    assert not cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
    assert not boto3.client("lambda").list_functions()["Functions"]
    assert not boto3.client("dynamodb").list_tables()["TableNames"]


def test_a_resource_that_fails_rolls_the_whole_stack_back(world, unique):
    """A resource that fails to create rolls the stack back: ROLLBACK_COMPLETE, nothing left
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stack-failure-options.html)."""
    cfn = boto3.client("cloudformation")
    name = unique("rb")
    # an SQS batch of 11 needs a batching window (Lambda's CreateEventSourceMapping refuses it)
    body = events_template().replace("            FilterCriteria:\n", "            BatchSize: 11\n            FilterCriteria:\n")
    cs = cfn.create_change_set(StackName=name, ChangeSetName="first", ChangeSetType="CREATE",
                               TemplateBody=body, Capabilities=CAPS)
    cfn.execute_change_set(ChangeSetName=cs["Id"])
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [e.get("ResourceStatusReason") or "" for e in cfn.describe_stack_events(StackName=name)["StackEvents"]]
    assert any("batch" in r.lower() for r in reasons), reasons
    assert not boto3.client("lambda").list_functions()["Functions"]
    assert not boto3.client("dynamodb").list_tables()["TableNames"]
    assert not boto3.client("sqs").list_queues().get("QueueUrls")
    assert not boto3.client("sns").list_topics()["Topics"]


# -- templates as people write them: YAML details, AWS::Include, a zip as CodeUri --------------
PLAIN = """AWSTemplateFormatVersion: 2010-09-09
Description: short forms as the CloudFormation docs write them
Parameters:
  Env: {Type: String, Default: prod, AllowedValues: [prod, dev]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotDev: !Not [!Equals [!Ref Env, dev]]
  Both: !And [!Condition IsProd, !Condition NotDev]
Mappings:
  Sizes: {prod: {Retention: 4}, dev: {Retention: 1}}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: !If [Both, 345600, 60]
      Tags:
        - Key: retention-days
          Value: !FindInMap [Sizes, !Ref Env, Retention]
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: !Join ["-", [!Select [0, !Split [",", "alerts,other"]], !Ref Env]]
Outputs:
  QueueArn:
    Value: !GetAtt [Queue, Arn]
  QueueName:
    Value: !GetAtt Queue.QueueName
  Described:
    Value: !Sub
      - "${Name} in ${AWS::Region} (${Topic})"
      - Name: !GetAtt Queue.QueueName
"""


def test_unquoted_version_date_and_short_forms(world, unique):
    """An unquoted ``AWSTemplateFormatVersion: 2010-09-09`` (YAML would read a date) and the YAML short
    forms of the intrinsic functions and condition functions
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html,
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/format-version-structure.html)."""
    cfn = boto3.client("cloudformation")
    name = unique("plain")
    cfn.create_stack(StackName=name, TemplateBody=PLAIN)
    out = outputs(cfn, name)
    assert out["QueueArn"].startswith("arn:aws:sqs:us-east-1:123456789012:")
    [topic] = boto3.client("sns").list_topics()["Topics"]
    assert out["Described"] == f"{out['QueueName']} in us-east-1 ({topic['TopicArn']})"
    url = boto3.client("sqs").get_queue_url(QueueName=out["QueueName"])["QueueUrl"]
    attrs = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["MessageRetentionPeriod"])
    assert attrs["Attributes"]["MessageRetentionPeriod"] == "345600"
    template = cfn.get_template(StackName=name)["TemplateBody"]
    assert "2010-09-09" in json.dumps(template, default=str)


def test_sam_app_with_an_include_and_a_zip_deploys(world, unique, tmp_path):
    """``AWS::Include`` (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-include.html)
    inserts a snippet before the SAM transform; a ``.zip`` as ``CodeUri`` is uploaded as it is
    (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-codeuri)."""
    import io
    import zipfile

    from serverless_lab.iac import delete, deploy

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("app.py", "import os\ndef handler(event, context):\n    return {'table': os.environ['TABLE']}\n")
    (tmp_path / "function.zip").write_bytes(buffer.getvalue())
    (tmp_path / "table.yaml").write_text("""Type: AWS::DynamoDB::Table
Properties:
  BillingMode: PAY_PER_REQUEST
  AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
  KeySchema: [{AttributeName: pk, KeyType: HASH}]
""")
    (tmp_path / "template.yaml").write_text("""AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Resources:
  Table:
    Fn::Transform:
      Name: AWS::Include
      Parameters:
        Location: table.yaml
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: function.zip
      Environment: {Variables: {TABLE: !Ref Table}}
Outputs:
  Name: {Value: !Ref Fn}
  Table: {Value: !Ref Table}
""")
    name = unique("inc")
    app = deploy(tmp_path / "template.yaml", stack_name=name)
    assert app.resource_types["Table"] == "AWS::DynamoDB::Table"
    assert app.outputs["Table"] in boto3.client("dynamodb").list_tables()["TableNames"]
    result = boto3.client("lambda").invoke(FunctionName=app.outputs["Name"])
    assert json.loads(result["Payload"].read()) == {"table": app.outputs["Table"]}
    assert delete(name) == "DELETE_COMPLETE"


SCHEDULE_GROUP = """AWSTemplateFormatVersion: 2010-09-09
Resources:
  Reports:
    Type: AWS::SQS::Queue
  Group:
    Type: AWS::Scheduler::ScheduleGroup
    Properties: {Name: GROUP_NAME}
  SchedulerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: scheduler.amazonaws.com}, Action: sts:AssumeRole}]
  Daily:
    Type: AWS::Scheduler::Schedule
    Properties:
      GroupName: !Ref Group
      ScheduleExpression: rate(1 day)
      FlexibleTimeWindow: {Mode: "OFF"}
      Target:
        Arn: !GetAtt Reports.Arn
        RoleArn: !GetAtt SchedulerRole.Arn
        Input: '{"report": "daily"}'
Outputs:
  QueueUrl: {Value: !Ref Reports}
  ScheduleName: {Value: !Ref Daily}
"""


def test_schedule_group_and_schedule_run_on_the_lab_clock(world, unique):
    """AWS::Scheduler::ScheduleGroup and AWS::Scheduler::Schedule
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-scheduler-schedule.html):
    the schedule fires into its SQS target on the lab clock; deleting the stack removes both."""
    cfn = boto3.client("cloudformation")
    name, group = unique("grp"), unique("reports")
    cfn.create_stack(StackName=name, TemplateBody=SCHEDULE_GROUP.replace("GROUP_NAME", group),
                     Capabilities=["CAPABILITY_IAM"])
    out = outputs(cfn, name)
    scheduler = boto3.client("scheduler")
    assert scheduler.get_schedule_group(Name=group)["State"] == "ACTIVE"
    assert scheduler.get_schedule(Name=out["ScheduleName"], GroupName=group)["GroupName"] == group
    world.clock.advance(86_400)
    messages = wait_for(lambda: boto3.client("sqs").receive_message(QueueUrl=out["QueueUrl"]).get("Messages"))
    assert messages and json.loads(messages[0]["Body"]) == {"report": "daily"}
    cfn.delete_stack(StackName=name)
    assert group not in [g["Name"] for g in scheduler.list_schedule_groups()["ScheduleGroups"]]


DLQ_ALARM = """AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Resources:
  Poison:
    Type: AWS::SQS::Queue
  PoisonAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmDescription: events wait in the dead-letter queue
      Namespace: AWS/SQS
      MetricName: ApproximateNumberOfMessagesVisible
      Dimensions:
        - Name: QueueName
          Value: !GetAtt Poison.QueueName
      Statistic: Maximum
      Period: 60
      EvaluationPeriods: 1
      DatapointsToAlarm: 1
      Threshold: 0
      ComparisonOperator: GreaterThanThreshold
      TreatMissingData: notBreaching
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub "/aws/lambda/${AWS::StackName}-fn"
      RetentionInDays: 14
Outputs:
  AlarmName: {Value: !Ref PoisonAlarm}
  AlarmArn: {Value: !GetAtt PoisonAlarm.Arn}
  QueueUrl: {Value: !Ref Poison}
"""


def test_dead_letter_queue_alarm_and_log_retention(world, unique):
    """AWS::CloudWatch::Alarm
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html):
    Ref is the alarm's name, GetAtt Arn its ARN, describe_alarms shows the template's settings, and
    deleting the stack deletes the alarm. AWS::Logs::LogGroup keeps its RetentionInDays
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html)."""
    cfn = boto3.client("cloudformation")
    name = unique("dlqalarm")
    cfn.create_stack(StackName=name, TemplateBody=DLQ_ALARM, Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    out = outputs(cfn, name)
    cloudwatch = boto3.client("cloudwatch")
    alarm = cloudwatch.describe_alarms(AlarmNames=[out["AlarmName"]])["MetricAlarms"][0]
    assert alarm["AlarmArn"] == out["AlarmArn"] and out["AlarmName"].startswith(f"{name}-PoisonAlarm-")
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == \
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum")
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": out["QueueUrl"].rsplit("/", 1)[-1]}]
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"], alarm["Threshold"]) == (60, 1, 1, 0.0)
    assert (alarm["ComparisonOperator"], alarm["TreatMissingData"]) == ("GreaterThanThreshold", "notBreaching")
    group = boto3.client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}-fn")["logGroups"][0]
    assert group["retentionInDays"] == 14
    cfn.delete_stack(StackName=name)
    assert cloudwatch.describe_alarms(AlarmNames=[out["AlarmName"]])["MetricAlarms"] == []


def test_metric_math_alarm_is_refused_by_name(world, unique):
    """An alarm on metric math (Metrics) is not supported by the course's CloudFormation: the stack
    rolls back and says so, rather than creating an alarm that watches nothing."""
    cfn = boto3.client("cloudformation")
    name = unique("mathalarm")
    body = DLQ_ALARM.replace("      Statistic: Maximum\n", "      Metrics: [{Id: m1, Expression: 'SUM(METRICS())'}]\n")
    cs = cfn.create_change_set(StackName=name, ChangeSetName="first", ChangeSetType="CREATE",
                               TemplateBody=body, Capabilities=CAPS)
    cfn.execute_change_set(ChangeSetName=cs["Id"])
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = " ".join(e.get("ResourceStatusReason") or "" for e in cfn.describe_stack_events(StackName=name)["StackEvents"])
    assert "metric math" in reasons
