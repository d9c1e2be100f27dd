"""Sample events in the exact shapes AWS sends to a Lambda handler.

A lab tests a handler before wiring a trigger: ``handler(events.s3_put("photos", "cat.jpg"),
None)``. The shapes follow the AWS documentation pages cited in each function, and they agree
with what moto's own triggers send (S3 keys URL-encoded with ``quote_plus``, eTags without
quotes, ``eventVersion`` "2.1"). The API Gateway integration builds its events with the same
functions, so what a lab sees here is what a deployed API sends.

Every function returns a fresh ``dict``; ids and timestamps are generated unless given.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"

__all__ = [
    "s3_put", "s3_delete", "apigw_v1", "apigw_v2", "sqs", "sns", "dynamodb_stream",
    "eventbridge", "schedule", "iso_time", "apigw_time",
]


# -- time formats AWS uses ---------------------------------------------------------------------
def iso_time(ts: float | None = None, *, millis: bool = False) -> str:
    """``2026-11-22T22:12:34Z`` (EventBridge) or ``...34.123Z`` (S3, SNS) in UTC."""
    dt = datetime.fromtimestamp(time.time() if ts is None else ts, tz=timezone.utc)
    if millis:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def apigw_time(ts: float | None = None) -> str:
    """API Gateway's ``requestTime``: ``22/Nov/2026:22:12:34 +0000`` (English month names)."""
    dt = datetime.fromtimestamp(time.time() if ts is None else ts, tz=timezone.utc)
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{dt.day:02d}/{months[dt.month - 1]}/{dt.year}:{dt:%H:%M:%S} +0000"


def _hex(n: int) -> str:
    return uuid.uuid4().hex.upper()[:n]


# -- S3 ----------------------------------------------------------------------------------------
def _s3_record(event_name: str, bucket: str, obj: dict[str, Any], region: str,
               event_time: float | None, configuration_id: str, source_ip: str,
               principal_id: str) -> dict[str, Any]:
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": iso_time(event_time, millis=True),
        "eventName": event_name,
        "userIdentity": {"principalId": principal_id},
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {
            "x-amz-request-id": _hex(16),
            "x-amz-id-2": base64.b64encode(uuid.uuid4().bytes * 3).decode(),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }


def s3_put(bucket: str, key: str, size: int = 1024, etag: str | None = None, *,
           region: str = DEFAULT_REGION, event_name: str = "ObjectCreated:Put",
           version_id: str | None = None, event_time: float | None = None,
           configuration_id: str = "lab-notification", source_ip: str = "127.0.0.1",
           principal_id: str = "AWS:AIDAEXAMPLEPRINCIPAL") -> dict[str, Any]:
    """An S3 ``ObjectCreated:Put`` notification (one record); ``key`` is URL-encoded as S3 does."""
    obj: dict[str, Any] = {
        "key": quote_plus(key),
        "size": int(size),
        "eTag": (etag or hashlib.md5(key.encode()).hexdigest()).strip('"'),
        "sequencer": _hex(18),
    }
    if version_id:
        obj["versionId"] = version_id
    return {"Records": [_s3_record(event_name, bucket, obj, region, event_time, configuration_id,
                                   source_ip, principal_id)]}


def s3_delete(bucket: str, key: str, *, region: str = DEFAULT_REGION,
              event_name: str = "ObjectRemoved:Delete", version_id: str | None = None,
              event_time: float | None = None, configuration_id: str = "lab-notification",
              source_ip: str = "127.0.0.1",
              principal_id: str = "AWS:AIDAEXAMPLEPRINCIPAL") -> dict[str, Any]:
    """An S3 ``ObjectRemoved:Delete`` notification: the object has no size or eTag, as on AWS."""
    obj: dict[str, Any] = {"key": quote_plus(key), "sequencer": _hex(18)}
    if version_id:
        obj["versionId"] = version_id
    return {"Records": [_s3_record(event_name, bucket, obj, region, event_time, configuration_id,
                                   source_ip, principal_id)]}


# -- API Gateway -------------------------------------------------------------------------------
Headers = Mapping[str, str] | Sequence[tuple[str, str]]


