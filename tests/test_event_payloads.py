"""What event sources hand to a function, compared field by field with AWS's sample events.

Each test deploys a real handler that stores the event it received in an S3 bucket, triggers it
through boto3, and reads the event back. The reference shapes are the sample events of the AWS
Lambda Developer Guide for each service (cited per test).
"""

from __future__ import annotations

import base64
import json
import time

import boto3
import pytest

from lambda_helpers import create, runtime_available

REGION = "us-east-1"

pytestmark = pytest.mark.skipif(not runtime_available(), reason="needs the local Lambda runtime")

RECORDER = """
import json, os, uuid, boto3
def handler(event, context):
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=os.environ["SINK"], Key=str(uuid.uuid4()), Body=json.dumps(event))
    return {}
"""


@pytest.fixture(scope="module")
def session():
    from serverless_lab import mock_aws

    with mock_aws() as s:
        yield s


@pytest.fixture
def recorder(session, unique):
    """(function ARN, events()) : events() waits (generously) for the first event and returns all."""
    s3 = boto3.client("s3", region_name=REGION)
    lam = boto3.client("lambda", region_name=REGION)
    sink = unique("sink")
    s3.create_bucket(Bucket=sink)
    fn = create(lam, unique("recorder"), RECORDER, Environment={"Variables": {"SINK": sink}})

    def events(deadline: float = 120.0) -> list[dict]:
        end = time.monotonic() + deadline
        while True:
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket=sink).get("Contents", [])]
            if keys or time.monotonic() > end:
                return [json.loads(s3.get_object(Bucket=sink, Key=k)["Body"].read()) for k in keys]
            session.extension("integrations").drain()
            time.sleep(0.2)

    return fn, events


def _queue(sqs, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def test_sns_hands_the_function_the_real_notification(recorder, unique):
    """https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html (example SNS message event):
    the subscription's ARN, the topic, message, subject and attributes ({Type, Value}; binary as
    base64), SignatureVersion "1", SigningCertUrl / UnsubscribeUrl."""
    fn, events = recorder
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name=unique("topic"))["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)["SubscriptionArn"]
    message_id = sns.publish(TopicArn=topic, Message="order 42 shipped", Subject="shipping",
                             MessageAttributes={
                                 "kind": {"DataType": "String", "StringValue": "shipped"},
                                 "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"}},
                             )["MessageId"]
    [event] = events()
    [record] = event["Records"]
    assert record["EventSource"] == "aws:sns"
    assert record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == sub
    body = record["Sns"]
    assert body["Type"] == "Notification"
    assert body["MessageId"] == message_id
    assert body["TopicArn"] == topic
    assert body["Subject"] == "shipping"
    assert body["Message"] == "order 42 shipped"
    assert body["SignatureVersion"] == "1"
    assert base64.b64decode(body["Signature"])
    assert body["SigningCertUrl"].startswith("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-")
    assert body["UnsubscribeUrl"].endswith(f"?Action=Unsubscribe&SubscriptionArn={sub}")
    assert body["Timestamp"].endswith("Z") and len(body["Timestamp"]) == len("2019-01-02T12:45:07.000Z")
    assert body["MessageAttributes"] == {
        "kind": {"Type": "String", "Value": "shipped"},
        "blob": {"Type": "Binary", "Value": base64.b64encode(b"\x00\x01\xff").decode()}}


def test_sns_raw_delivery_of_a_binary_attribute_reaches_sqs_as_bytes(session, unique):
    """https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html:
    with raw message delivery the message attributes become SQS message attributes."""
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name=unique("topic"))["TopicArn"]
    url, arn = _queue(sqs, unique("raw"))
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, Message="raw body",
                MessageAttributes={"blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"}})
    [msg] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert msg["Body"] == "raw body"
    assert msg["MessageAttributes"] == {"blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"}}


