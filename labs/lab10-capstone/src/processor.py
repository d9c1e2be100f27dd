"""The capstone's processor, first version: S3 calls it for every object created under uploads/.

It reads the object and stores what it found in DynamoDB under the file's id (the folder after
uploads/ in the key): the size, the kind (from the extension) and, for text files, the number of
lines and words. Lab 10's exercise 4 replaces it with a full summariser (CSV statistics, malformed
files refused).

A file it cannot read raises: S3 invokes asynchronously, so Lambda retries twice and then sends
the event to the dead-letter queue (the template's DeadLetterQueue).

Environment: TABLE_NAME; FALLBACK_ENCODING (optional, e.g. "latin-1": how to read a text file
that is not valid UTF-8; unset, such a file is refused).
"""

import os
import time
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
metrics = Metrics()
s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
TEXT = {"csv", "txt", "md", "log", "json", "tsv"}


def decode(data):
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fallback = os.environ.get("FALLBACK_ENCODING")
        if fallback:
            return data.decode(fallback)
        raise ValueError(f"not UTF-8 at byte {exc.start}; set FALLBACK_ENCODING to read it") from exc


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        parts = key.split("/")
        file_id = parts[1] if len(parts) >= 3 else key
        logger.append_keys(file_id=file_id)
        data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        ext = key.rsplit(".", 1)[-1].lower() if "." in parts[-1] else ""
        item = {"file_id": file_id, "key": key, "filename": parts[-1], "size": len(data),
                "kind": ext if ext in TEXT else "other",
                "processed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "request_id": context.aws_request_id}
        if ext in TEXT:
            try:
                text = decode(data)
            except ValueError as exc:
                metrics.add_metric(name="FilesFailed", unit=MetricUnit.Count, value=1)
                logger.error("cannot read the file", extra={"key": key, "reason": str(exc)})
                raise
            item["lines"] = len(text.splitlines())
            item["words"] = len(text.split())
        table.put_item(Item=item)
        metrics.add_metric(name="FilesProcessed", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="BytesProcessed", unit=MetricUnit.Bytes, value=len(data))
        logger.info("file processed", extra={"key": key, "kind": item["kind"], "size": len(data)})
    return {"processed": len(event["Records"])}