def _header_pairs(headers: Headers | None) -> list[tuple[str, str]]:
    if not headers:
        return []
    if isinstance(headers, Mapping):
        return [(str(k), str(v)) for k, v in headers.items()]
    return [(str(k), str(v)) for k, v in headers]


def _query_pairs(query: str | Mapping[str, Any] | Sequence[tuple[str, str]] | None
                 ) -> tuple[list[tuple[str, str]], str]:
    """(pairs, raw query string) from a raw string, a mapping (lists allowed) or pairs."""
    if not query:
        return [], ""
    if isinstance(query, str):
        raw = query[1:] if query.startswith("?") else query
        return parse_qsl(raw, keep_blank_values=True), raw
    if isinstance(query, Mapping):
        pairs = []
        for k, v in query.items():
            for item in (v if isinstance(v, (list, tuple)) else [v]):
                pairs.append((str(k), str(item)))
    else:
        pairs = [(str(k), str(v)) for k, v in query]
    return pairs, urlencode(pairs)


def _body_fields(body: str | bytes | dict | list | None, is_base64: bool | None
                 ) -> tuple[str | None, bool]:
    if body is None:
        return None, False
    if isinstance(body, (dict, list)):
        return json.dumps(body), False
    if isinstance(body, bytes):
        if is_base64 is False:
            return body.decode("utf-8", errors="replace"), False
        return base64.b64encode(body).decode("ascii"), True
    return body, bool(is_base64)


def _domain(api_id: str, region: str) -> str:
    return f"{api_id}.execute-api.{region}.amazonaws.com"


def _gateway_headers(api_id: str, region: str, source_ip: str) -> list[tuple[str, str]]:
    """What API Gateway adds in front of every integration request."""
    return [("Host", _domain(api_id, region)),
            ("X-Amzn-Trace-Id", f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"),
            ("X-Forwarded-For", source_ip), ("X-Forwarded-Port", "443"), ("X-Forwarded-Proto", "https")]


def apigw_v1(method: str = "GET", path: str = "/", *, resource: str | None = None,
             headers: Headers | None = None, query: str | Mapping[str, Any] | None = None,
             path_parameters: Mapping[str, str] | None = None,
             stage_variables: Mapping[str, str] | None = None,
             body: str | bytes | dict | list | None = None, is_base64: bool | None = None,
             api_id: str = "abcdef1234", stage: str = "prod", region: str = DEFAULT_REGION,
             account_id: str = DEFAULT_ACCOUNT, source_ip: str = "127.0.0.1",
             request_id: str | None = None, resource_id: str | None = None,
             request_time: float | None = None, stage_in_path: bool = True) -> dict[str, Any]:
    """A REST API Lambda proxy event (payload format 1.0).

    ``headers`` may be a dict or (name, value) pairs (repeat a name for several values);
    ``query`` a raw query string, a dict (lists allowed) or pairs. As AWS does, the single-value
    maps keep the LAST value and ``multiValue*`` keep them all; empty query, path and stage
    maps become ``None``. Headers are never ``None``: a request through API Gateway always has
    some, so without ``headers`` the event carries the ones the gateway adds itself (Host,
    X-Amzn-Trace-Id, X-Forwarded-For/Port/Proto), as Powertools' models expect.
    Source: "Input format of a Lambda function for proxy integration", API Gateway guide.
    """
    method = method.upper()
    if headers is None:
        headers = _gateway_headers(api_id, region, source_ip)
    pairs = _header_pairs(headers)
    single_h: dict[str, str] = {}
    multi_h: dict[str, list[str]] = {}
    for k, v in pairs:
        single_h[k] = v
        multi_h.setdefault(k, []).append(v)
    user_agent = next((v for k, v in pairs if k.lower() == "user-agent"), None)
    qpairs, _ = _query_pairs(query)
    single_q: dict[str, str] = {}
    multi_q: dict[str, list[str]] = {}
    for k, v in qpairs:
        single_q[k] = v
        multi_q.setdefault(k, []).append(v)
    body_text, b64 = _body_fields(body, is_base64)
    now = time.time() if request_time is None else request_time
    request_id = request_id or str(uuid.uuid4())
    context_path = f"/{stage}{path}" if stage_in_path and stage != "$default" else path
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": single_h,
        "multiValueHeaders": multi_h,
        "queryStringParameters": single_q or None,
        "multiValueQueryStringParameters": multi_q or None,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": dict(stage_variables) if stage_variables else None,
        "requestContext": {
            "accountId": account_id,
            "apiId": api_id,
            "domainName": _domain(api_id, region),
            "domainPrefix": api_id,
            "extendedRequestId": base64.b32encode(uuid.uuid4().bytes).decode()[:16],
            "httpMethod": method,
            "identity": {
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "sourceIp": source_ip,
                "user": None,
                "userAgent": user_agent,
                "userArn": None,
            },
            "path": context_path,
            "protocol": "HTTP/1.1",
            "requestId": request_id,
            "requestTime": apigw_time(now),
            "requestTimeEpoch": int(now * 1000),
            "resourceId": resource_id or _hex(6).lower(),
            "resourcePath": resource or path,
            "stage": stage,
        },
        "body": body_text,
        "isBase64Encoded": b64,
    }


