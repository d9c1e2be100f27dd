"""mock_aws(): the mocked world, its shared endpoint, its safety rails, its backends."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import boto3
import pytest
from botocore.exceptions import ClientError

from serverless_lab import current_session, mock_aws, start_lab
from serverless_lab.cloud.credentials import real_credentials_present
from serverless_lab.cloud.real_aws import CONFIRMATION, OPT_IN_VARIABLE, RealAWS
from serverless_lab.errors import MockAlreadyActiveError, PortInUseError, RealAWSNotConfirmedError


def test_notebook_to_moto_round_trip(aws, unique):
    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = unique("round-trip")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"hello")
    assert s3.get_object(Bucket=bucket, Key="a.txt")["Body"].read() == b"hello"
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket=bucket, Key="missing")
    assert err.value.response["Error"]["Code"] == "NoSuchKey"


def test_subprocess_sees_the_same_state_through_the_endpoint(aws, unique):
    table = unique("shared")
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    code = (
        "import boto3, sys\n"
        "t = boto3.resource('dynamodb').Table(sys.argv[1])\n"
        "t.put_item(Item={'pk': 'from-child', 'n': 7})\n"
        "print(len(boto3.client('s3').list_buckets()['Buckets']))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.run([sys.executable, "-c", code, table], env={**env, **aws.env()},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    item = ddb.get_item(TableName=table, Key={"pk": {"S": "from-child"}})["Item"]
    assert item["n"] == {"N": "7"}
    assert aws.endpoint_url.startswith("http://127.0.0.1:")


def test_fake_credentials_while_running_and_restored_after(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKINGKEY000")
    monkeypatch.setenv("AWS_PROFILE", "production")
    with mock_aws() as aws:
        assert os.environ["AWS_ACCESS_KEY_ID"] in {"testing", "FOOBARKEY"}  # ours or moto's fake key
        assert "AWS_PROFILE" not in os.environ
        assert aws.env()["AWS_ACCESS_KEY_ID"] == "testing"
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAREALLOOKINGKEY000"
    assert os.environ["AWS_PROFILE"] == "production"


def test_real_credentials_are_detected():
    found = real_credentials_present({"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_PROFILE": "x",
                                      "AWS_SHARED_CREDENTIALS_FILE": os.devnull + "-none"})
    assert "AWS_ACCESS_KEY_ID" in found and "AWS_PROFILE" in found
    assert real_credentials_present({"AWS_ACCESS_KEY_ID": "testing",
                                     "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}) == []


def test_nested_mock_joins_the_running_world_and_leaves_it_running():
    """As moto's own helpers do: `with mock_aws():` inside a running mock shares its world."""
    import boto3

    with mock_aws() as outer:
        boto3.client("s3").create_bucket(Bucket="outer-bucket")
        with mock_aws() as inner:
            assert current_session() is outer
            assert inner.endpoint_url == outer.endpoint_url
            assert inner.extension("lambda") is outer.extension("lambda")
            names = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
            assert names == ["outer-bucket"]
            boto3.client("s3").create_bucket(Bucket="inner-bucket")

        @mock_aws
        def helper():
            return sorted(b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"])

        assert helper() == ["inner-bucket", "outer-bucket"]       # the world survived both exits
        assert current_session() is outer and outer.started
        outer.extension("lambda")                                  # extensions still running
    assert current_session() is None


def test_nested_mock_that_cannot_share_the_world_gets_a_clear_error():
    with mock_aws():
        with pytest.raises(MockAlreadyActiveError) as err:
            mock_aws(config={"core": {"service_whitelist": ["s3"]}}).start()
        assert "already running" in str(err.value) and "config" in str(err.value)
        assert "stop()" in err.value.next_step
        with pytest.raises(MockAlreadyActiveError, match="backend"):
            mock_aws(backend="server", endpoint_url="http://127.0.0.1:1").start()
    assert current_session() is None
    with mock_aws(extensions=["lambda"]):
        with pytest.raises(MockAlreadyActiveError, match="fargate"):
            mock_aws(extensions=["fargate"]).start()
    assert current_session() is None


def test_start_lab_is_idempotent():
    first = start_lab()
    try:
        assert start_lab() is first
    finally:
        first.stop()
    assert current_session() is None


def test_decorator_and_start_stop_forms(unique):
    bucket = unique("deco")

    @mock_aws
    def make() -> list[str]:
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=bucket)
        return [b["Name"] for b in s3.list_buckets()["Buckets"]]

    assert make() == [bucket]
    assert make() == [bucket], "each decorated call starts from an empty world"

    @mock_aws(config={"iam": {"load_aws_managed_policies": False}})
    def with_config() -> bool:
        return current_session() is not None

    assert with_config()
    session = mock_aws().start()
    session.stop()
    session.stop()  # stopping twice is harmless
    assert current_session() is None


