"""Every trigger moto wires runs the real handler, whose own boto3 calls reach the same world."""

from __future__ import annotations

import json
import time

import boto3

from lambda_helpers import create as _create


def table(ddb, name: str, **kw) -> None:
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST", **kw)


RECORDER = """
    import json, os, boto3
    table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
    def handler(event, context):
        for i, record in enumerate(event.get("Records", [event])):
            source = record.get("eventSource") or record.get("EventSource") or "direct"
            table.put_item(Item={"pk": f"{source}-{context.aws_request_id}-{i}", "source": source,
                                 "detail": json.dumps(record)[:2000]})
        return {"seen": len(event.get("Records", [event]))}
"""


def items_by_source(ddb, name: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for item in ddb.scan(TableName=name)["Items"]:
        out.setdefault(item["source"]["S"], []).append(item)
    return out


def test_s3_upload_triggers_handler_that_writes_dynamodb(aws, unique):
    s3, lam, ddb = boto3.client("s3"), boto3.client("lambda"), boto3.client("dynamodb")
    bucket, tname = unique("uploads"), unique("results")
    table(ddb, tname)
    arn = create(lam, unique("on-upload"), RECORDER, Environment={"Variables": {"TABLE": tname}})
    s3.create_bucket(Bucket=bucket)
    lam.add_permission(FunctionName=arn, StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    s3.put_object(Bucket=bucket, Key="cat.jpg", Body=b"meow")
    aws.extension("lambda").wait_idle(20)
    [item] = items_by_source(ddb, tname)["aws:s3"]
    record = json.loads(item["detail"]["S"])
    assert record["s3"]["bucket"]["name"] == bucket and record["s3"]["object"]["key"] == "cat.jpg"
    rec = aws.extension("lambda").trace.records()[-1]
    assert rec.trigger == "s3" and rec.outcome == "success"


def test_sqs_event_source_mapping(aws, unique):
    sqs, lam, ddb = boto3.client("sqs"), boto3.client("lambda"), boto3.client("dynamodb")
    tname = unique("sqs-results")
    table(ddb, tname)
    name = unique("on-message")
    create(lam, name, RECORDER, Environment={"Variables": {"TABLE": tname}})
    url = sqs.create_queue(QueueName=unique("jobs"))["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam.create_event_source_mapping(EventSourceArn=qarn, FunctionName=name, BatchSize=1)
    sqs.send_message(QueueUrl=url, MessageBody="job-1")
    deadline = time.time() + 60
    while time.time() < deadline and "aws:sqs" not in items_by_source(ddb, tname):
        time.sleep(0.1)
    [item] = items_by_source(ddb, tname)["aws:sqs"]
    assert json.loads(item["detail"]["S"])["body"] == "job-1"
    assert aws.extension("lambda").trace.filter(function_name=name).records()[-1].trigger == "sqs"


def test_dynamodb_stream_triggers_handler(aws, unique):
    lam, ddb = boto3.client("lambda"), boto3.client("dynamodb")
    source, sink = unique("orders"), unique("audit")
    table(ddb, source, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    table(ddb, sink)
    stream_arn = ddb.describe_table(TableName=source)["Table"]["LatestStreamArn"]
    name = unique("on-change")
    create(lam, name, RECORDER, Environment={"Variables": {"TABLE": sink}})
    lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName=name, StartingPosition="LATEST")
    ddb.put_item(TableName=source, Item={"pk": {"S": "order-1"}, "total": {"N": "12"}})
    [item] = items_by_source(ddb, sink)["aws:dynamodb"]
    detail = json.loads(item["detail"]["S"])
    assert detail["eventName"] == "INSERT" and detail["dynamodb"]["NewImage"]["pk"] == {"S": "order-1"}
    assert aws.extension("lambda").trace.filter(function_name=name).records()[-1].trigger == "dynamodb"


def test_sns_subscription_triggers_handler(aws, unique):
    sns, lam, ddb = boto3.client("sns"), boto3.client("lambda"), boto3.client("dynamodb")
    tname = unique("sns-results")
    table(ddb, tname)
    name = unique("on-notify")
    arn = create(lam, name, RECORDER, Environment={"Variables": {"TABLE": tname}})
    topic = sns.create_topic(Name=unique("alerts"))["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="disk full", Subject="ops")
    aws.extension("lambda").wait_idle(20)
    [item] = items_by_source(ddb, tname)["aws:sns"]
    assert json.loads(item["detail"]["S"])["Sns"]["Message"] == "disk full"
    assert aws.extension("lambda").trace.filter(function_name=name).records()[-1].trigger == "sns"


def test_step_functions_task_invokes_the_function(aws, unique):
    lam, sfn = boto3.client("lambda"), boto3.client("stepfunctions")
    name = unique("sfn-task")
    arn = create(lam, name, "def handler(event, context):\n    return {'total': event['a'] + event['b']}\n")
    definition = {"StartAt": "Add", "States": {"Add": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": arn, "Payload.$": "$"}, "OutputPath": "$.Payload", "End": True}}}
    sm = sfn.create_state_machine(name=unique("adder"), definition=json.dumps(definition),
                                  roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
    ex = sfn.start_execution(stateMachineArn=sm, input=json.dumps({"a": 2, "b": 3}))["executionArn"]
    deadline = time.time() + 60
    while True:
        desc = sfn.describe_execution(executionArn=ex)
        if desc["status"] != "RUNNING" or time.time() > deadline:
            break
        time.sleep(0.1)
    assert desc["status"] == "SUCCEEDED", desc
    assert json.loads(desc["output"]) == {"total": 5}
    rec = aws.extension("lambda").trace.filter(function_name=name).records()[-1]
    assert rec.outcome == "success" and rec.trigger == "stepfunctions"


def test_handler_reads_what_the_notebook_wrote(aws, unique):
    s3, lam = boto3.client("s3"), boto3.client("lambda")
    bucket = unique("shared")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="greeting.txt", Body=b"hello from the notebook")
    name = unique("reader")
    create(lam, name, """
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            body = s3.get_object(Bucket=event["bucket"], Key="greeting.txt")["Body"].read().decode()
            s3.put_object(Bucket=event["bucket"], Key="reply.txt", Body=body.upper().encode())
            return body
    """)
    resp = lam.invoke(FunctionName=name, Payload=json.dumps({"bucket": bucket}).encode())
    assert json.loads(resp["Payload"].read()) == "hello from the notebook"
    assert s3.get_object(Bucket=bucket, Key="reply.txt")["Body"].read() == b"HELLO FROM THE NOTEBOOK"


def test_kinesis_and_log_subscription_triggers(aws, unique):
    lam, kinesis, logs = boto3.client("lambda"), boto3.client("kinesis"), boto3.client("logs")
    name = unique("streams")
    arn = create(lam, name, """
        import base64, gzip, json
        def handler(event, context):
            if "awslogs" in event:
                data = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
                print("log events", len(data["logEvents"]))
            else:
                print("kinesis", base64.b64decode(event["Records"][0]["kinesis"]["data"]))
            return "ok"
    """)
    stream = unique("clicks")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName=name, StartingPosition="LATEST")
    kinesis.put_record(StreamName=stream, Data=b"click-1", PartitionKey="p")
    group = unique("/app/logs")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    logs.put_subscription_filter(logGroupName=group, filterName="all", filterPattern="", destinationArn=arn)
    logs.put_log_events(logGroupName=group, logStreamName="s",
                        logEvents=[{"timestamp": int(time.time() * 1000), "message": "hello"}])
    triggers = {r.trigger: r.outcome for r in aws.extension("lambda").trace.filter(function_name=name)}
    assert triggers == {"kinesis": "success", "logs": "success"}


def test_function_subscribed_to_its_own_logs_stops_after_16_calls(aws, unique):
    lam, logs = boto3.client("lambda"), boto3.client("logs")
    name = unique("loop")
    arn = create(lam, name, "def handler(event, context):\n    print('tick')\n    return 1\n")
    logs.create_log_group(logGroupName=f"/aws/lambda/{name}")
    logs.put_subscription_filter(logGroupName=f"/aws/lambda/{name}", filterName="self", filterPattern="",
                                 destinationArn=arn)
    assert lam.invoke(FunctionName=name)["StatusCode"] == 200
    recs = aws.extension("lambda").trace.filter(function_name=name).records()
    assert len(recs) == 17 and {r.trigger for r in recs} == {"invoke", "logs"}


def create(lam, name: str, code: str, **kw) -> str:
    kw.setdefault("Timeout", 10)
    return _create(lam, name, code, **kw)