def apigw_v2(method: str = "GET", path: str = "/", *, route_key: str | None = None,
             headers: Headers | None = None, query: str | Mapping[str, Any] | None = None,
             cookies: Iterable[str] | None = None,
             path_parameters: Mapping[str, str] | None = None,
             stage_variables: Mapping[str, str] | None = None,
             body: str | bytes | dict | list | None = None, is_base64: bool | None = None,
             api_id: str = "abcdef1234", stage: str = "$default", region: str = DEFAULT_REGION,
             account_id: str = DEFAULT_ACCOUNT, source_ip: str = "127.0.0.1",
             request_id: str | None = None, request_time: float | None = None) -> dict[str, Any]:
    """An HTTP API Lambda proxy event (payload format 2.0).

    Header names are lower-cased and repeated headers joined with commas; repeated query
    parameters are joined with commas; the ``Cookie`` header moves to ``cookies``. ``rawPath``
    keeps the stage prefix for a named stage, as AWS does. Optional fields (cookies, query,
    path parameters, stage variables, body) are left out when empty, as on AWS.
    Source: "Create AWS Lambda proxy integrations for HTTP APIs", API Gateway guide.
    """
    method = method.upper()
    if headers is None:
        headers = _gateway_headers(api_id, region, source_ip)
    joined: dict[str, str] = {}
    cookie_list = list(cookies or [])
    for k, v in _header_pairs(headers):
        name = k.lower()
        if name == "cookie":
            cookie_list.extend(c.strip() for c in v.split(";") if c.strip())
            continue
        joined[name] = f"{joined[name]},{v}" if name in joined else v
    qpairs, raw_query = _query_pairs(query)
    qjoined: dict[str, str] = {}
    for k, v in qpairs:
        qjoined[k] = f"{qjoined[k]},{v}" if k in qjoined else v
    body_text, b64 = _body_fields(body, is_base64)
    now = time.time() if request_time is None else request_time
    request_id = request_id or base64.b32encode(uuid.uuid4().bytes).decode()[:16] + "="
    raw_path = path if stage == "$default" else f"/{stage}{path}"
    route_key = route_key or f"{method} {path}"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookie_list:
        event["cookies"] = cookie_list
    event["headers"] = joined
    if qjoined:
        event["queryStringParameters"] = qjoined
    event["requestContext"] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": _domain(api_id, region),
        "domainPrefix": api_id,
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": joined.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": stage,
        "time": apigw_time(now),
        "timeEpoch": int(now * 1000),
    }
    if body_text is not None:
        event["body"] = body_text
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    event["isBase64Encoded"] = b64
    if stage_variables:
        event["stageVariables"] = dict(stage_variables)
    return event


