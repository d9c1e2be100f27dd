"""The capstone's HTTP API: presigned upload URLs, the results, and the web page.

Routes (HTTP API, payload format 2.0):
  GET  /                     the web page (index.html beside this file)
  POST /uploads              {"filename": "sales.csv"} -> a presigned S3 PUT URL and the file's id
  GET  /results              every processed file, newest first
  GET  /results/{file_id}    one result, 404 until the processor has stored it

This function never reads or processes the uploaded bytes: S3 triggers the processor.
"""

import json
import os
import re
import time
import uuid

import boto3
from aws_lambda_powertools import Logger, Metrics
from botocore.config import Config
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
metrics = Metrics()
# Signature Version 4: the only one S3 accepts for buckets created since June 2020
s3 = boto3.client("s3", config=Config(signature_version="s3v4"))
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
BUCKET = os.environ["BUCKET_NAME"]
URL_TTL_S = 300
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,120}$")

with open(os.path.join(os.path.dirname(__file__), "index.html"), encoding="utf-8") as f:
    PAGE = f.read()


def _json(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body, default=str)}


def _plain(item):
    """DynamoDB numbers come back as Decimal: JSON wants int or float."""
    out = {}
    for k, v in item.items():
        if isinstance(v, dict):
            out[k] = _plain(v)
        elif hasattr(v, "as_tuple"):
            out[k] = int(v) if v == int(v) else float(v)
        else:
            out[k] = v
    return out


def create_upload(event):
    try:
        body = json.loads(event.get("body") or "{}")
    except ValueError:
        return _json(400, {"message": "The body must be JSON: {\"filename\": \"data.csv\"}"})
    name = str(body.get("filename", ""))
    if not SAFE_NAME.match(name):
        return _json(400, {"message": "filename must be 1-121 letters, digits, '.', '_', '-' or spaces"})
    file_id = uuid.uuid4().hex[:16]
    key = f"uploads/{file_id}/{name}"
    url = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": key},
                                    ExpiresIn=URL_TTL_S)
    logger.append_keys(file_id=file_id)
    logger.info("upload URL issued", extra={"key": key})
    metrics.add_metric(name="UploadUrlsIssued", unit=MetricUnit.Count, value=1)
    return _json(201, {"file_id": file_id, "key": key, "upload_url": url, "expires_in": URL_TTL_S})


def list_results():
    items, kwargs = [], {}
    while True:
        page = table.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    items.sort(key=lambda i: i.get("processed_at", ""), reverse=True)
    return _json(200, {"results": [_plain(i) for i in items], "count": len(items)})


def get_result(file_id):
    item = table.get_item(Key={"file_id": file_id}).get("Item")
    if item is None:
        return _json(404, {"message": f"No result for {file_id} yet"})
    return _json(200, _plain(item))


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def handler(event, context):
    route = event.get("routeKey", "")
    started = time.time()
    if route == "GET /":
        response = {"statusCode": 200, "headers": {"Content-Type": "text/html; charset=utf-8"},
                    "body": PAGE}
    elif route == "POST /uploads":
        response = create_upload(event)
    elif route == "GET /results":
        response = list_results()
    elif route == "GET /results/{file_id}":
        response = get_result(event["pathParameters"]["file_id"])
    else:
        response = _json(404, {"message": "Not Found"})
    logger.info("request served", extra={"route": route, "status": response["statusCode"],
                                         "ms": round((time.time() - started) * 1000, 2)})
    return response
