"""S3 event notification records as S3 sends them (issue 28).

Compared field by field with the sample in the S3 User Guide, "Event message structure":
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
(userIdentity, requestParameters.sourceIPAddress, responseElements x-amz-request-id / x-amz-id-2,
bucket ownerIdentity, object sequencer: hexadecimal, the greater one is the later event on a key),
and the event types of "Event notification types and destinations":
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html
(s3:ObjectCreated:Put, :Copy, :CompleteMultipartUpload; s3:ObjectRemoved:Delete).
The records go to an SQS queue: the same record moto hands to Lambda, SQS and SNS.
"""

from __future__ import annotations

import json

import boto3
import pytest

REGION = "us-east-1"


@pytest.fixture
def wired(aws, unique):
    """A bucket that notifies a queue of every ObjectCreated and ObjectRemoved event."""
    s3, sqs = boto3.client("s3", region_name=REGION), boto3.client("sqs", region_name=REGION)
    aws.extension("integrations")
    bucket = unique("photos")
    s3.create_bucket(Bucket=bucket)
    url = sqs.create_queue(QueueName=unique("events"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"Id": "all-changes", "QueueArn": arn,
                                 "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}]})
    drain(sqs, url)   # the s3:TestEvent S3 sends when the configuration is saved

    def records() -> list[dict]:
        return [r for body in drain(sqs, url) for r in json.loads(body).get("Records", [])]

    return s3, bucket, records


def drain(sqs, url: str) -> list[str]:
    out: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        out += [m["Body"] for m in got]
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_put_record_has_every_field_of_the_documented_sample(wired):
    s3, bucket, records = wired
    s3.put_object(Bucket=bucket, Key="cat.jpg", Body=b"x" * 1024)
    [r] = records()
    assert set(r) == {"eventVersion", "eventSource", "awsRegion", "eventTime", "eventName", "userIdentity",
                      "requestParameters", "responseElements", "s3"}
    assert r["eventName"] == "ObjectCreated:Put" and r["eventSource"] == "aws:s3"
    assert r["userIdentity"]["principalId"]
    assert r["requestParameters"] == {"sourceIPAddress": "127.0.0.1"}
    assert set(r["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    assert set(r["s3"]) == {"s3SchemaVersion", "configurationId", "bucket", "object"}
    assert r["s3"]["configurationId"] == "all-changes"
    assert set(r["s3"]["bucket"]) == {"name", "ownerIdentity", "arn"}
    assert r["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    obj = r["s3"]["object"]
    assert set(obj) == {"key", "size", "eTag", "sequencer"}   # versionId only on a versioned bucket
    assert obj["key"] == "cat.jpg" and obj["size"] == 1024 and '"' not in obj["eTag"]
    int(obj["sequencer"], 16)


def test_removed_records_carry_no_etag_or_size_and_sequencers_increase(wired):
    s3, bucket, records = wired
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"one")
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"two")
    s3.delete_object(Bucket=bucket, Key="doc.txt")
    got = records()
    assert [r["eventName"] for r in got] == ["ObjectCreated:Put", "ObjectCreated:Put", "ObjectRemoved:Delete"]
    assert set(got[2]["s3"]["object"]) == {"key", "sequencer"}
    seqs = [r["s3"]["object"]["sequencer"] for r in got]
    width = max(map(len, seqs))   # the page: left-pad the shorter one with zeros, then compare
    padded = [s.rjust(width, "0") for s in seqs]
    assert padded == sorted(padded) and len(set(padded)) == 3


def test_copy_and_multipart_report_their_own_event_types(wired):
    s3, bucket, records = wired
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    s3.copy_object(Bucket=bucket, Key="b.txt", CopySource={"Bucket": bucket, "Key": "a.txt"})
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big.bin")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="big.bin", UploadId=upload, PartNumber=1, Body=b"z" * 100)
    s3.complete_multipart_upload(Bucket=bucket, Key="big.bin", UploadId=upload,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    got = [(r["eventName"], r["s3"]["object"]["key"]) for r in records()]
    assert got == [("ObjectCreated:Put", "a.txt"), ("ObjectCreated:Copy", "b.txt"),
                   ("ObjectCreated:CompleteMultipartUpload", "big.bin")]


def test_versioned_bucket_records_carry_the_version(wired):
    s3, bucket, records = wired
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket=bucket, Key="v.txt", Body=b"v")["VersionId"]
    [r] = records()
    assert r["s3"]["object"]["versionId"] == version