# -- SQS ---------------------------------------------------------------------------------------
def sqs(*messages: str | dict | list, queue: str = "lab-queue", region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT, attributes: Mapping[str, Any] | None = None,
        message_group_id: str | None = None) -> dict[str, Any]:
    """An SQS event source mapping batch: one record per message (dicts are JSON-encoded).

    ``attributes`` become every record's ``messageAttributes`` in SQS's typed form.
    Source: "Using Lambda with Amazon SQS", example standard queue message event.
    """
    queue_arn = queue if queue.startswith("arn:") else f"arn:aws:sqs:{region}:{account_id}:{queue}"
    now_ms = str(int(time.time() * 1000))
    records = []
    for message in messages or ("Hello from SQS!",):
        body = message if isinstance(message, str) else json.dumps(message)
        attrs = {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": now_ms,
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": now_ms,
        }
        if message_group_id or queue_arn.endswith(".fifo"):
            attrs["MessageGroupId"] = message_group_id or "1"
            attrs["MessageDeduplicationId"] = hashlib.sha256(body.encode()).hexdigest()
            attrs["SequenceNumber"] = str(18849496460467696128 + len(records))
        records.append({
            "messageId": str(uuid.uuid4()),
            "receiptHandle": base64.b64encode(uuid.uuid4().bytes * 4).decode(),
            "body": body,
            "attributes": attrs,
            "messageAttributes": {k: _sqs_attribute(v) for k, v in (attributes or {}).items()},
            "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": region,
        })
    return {"Records": records}


def _sqs_attribute(value: Any) -> dict[str, Any]:
    if isinstance(value, bytes):
        return {"binaryValue": base64.b64encode(value).decode(), "stringListValues": [],
                "binaryListValues": [], "dataType": "Binary"}
    kind = "Number" if isinstance(value, (int, float)) and not isinstance(value, bool) else "String"
    return {"stringValue": str(value), "stringListValues": [], "binaryListValues": [],
            "dataType": kind}


# -- SNS ---------------------------------------------------------------------------------------
def sns(message: str | dict, *, topic: str = "lab-topic", subject: str | None = None,
        attributes: Mapping[str, Any] | None = None, region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT) -> dict[str, Any]:
    """An SNS notification delivered to Lambda (one record); dict messages are JSON-encoded.

    Source: "Using AWS Lambda with Amazon SNS", example SNS event.
    """
    topic_arn = topic if topic.startswith("arn:") else f"arn:aws:sns:{region}:{account_id}:{topic}"
    body = message if isinstance(message, str) else json.dumps(message)
    attrs = {}
    for k, v in (attributes or {}).items():
        kind = "Number" if isinstance(v, (int, float)) and not isinstance(v, bool) else "String"
        attrs[k] = {"Type": kind, "Value": str(v)}
    sub_arn = f"{topic_arn}:{uuid.uuid4()}"
    return {"Records": [{
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": sub_arn,
        "Sns": {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": topic_arn,
            "Subject": subject,
            "Message": body,
            "Timestamp": iso_time(millis=True),
            "SignatureVersion": "1",
            "Signature": base64.b64encode(hashlib.sha256(body.encode()).digest()).decode(),
            "SigningCertUrl": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-"
                              "0000000000000000000000.pem",
            "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&"
                              f"SubscriptionArn={sub_arn}",
            "MessageAttributes": attrs,
        },
    }]}


# -- DynamoDB Streams --------------------------------------------------------------------------
def _is_typed(image: Mapping[str, Any]) -> bool:
    types = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}
    return all(isinstance(v, dict) and len(v) == 1 and next(iter(v)) in types
               for v in image.values())


def _wire(value: Any) -> Any:
    """A typed attribute value as the stream delivers it in JSON: binary (B, BS) in base64."""
    if isinstance(value, dict) and len(value) == 1:
        (kind, inner), = value.items()
        if kind == "B":
            return {"B": _b64(inner)}
        if kind == "BS":
            return {"BS": [_b64(v) for v in inner]}
        if kind == "M" and isinstance(inner, Mapping):
            return {"M": {k: _wire(v) for k, v in inner.items()}}
        if kind == "L" and isinstance(inner, (list, tuple)):
            return {"L": [_wire(v) for v in inner]}
    return value


def _b64(value: Any) -> str:
    if isinstance(value, str):
        return value                       # already base64 text, as the stream sends it
    raw = getattr(value, "value", value)  # boto3.dynamodb.types.Binary
    return base64.b64encode(bytes(raw)).decode("ascii")