@pytest.mark.parametrize("version", [None, "2"])
def test_sns_envelope_to_sqs_is_signed_as_aws_signs_it(session, unique, version):
    """https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html: SignatureVersion 1
    (SHA1withRSA) by default, 2 (SHA256withRSA) when the topic's SignatureVersion attribute is 2, over the
    string to sign (Message, MessageId, Subject if present, Timestamp, TopicArn, Type); the certificate at
    SigningCertURL verifies it."""
    import requests
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name=unique("signed"))["TopicArn"]
    if version:
        sns.set_topic_attributes(TopicArn=topic, AttributeName="SignatureVersion", AttributeValue=version)
    url, arn = _queue(sqs, unique("envelope"))
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="hello", Subject="greeting")
    [msg] = sqs.receive_message(QueueUrl=url)["Messages"]
    body = json.loads(msg["Body"])
    assert body["SignatureVersion"] == (version or "1")
    signed = "".join(f"{k}\n{body[k]}\n" for k in ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"))
    cert = x509.load_pem_x509_certificate(requests.get(body["SigningCertURL"], timeout=30).content)
    algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()
    cert.public_key().verify(base64.b64decode(body["Signature"]), signed.encode(), padding.PKCS1v15(), algorithm)


def test_sqs_record_carries_message_attributes_and_their_md5(recorder, unique):
    """https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (example standard queue message
    event): messageAttributes {stringValue | binaryValue (base64), stringListValues,
    binaryListValues, dataType} and md5OfMessageAttributes (the MD5 ReceiveMessage reports)."""
    fn, events = recorder
    sqs = boto3.client("sqs", region_name=REGION)
    lam = boto3.client("lambda", region_name=REGION)
    url, arn = _queue(sqs, unique("attrs"))
    attributes = {"kind": {"DataType": "String", "StringValue": "order"},
                  "count": {"DataType": "Number", "StringValue": "3"},
                  "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}
    sent = sqs.send_message(QueueUrl=url, MessageBody="hello", MessageAttributes=attributes)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn)
    [event] = events()
    [record] = event["Records"]
    assert record["messageAttributes"] == {
        "kind": {"stringValue": "order", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
        "count": {"stringValue": "3", "stringListValues": [], "binaryListValues": [], "dataType": "Number"},
        "blob": {"binaryValue": "AAE=", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"}}
    assert record["md5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert record["md5OfBody"] == sent["MD5OfMessageBody"]
    assert record["messageId"] == sent["MessageId"]
    assert set(record) == {"messageId", "receiptHandle", "body", "attributes", "messageAttributes",
                           "md5OfBody", "md5OfMessageAttributes", "eventSource", "eventSourceARN",
                           "awsRegion"}
    assert set(record["attributes"]) == {"ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                         "ApproximateFirstReceiveTimestamp"}


def test_dynamodb_stream_record_with_binary_attributes_reaches_the_function(recorder, unique):
    """https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html: the stream record's images in
    DynamoDB JSON, where B and BS values are base64 text
    (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html)."""
    fn, events = recorder
    ddb = boto3.client("dynamodb", region_name=REGION)
    lam = boto3.client("lambda", region_name=REGION)
    table = unique("bin")
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST",
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    stream = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=fn, StartingPosition="LATEST")
    ddb.put_item(TableName=table, Item={"pk": {"S": "k1"}, "blob": {"B": b"\x00\x01"},
                                        "blobs": {"BS": [b"\x02", b"\x03"]},
                                        "nested": {"M": {"inner": {"B": b"\xff"}}}})
    [event] = events()
    [record] = event["Records"]
    assert record["eventName"] == "INSERT"
    assert record["dynamodb"]["NewImage"] == {
        "pk": {"S": "k1"}, "blob": {"B": "AAE="}, "blobs": {"BS": ["Ag==", "Aw=="]},
        "nested": {"M": {"inner": {"B": "/w=="}}}}


def test_eventbridge_sqs_target_honours_input_path_input_and_transformer(session, unique):
    """https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html:
    a target's Input, InputPath and InputTransformer decide what every target type receives."""
    events_client = boto3.client("events", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    rule = unique("rule")
    path_url, path_arn = _queue(sqs, unique("path"))
    const_url, const_arn = _queue(sqs, unique("const"))
    tmpl_url, tmpl_arn = _queue(sqs, unique("tmpl"))
    whole_url, whole_arn = _queue(sqs, unique("whole"))
    events_client.put_rule(Name=rule, EventPattern=json.dumps({"source": ["shop"]}))
    events_client.put_targets(Rule=rule, Targets=[
        {"Id": "path", "Arn": path_arn, "InputPath": "$.detail"},
        {"Id": "const", "Arn": const_arn, "Input": '{"fixed": true}'},
        {"Id": "tmpl", "Arn": tmpl_arn, "InputTransformer": {
            "InputPathsMap": {"order": "$.detail.order"}, "InputTemplate": '"order <order> placed"'}},
        {"Id": "whole", "Arn": whole_arn}])
    events_client.put_events(Entries=[{"Source": "shop", "DetailType": "placed",
                                       "Detail": json.dumps({"order": "o-7", "total": 12})}])

    def body(url: str) -> str:
        [msg] = sqs.receive_message(QueueUrl=url)["Messages"]
        return msg["Body"]

    assert json.loads(body(path_url)) == {"order": "o-7", "total": 12}
    assert json.loads(body(const_url)) == {"fixed": True}
    assert json.loads(body(tmpl_url)) == "order o-7 placed"
    whole = json.loads(body(whole_url))
    assert whole["detail"] == {"order": "o-7", "total": 12} and whole["source"] == "shop"
    assert whole["detail-type"] == "placed" and whole["account"] == "123456789012"


def test_s3_hands_the_function_the_documented_record(recorder, unique):
    """https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html:
    the record a function gets through moto's path to ``LambdaFunction.invoke`` has userIdentity,
    requestParameters, responseElements and the object's sequencer; CompleteMultipartUpload is
    reported once, as ObjectCreated:CompleteMultipartUpload (full tests: test_s3_notification_records)."""
    fn, events = recorder
    s3, lam = boto3.client("s3", region_name=REGION), boto3.client("lambda", region_name=REGION)
    bucket = unique("uploads")
    s3.create_bucket(Bucket=bucket)
    lam.add_permission(FunctionName=fn, StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": fn, "Events": ["s3:ObjectCreated:*"]}]})
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big.bin")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="big.bin", UploadId=upload, PartNumber=1, Body=b"z" * 10)
    s3.complete_multipart_upload(Bucket=bucket, Key="big.bin", UploadId=upload,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    [event] = events()
    [r] = event["Records"]
    assert r["eventName"] == "ObjectCreated:CompleteMultipartUpload"
    assert r["userIdentity"]["principalId"] and r["requestParameters"]["sourceIPAddress"]
    assert set(r["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    int(r["s3"]["object"]["sequencer"], 16)