def test_port_already_taken_is_explained():
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    try:
        with pytest.raises(PortInUseError) as err:
            mock_aws(port=port).start()
        assert str(port) in err.value.message and "port=0" in err.value.next_step
        assert current_session() is None, "a failed start leaves nothing running"
        with mock_aws():  # and the next start works
            pass
    finally:
        holder.close()


def test_step_functions_execute_real_asl(aws, unique):
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    definition = ('{"StartAt": "Double", "States": {"Double": {"Type": "Pass", "Parameters": '
                  '{"value.$": "States.MathAdd($.n, $.n)"}, "End": true}}}')
    arn = sfn.create_state_machine(name=unique("sm"), definition=definition,
                                   roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
    exec_arn = sfn.start_execution(stateMachineArn=arn, input='{"n": 21}')["executionArn"]
    import time

    for _ in range(100):
        desc = sfn.describe_execution(executionArn=exec_arn)
        if desc["status"] != "RUNNING":
            break
        time.sleep(0.05)
    assert desc["status"] == "SUCCEEDED"
    assert json.loads(desc["output"]) == {"value": 42}


def test_lab_clock_fast_forwards(aws):
    fired = []
    start = aws.clock.now()
    aws.clock.call_later(300, lambda: fired.append(aws.clock.now()))
    assert not fired
    aws.clock.advance(301)
    assert len(fired) == 1 and fired[0] - start >= 300


def test_server_backend_needs_a_url_and_uses_it(unique):
    from serverless_lab.errors import LabError

    with pytest.raises(LabError):
        mock_aws(backend="server")
    with mock_aws(extensions=[]) as shared:
        url = shared.endpoint_url
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=unique("classroom"))
        # a second process is the classroom's student: it joins through the URL
        code = ("from serverless_lab import mock_aws\nimport boto3\n"
                f"with mock_aws(backend='server', endpoint_url={url!r}) as aws:\n"
                "    print(len(aws.client('s3').list_buckets()['Buckets']))\n")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                              env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")})
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == "1"


def test_real_aws_needs_both_opt_ins(monkeypatch):
    monkeypatch.delenv(OPT_IN_VARIABLE, raising=False)
    with pytest.raises(RealAWSNotConfirmedError) as err:
        mock_aws(backend="aws", confirm=CONFIRMATION).start()
    assert OPT_IN_VARIABLE in err.value.next_step
    monkeypatch.setenv(OPT_IN_VARIABLE, "1")
    with pytest.raises(RealAWSNotConfirmedError):
        RealAWS.opt_in(region="us-east-1", confirm="yes", prompt=False)
    assert current_session() is None


def test_real_aws_teardown_removes_only_prefixed_resources(unique):
    """The teardown logic, exercised against moto standing in for an account."""
    with mock_aws(extensions=[]):
        real = RealAWS(region="us-east-1", prefix="sl-test1234", session_tag="test1234",
                       boto_session=boto3.session.Session(region_name="us-east-1"))
        s3 = real.client("s3")
        s3.create_bucket(Bucket=real.name("data"))
        s3.put_object(Bucket=real.name("data"), Key="k", Body=b"x")
        s3.create_bucket(Bucket="someone-elses-bucket")
        sqs = real.client("sqs")
        sqs.create_queue(QueueName=real.name("q"))
        sqs.create_queue(QueueName="keep-me")
        deleted = real.teardown()
        assert f"s3:{real.name('data')}" in deleted and f"sqs:{real.name('q')}" in deleted
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["someone-elses-bucket"]
        assert len(sqs.list_queues()["QueueUrls"]) == 1