def _typed(image: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if image is None:
        return None
    if image and _is_typed(image):
        return {k: _wire(v) for k, v in image.items()}
    from boto3.dynamodb.types import TypeSerializer

    ser = TypeSerializer()
    out = {}
    for k, v in image.items():
        out[k] = _wire(ser.serialize(_decimals(v)))
    return out


def _decimals(value: Any) -> Any:
    """DynamoDB numbers are Decimals: floats anywhere in a plain image become Decimal."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, Mapping):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value


def dynamodb_stream(new_image: Mapping[str, Any] | None = None,
                    old_image: Mapping[str, Any] | None = None, event_name: str | None = None,
                    *, keys: Sequence[str] | None = None, table: str = "lab-table",
                    view_type: str = "NEW_AND_OLD_IMAGES", region: str = DEFAULT_REGION,
                    account_id: str = DEFAULT_ACCOUNT,
                    sequence_number: str = "111") -> dict[str, Any]:
    """A DynamoDB Streams record. Images may be plain Python dicts (typed for you) or typed.

    ``event_name`` defaults from the images: INSERT (new only), MODIFY (both), REMOVE (old
    only). ``keys`` names the key attributes (default: ``id``/``pk`` if present, else the
    first attribute). Source: "Using AWS Lambda with Amazon DynamoDB", example event.
    """
    new_t, old_t = _typed(new_image), _typed(old_image)
    if event_name is None:
        event_name = "MODIFY" if new_t and old_t else ("INSERT" if new_t is not None else "REMOVE")
    if event_name not in ("INSERT", "MODIFY", "REMOVE"):
        raise ValueError("event_name must be INSERT, MODIFY or REMOVE (as DynamoDB Streams sends)")
    any_image = new_t or old_t or {}
    if keys is None:
        keys = [k for k in ("id", "pk", "PK", "Id") if k in any_image][:1] or list(any_image)[:1]
    record_ddb: dict[str, Any] = {
        "ApproximateCreationDateTime": float(int(time.time())),
        "Keys": {k: any_image[k] for k in keys if k in any_image},
    }
    if new_t is not None and view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        record_ddb["NewImage"] = new_t
    if old_t is not None and view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        record_ddb["OldImage"] = old_t
    record_ddb["SequenceNumber"] = sequence_number
    record_ddb["SizeBytes"] = len(json.dumps(new_t or old_t or {}))
    record_ddb["StreamViewType"] = view_type
    return {"Records": [{
        "eventID": uuid.uuid4().hex,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": record_ddb,
        "eventSourceARN": f"arn:aws:dynamodb:{region}:{account_id}:table/{table}/stream/"
                          f"{iso_time(millis=True)[:-1]}",
    }]}


# -- EventBridge -------------------------------------------------------------------------------
def eventbridge(source: str = "com.example.lab", detail_type: str = "Lab Event",
                detail: Mapping[str, Any] | None = None, *, resources: Sequence[str] = (),
                region: str = DEFAULT_REGION, account_id: str = DEFAULT_ACCOUNT,
                event_id: str | None = None, event_time: float | None = None) -> dict[str, Any]:
    """An EventBridge event as a rule target receives it.

    Source: "Amazon EventBridge events" (event structure), EventBridge user guide.
    """
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account_id,
        "time": iso_time(event_time),
        "region": region,
        "resources": list(resources),
        "detail": dict(detail or {}),
    }


def schedule(rule_arn: str = f"arn:aws:events:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:rule/lab-schedule",
             *, event_time: float | None = None, event_id: str | None = None) -> dict[str, Any]:
    """The "Scheduled Event" a schedule rule sends (source ``aws.events``, empty detail).

    Region and account are read from ``rule_arn``. Source: "Creating an Amazon EventBridge
    rule that runs on a schedule" / Lambda "Using Lambda with EventBridge (schedule)".
    """
    parts = rule_arn.split(":")
    region = parts[3] if len(parts) > 4 and parts[3] else DEFAULT_REGION
    account = parts[4] if len(parts) > 4 and parts[4] else DEFAULT_ACCOUNT
    return eventbridge("aws.events", "Scheduled Event", {}, resources=[rule_arn], region=region,
                       account_id=account, event_id=event_id, event_time=event_time)
