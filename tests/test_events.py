"""serverless_lab.sample_events (formerly events): sample events in AWS's shapes, consistent with moto."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime
from types import SimpleNamespace

from serverless_lab import sample_events as events

ISO_MS = "%Y-%m-%dT%H:%M:%S.%fZ"
ISO = "%Y-%m-%dT%H:%M:%SZ"


def test_s3_put_matches_the_documented_record_and_moto():
    ev = events.s3_put("photos", "holiday pics/cat 1.jpg", size=2048, etag='"abc123"')
    (rec,) = ev["Records"]
    assert set(rec) == {"eventVersion", "eventSource", "awsRegion", "eventTime", "eventName",
                        "userIdentity", "requestParameters", "responseElements", "s3"}
    assert rec["eventVersion"] == "2.1" and rec["eventSource"] == "aws:s3"
    assert rec["eventName"] == "ObjectCreated:Put" and rec["awsRegion"] == "us-east-1"
    datetime.strptime(rec["eventTime"], ISO_MS)
    assert rec["s3"]["bucket"]["name"] == "photos"
    assert rec["s3"]["bucket"]["arn"] == "arn:aws:s3:::photos"
    obj = rec["s3"]["object"]
    assert obj["key"] == "holiday+pics%2Fcat+1.jpg"      # URL-encoded, as S3 sends it
    assert obj["size"] == 2048 and obj["eTag"] == "abc123" and obj["sequencer"]

    # moto's own S3 → Lambda notification has the same fields (ours is a superset)
    from moto.s3.notifications import _get_s3_event

    bucket = SimpleNamespace(name="photos", region_name="us-east-1", arn="arn:aws:s3:::photos")
    key = SimpleNamespace(name="holiday pics/cat 1.jpg", size=2048, etag='"abc123"')
    moto_rec = _get_s3_event("s3:ObjectCreated:Put", bucket, key, "cfg")["Records"][0]
    assert set(moto_rec) <= set(rec)
    assert set(moto_rec["s3"]["object"]) <= set(obj)
    assert moto_rec["s3"]["object"]["key"] == obj["key"]
    assert moto_rec["s3"]["object"]["eTag"] == obj["eTag"]
    assert moto_rec["eventName"] == rec["eventName"]


def test_s3_delete_has_no_size_or_etag():
    obj = events.s3_delete("photos", "a.txt")["Records"][0]
    assert obj["eventName"] == "ObjectRemoved:Delete"
    assert set(obj["s3"]["object"]) == {"key", "sequencer"}


def test_apigw_v1_shape():
    ev = events.apigw_v1("post", "/items/7", resource="/items/{id}",
                         headers=[("Accept", "a"), ("Accept", "b"), ("User-Agent", "curl/8")],
                         query="x=1&x=2&y=", path_parameters={"id": "7"}, body={"n": 1},
                         stage="prod", api_id="abc123")
    assert set(ev) == {"resource", "path", "httpMethod", "headers", "multiValueHeaders",
                       "queryStringParameters", "multiValueQueryStringParameters",
                       "pathParameters", "stageVariables", "requestContext", "body",
                       "isBase64Encoded"}
    assert ev["httpMethod"] == "POST" and ev["resource"] == "/items/{id}"
    assert ev["headers"]["Accept"] == "b" and ev["multiValueHeaders"]["Accept"] == ["a", "b"]
    assert ev["queryStringParameters"] == {"x": "2", "y": ""}
    assert ev["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": [""]}
    assert ev["stageVariables"] is None and ev["body"] == '{"n": 1}'
    ctx = ev["requestContext"]
    for key in ("accountId", "apiId", "domainName", "domainPrefix", "extendedRequestId",
                "httpMethod", "identity", "path", "protocol", "requestId", "requestTime",
                "requestTimeEpoch", "resourceId", "resourcePath", "stage"):
        assert key in ctx
    assert ctx["path"] == "/prod/items/7" and ctx["identity"]["userAgent"] == "curl/8"
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", ctx["requestTime"])
    empty = events.apigw_v1()
    assert empty["queryStringParameters"] is None
    # a request through API Gateway always carries the headers the gateway adds
    assert empty["headers"]["Host"] == "abcdef1234.execute-api.us-east-1.amazonaws.com"
    assert empty["multiValueHeaders"]["X-Forwarded-Proto"] == ["https"]
    binary = events.apigw_v1("PUT", "/f", body=b"\x00\xff")
    assert binary["isBase64Encoded"] and base64.b64decode(binary["body"]) == b"\x00\xff"


def test_apigw_v2_shape():
    ev = events.apigw_v2("GET", "/items/7", route_key="GET /items/{id}",
                         headers=[("X-A", "1"), ("x-a", "2"), ("Cookie", "s=1; t=2")],
                         query={"tag": ["a", "b"]}, path_parameters={"id": "7"}, stage="dev")
    assert ev["version"] == "2.0" and ev["routeKey"] == "GET /items/{id}"
    assert ev["rawPath"] == "/dev/items/7" and ev["rawQueryString"] == "tag=a&tag=b"
    assert ev["headers"] == {"x-a": "1,2"} and ev["cookies"] == ["s=1", "t=2"]
    assert ev["queryStringParameters"] == {"tag": "a,b"}
    assert ev["pathParameters"] == {"id": "7"} and ev["isBase64Encoded"] is False
    assert "body" not in ev and "stageVariables" not in ev
    http = ev["requestContext"]["http"]
    assert set(http) == {"method", "path", "protocol", "sourceIp", "userAgent"}
    assert set(ev["requestContext"]) >= {"accountId", "apiId", "domainName", "domainPrefix",
                                         "http", "requestId", "routeKey", "stage", "time",
                                         "timeEpoch"}
    assert events.apigw_v2()["rawPath"] == "/" and "cookies" not in events.apigw_v2()


def test_sqs_batch():
    ev = events.sqs("hello", {"order": 1}, queue="orders")
    assert len(ev["Records"]) == 2
    rec = ev["Records"][1]
    assert set(rec) == {"messageId", "receiptHandle", "body", "attributes", "messageAttributes",
                        "md5OfBody", "eventSource", "eventSourceARN", "awsRegion"}
    assert json.loads(rec["body"]) == {"order": 1}
    assert rec["eventSource"] == "aws:sqs"
    assert rec["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:orders"
    assert set(rec["attributes"]) == {"ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                      "ApproximateFirstReceiveTimestamp"}
    fifo = events.sqs("x", queue="jobs.fifo")["Records"][0]["attributes"]
    assert {"MessageGroupId", "MessageDeduplicationId", "SequenceNumber"} <= set(fifo)
    typed = events.sqs("x", attributes={"n": 3})["Records"][0]["messageAttributes"]["n"]
    assert typed["dataType"] == "Number" and typed["stringValue"] == "3"


def test_sns_notification():
    rec = events.sns({"alert": True}, topic="alarms", subject="Hi",
                     attributes={"level": "high"})["Records"][0]
    assert rec["EventSource"] == "aws:sns" and rec["EventVersion"] == "1.0"
    assert rec["EventSubscriptionArn"].startswith("arn:aws:sns:us-east-1:123456789012:alarms:")
    sns = rec["Sns"]
    assert sns["Type"] == "Notification" and json.loads(sns["Message"]) == {"alert": True}
    assert sns["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:alarms"
    assert sns["MessageAttributes"] == {"level": {"Type": "String", "Value": "high"}}
    datetime.strptime(sns["Timestamp"], ISO_MS)
    for key in ("MessageId", "Subject", "Signature", "SignatureVersion", "SigningCertUrl",
                "UnsubscribeUrl"):
        assert key in sns


def test_dynamodb_stream_types_images_and_infers_event_name():
    ins = events.dynamodb_stream({"id": "u1", "score": 9.5, "tags": ["a"]})["Records"][0]
    assert ins["eventName"] == "INSERT" and ins["eventSource"] == "aws:dynamodb"
    ddb = ins["dynamodb"]
    assert ddb["Keys"] == {"id": {"S": "u1"}}
    assert ddb["NewImage"] == {"id": {"S": "u1"}, "score": {"N": "9.5"},
                               "tags": {"L": [{"S": "a"}]}}
    assert "OldImage" not in ddb and ddb["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert {"ApproximateCreationDateTime", "SequenceNumber", "SizeBytes"} <= set(ddb)
    assert ":table/lab-table/stream/" in ins["eventSourceARN"]
    mod = events.dynamodb_stream({"pk": {"S": "1"}, "v": {"N": "2"}},
                                 {"pk": {"S": "1"}, "v": {"N": "1"}})["Records"][0]
    assert mod["eventName"] == "MODIFY" and mod["dynamodb"]["OldImage"]["v"] == {"N": "1"}
    rem = events.dynamodb_stream(old_image={"id": 3})["Records"][0]
    assert rem["eventName"] == "REMOVE" and rem["dynamodb"]["Keys"] == {"id": {"N": "3"}}


def test_eventbridge_and_schedule():
    ev = events.eventbridge("com.shop", "Order Placed", {"id": 1}, resources=["arn:x"])
    assert list(ev) == ["version", "id", "detail-type", "source", "account", "time", "region",
                        "resources", "detail"]
    assert ev["detail"] == {"id": 1} and ev["resources"] == ["arn:x"]
    datetime.strptime(ev["time"], ISO)
    arn = "arn:aws:events:eu-west-1:111122223333:rule/nightly"
    sch = events.schedule(arn, event_time=0)
    assert sch["detail-type"] == "Scheduled Event" and sch["source"] == "aws.events"
    assert sch["region"] == "eu-west-1" and sch["account"] == "111122223333"
    assert sch["resources"] == [arn] and sch["detail"] == {}
    assert sch["time"] == "1970-01-01T00:00:00Z"


# -- every sample event passes Powertools' parser models and data classes -------------------------
def _samples() -> dict:
    return {
        "s3_put": events.s3_put("bucket", "dir/a b.txt", 12),
        "s3_delete": events.s3_delete("bucket", "gone.txt"),
        "apigw_v1": events.apigw_v1(),
        "apigw_v1_full": events.apigw_v1("POST", "/items/7", resource="/items/{id}", headers={"Accept": "x"},
                                         query="a=1", path_parameters={"id": "7"}, body={"n": 1}),
        "apigw_v1_binary": events.apigw_v1("PUT", "/f", body=b"\x00\xff"),
        "apigw_v2": events.apigw_v2(),
        "apigw_v2_full": events.apigw_v2("POST", "/x", headers={"Cookie": "a=1"}, query={"q": "1"},
                                         body="hi", stage="dev", path_parameters={"p": "1"}),
        "sqs": events.sqs("a", {"b": 1}),
        "sns": events.sns({"hello": "world"}, subject="s"),
        "ddb_insert": events.dynamodb_stream({"id": "1", "n": 2.5, "nested": {"f": 1.5, "l": [0.5]}}),
        "ddb_binary": events.dynamodb_stream({"id": "1", "blob": b"\x00\x01\xff", "blobs": {b"a", b"b"},
                                              "deep": {"m": {"b": b"\x02"}, "l": [b"\x03"]}}),
        "ddb_modify": events.dynamodb_stream({"id": "1", "v": 2}, {"id": "1", "v": 1}),
        "ddb_remove": events.dynamodb_stream(old_image={"id": "1"}),
        "eventbridge": events.eventbridge(detail={"k": "v"}),
        "schedule": events.schedule(),
    }


MODELS = {
    "s3_put": "S3Model", "s3_delete": "S3Model", "apigw_v1": "APIGatewayProxyEventModel",
    "apigw_v1_full": "APIGatewayProxyEventModel", "apigw_v1_binary": "APIGatewayProxyEventModel",
    "apigw_v2": "APIGatewayProxyEventV2Model", "apigw_v2_full": "APIGatewayProxyEventV2Model",
    "sqs": "SqsModel", "sns": "SnsModel", "ddb_insert": "DynamoDBStreamModel",
    "ddb_binary": "DynamoDBStreamModel", "ddb_modify": "DynamoDBStreamModel", "ddb_remove": "DynamoDBStreamModel",
    "eventbridge": "EventBridgeModel", "schedule": "EventBridgeModel",
}


def test_every_sample_event_is_json_and_passes_powertools_parser_models():
    import pytest

    models = pytest.importorskip("aws_lambda_powertools.utilities.parser.models")
    samples = _samples()
    assert set(samples) == set(MODELS)
    for name, event in samples.items():
        wire = json.loads(json.dumps(event))   # what a handler receives: JSON, nothing else
        getattr(models, MODELS[name]).model_validate(wire)


def test_every_sample_event_reads_through_powertools_data_classes():
    import pytest

    dc = pytest.importorskip("aws_lambda_powertools.utilities.data_classes")
    s = {k: json.loads(json.dumps(v)) for k, v in _samples().items()}
    assert dc.S3Event(s["s3_put"]).object_key == "dir/a b.txt"
    assert dc.S3Event(s["s3_delete"]).bucket_name == "bucket"
    v1 = dc.APIGatewayProxyEvent(s["apigw_v1_full"])
    assert v1.path_parameters == {"id": "7"} and v1.json_body == {"n": 1} and v1.headers["Accept"] == "x"
    binary = dc.APIGatewayProxyEvent(s["apigw_v1_binary"])   # (decoded_body assumes UTF-8 text)
    assert binary.is_base64_encoded and base64.b64decode(binary.body) == b"\x00\xff"
    assert dc.APIGatewayProxyEvent(s["apigw_v1"]).headers["Host"].endswith(".amazonaws.com")
    v2 = dc.APIGatewayProxyEventV2(s["apigw_v2_full"])
    assert v2.cookies == ["a=1"] and v2.query_string_parameters == {"q": "1"} and v2.body == "hi"
    assert [r.body for r in dc.SQSEvent(s["sqs"]).records] == ["a", '{"b": 1}']
    assert json.loads(dc.SNSEvent(s["sns"]).sns_message) == {"hello": "world"}
    rec = next(dc.DynamoDBStreamEvent(s["ddb_binary"]).records)
    image = rec.dynamodb.new_image
    # Powertools' data class keeps binary as the base64 text the stream delivered
    assert base64.b64decode(image["blob"]) == b"\x00\x01\xff"
    assert base64.b64decode(image["deep"]["m"]["b"]) == b"\x02"
    assert {base64.b64decode(b) for b in image["blobs"]} == {b"a", b"b"}
    assert dc.EventBridgeEvent(s["eventbridge"]).detail == {"k": "v"}
    assert dc.EventBridgeEvent(s["schedule"]).detail_type == "Scheduled Event"


def test_dynamodb_stream_binary_is_base64_as_streams_deliver_it():
    ev = events.dynamodb_stream({"id": "1", "blob": b"\x00\xff", "set": {b"x"}})
    image = ev["Records"][0]["dynamodb"]["NewImage"]
    assert image["blob"] == {"B": base64.b64encode(b"\x00\xff").decode()}
    assert image["set"] == {"BS": [base64.b64encode(b"x").decode()]}
    json.dumps(ev)


def test_the_old_module_name_keeps_working():
    """Labs written before the rename import ``serverless_lab.events`` (README.md, lab03/lab04)."""
    import serverless_lab.events as old
    from serverless_lab.events import dynamodb_stream, s3_put

    assert s3_put is events.s3_put and dynamodb_stream is events.dynamodb_stream
    assert old.__all__ == events.__all__ and all(getattr(old, n) is getattr(events, n) for n in events.__all__)
    assert s3_put("b", "k")["Records"][0]["s3"]["object"]["key"] == "k"
