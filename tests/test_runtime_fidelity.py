"""What real clients and moto's own Lambda tests found: the handler's world must be AWS's.

Each test here would have caught one gap: a handler importing the course's virtual environment,
stack traces naming temporary folders, runtimes AWS offers (or refuses), a function outside the
default region treated as if it were in it.
"""

from __future__ import annotations

import io
import json
import zipfile

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lambda_helpers import create
from serverless_lab.packaging import layer_zip, publish_layer, zip_code

NO_RETRY = Config(retries={"total_max_attempts": 1})


def invoke(lam, name: str, event=None, **kw) -> dict:
    resp = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), **kw)
    resp["body"] = json.loads(resp["Payload"].read() or b"null")
    return resp


# -- 1. the handler's path: its code, its layers, AWS's runtime; nothing else ---------------------
@pytest.mark.parametrize("module", ["flask", "numpy", "pydantic", "aws_lambda_powertools", "moto",
                                    "serverless_lab", "pytest"])
def test_packages_of_the_course_venv_are_not_importable(aws, unique, module):
    lam = boto3.client("lambda")
    name = unique("leak")
    create(lam, name, f"import {module}\ndef handler(e, c):\n    return 'imported'\n")
    resp = invoke(lam, name)
    assert resp.get("FunctionError") == "Unhandled"
    assert resp["body"]["errorType"] == "Runtime.ImportModuleError"
    assert resp["body"]["errorMessage"] == f"Unable to import module 'app': No module named '{module}'"


def test_what_the_aws_runtime_ships_is_importable(aws, unique):
    lam = boto3.client("lambda")
    name = unique("runtime")
    create(lam, name, """
        import sys, json, sqlite3, ctypes, decimal
        import boto3, botocore, s3transfer, jmespath, dateutil, urllib3, six
        from importlib import metadata
        def handler(e, c):
            return {"boto3": metadata.version("boto3"), "path": sys.path[:2],
                    "s3": boto3.client("s3").list_buckets()["Buckets"]}
    """)
    body = invoke(lam, name)["body"]
    assert body["boto3"] == boto3.__version__ and body["s3"] == []


def test_a_zip_bundling_its_own_module_shadows_nothing_else(aws, unique):
    lam = boto3.client("lambda")
    name = unique("bundled")
    lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=_role(),
                        Code={"ZipFile": zip_code({
                            "app.py": "import tinylib\ndef handler(e, c):\n    return tinylib.VALUE\n",
                            "tinylib/__init__.py": "VALUE = 'from the zip'\n"})})
    assert invoke(lam, name)["body"] == "from the zip"


def test_layer_zip_packs_a_distribution_with_its_dependencies_but_not_the_runtime():
    blob = layer_zip("aws-lambda-powertools[parser]")
    tops = {n.split("/")[1] for n in zipfile.ZipFile(io.BytesIO(blob)).namelist()}
    assert {"aws_lambda_powertools", "pydantic", "pydantic_core"} <= tops
    assert not tops & {"boto3", "botocore", "jmespath", "urllib3", "dateutil", "s3transfer"}
    assert all(n.startswith("python/") for n in zipfile.ZipFile(io.BytesIO(blob)).namelist())


def test_layer_zip_explains_a_missing_package():
    from serverless_lab.errors import LabError

    with pytest.raises(LabError, match="not installed"):
        layer_zip("surely-not-an-installed-package-xyz")


def test_powertools_parser_runs_from_a_layer(aws, unique):
    lam = boto3.client("lambda")
    layer = publish_layer(lam, unique("pt"), "aws-lambda-powertools[parser]")
    name = unique("parser")
    create(lam, name, """
        from aws_lambda_powertools.utilities.parser import event_parser
        from aws_lambda_powertools.utilities.parser.models import SqsModel
        @event_parser(model=SqsModel)
        def handler(event, context):
            return [r.body for r in event.Records]
    """, Layers=[layer])
    from serverless_lab import sample_events as events

    assert invoke(lam, name, events.sqs("a", "b"))["body"] == ["a", "b"]
    without = unique("nolayer")
    create(lam, without, "from aws_lambda_powertools.utilities.parser import event_parser\n"
                         "def handler(e, c):\n    return 1\n")
    assert invoke(lam, without)["body"]["errorType"] == "Runtime.ImportModuleError"


# -- 5. stack traces name /var/task, as on AWS --------------------------------------------------------
def test_stack_traces_name_var_task(aws, unique):
    lam = boto3.client("lambda")
    name = unique("trace")
    lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=_role(),
                        Code={"ZipFile": zip_code({
                            "app.py": "import helper\ndef handler(event, context):\n    return helper.fail(event)\n",
                            "helper.py": "def fail(event):\n    raise ValueError('boom')\n"})})
    resp = invoke(lam, name)
    stack = resp["body"]["stackTrace"]
    # traceback.format_list, as AWS's runtime writes it (Python 3.11+ may add ^^^ markers)
    assert stack[0].startswith('  File "/var/task/app.py", line 3, in handler\n    return helper.fail(event)\n')
    assert stack[1].startswith('  File "/var/task/helper.py", line 2, in fail\n    raise ValueError(\'boom\')\n')
    assert not any("serverless-lab" in s or "/tmp" in s for s in stack)


def test_layer_frames_name_opt_and_syntax_errors_name_var_task(aws, unique):
    lam = boto3.client("lambda")
    layer = lam.publish_layer_version(LayerName=unique("l"), Content={"ZipFile": zip_code(
        {"python/shared.py": "def boom():\n    raise KeyError('k')\n"})})["LayerVersionArn"]
    name = unique("optframe")
    create(lam, name, "import shared\ndef handler(e, c):\n    shared.boom()\n", Layers=[layer])
    stack = invoke(lam, name)["body"]["stackTrace"]
    assert stack[-1].startswith('  File "/opt/python/shared.py", line 2, in boom')
    bad = unique("syntax")
    create(lam, bad, "def handler(e, c)\n    return 1\n")
    body = invoke(lam, bad)["body"]
    assert body["errorType"] == "Runtime.UserCodeSyntaxError"
    assert body["stackTrace"] == ['  File "/var/task/app.py" Line 1\n        def handler(e, c)\n']


def test_logged_exceptions_name_var_task(aws, unique):
    lam = boto3.client("lambda")
    name = unique("logexc")
    create(lam, name, """
        import logging, traceback
        def handler(e, c):
            try:
                1 / 0
            except ZeroDivisionError:
                return traceback.format_exc()
    """)
    text = invoke(lam, name)["body"]
    assert 'File "/var/task/app.py", line 4, in handler' in text and "1 / 0" in text


# -- 6. the file system as AWS lays it out: /var/task, /opt, /var/lang --------------------------------
FILES_HANDLER = """
import json, os, subprocess, sys
from pathlib import Path

def handler(event, context):
    out = {"cwd": os.getcwd(), "root": os.environ["LAMBDA_TASK_ROOT"], "file": __file__,
           "path": os.environ["PATH"], "executable": sys.executable,
           "relative": json.load(open("data.json")),
           "joined": json.load(open(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "data.json"))),
           "beside": json.loads((Path(__file__).parent / "conf" / "x.json").read_text()),
           "layer": open("/opt/layer.txt").read() if os.path.exists("/opt/layer.txt") else None}
    try:
        open("written.txt", "w")
        out["write_task"] = "ok"
    except OSError as exc:
        out["write_task"] = exc.strerror
    with open("/tmp/scratch.txt", "w") as fh:
        out["write_tmp"] = fh.write("x")
    probe = ("import importlib.util as u, json, os, sys; print(json.dumps({"
             "'path': sys.path, 'cwd': os.getcwd(), 'root': os.environ['LAMBDA_TASK_ROOT'], "
             "'PATH': os.environ['PATH'], 'fn': os.environ['AWS_LAMBDA_FUNCTION_NAME'], "
             "'found': {m: u.find_spec(m) is not None for m in "
             "('app', 'boto3', 'shared', 'moto', 'serverless_lab', 'pytest', 'numpy')}}))")
    for exe in ("python3", sys.executable):
        done = subprocess.run([exe, "-c", probe], capture_output=True, text=True, timeout=60)
        out["sub " + exe] = json.loads(done.stdout) if done.returncode == 0 else done.stderr
    return out
"""


def _files_function(lam, unique) -> str:
    layer = lam.publish_layer_version(LayerName=unique("fl"), Content={"ZipFile": zip_code(
        {"python/shared.py": "X = 1\n", "layer.txt": "from the layer"})})["LayerVersionArn"]
    name = unique("files")
    lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=_role(), Timeout=60,
                        Layers=[layer], Code={"ZipFile": zip_code({
                            "app.py": FILES_HANDLER, "data.json": '{"from": "the zip"}',
                            "conf/x.json": '{"beside": true}'})})
    return name


def test_code_is_at_var_task_and_reads_its_own_files(aws, unique):
    """LAMBDA_TASK_ROOT is /var/task, the working directory too, the handler's __file__ is
    /var/task/app.py, layers are under /opt, and the zip's own files open by any of the usual paths.
    /var/task is read-only; /tmp is writable. PATH starts with /var/lang/bin.
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
    https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html (layers under /opt)
    https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html (only /tmp is writable)"""
    lam = boto3.client("lambda")
    name = _files_function(lam, unique)
    body = invoke(lam, name)["body"]
    layouts = {e["layout"] for e in aws.extension("lambda").environments() if e["function"] == name}
    if layouts != {"namespace"}:
        pytest.skip("this Linux refuses unprivileged user namespaces: the 'paths' layout is tested below")
    assert body["cwd"] == body["root"] == "/var/task" and body["file"] == "/var/task/app.py"
    assert body["relative"] == body["joined"] == {"from": "the zip"} and body["beside"] == {"beside": True}
    assert body["layer"] == "from the layer"
    assert body["write_task"] == "Read-only file system" and body["write_tmp"] == 1
    assert body["path"] == "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
    assert body["executable"] == "/var/lang/bin/python3.12"


@pytest.mark.parametrize("layout", ["namespace", "paths"])
def test_a_subprocess_sees_what_the_handler_sees(unique, monkeypatch, layout):
    """A process the handler starts (python3 on PATH, or sys.executable) gets the handler's
    environment variables and import path (its zip, its layers, the runtime's boto3), never the
    course's virtual environment. https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html"""
    from serverless_lab import mock_aws

    if layout == "paths":
        monkeypatch.setenv("SERVERLESS_LAB_LAMBDA_LAYOUT", "paths")
    with mock_aws() as session:
        lam = boto3.client("lambda")
        name = _files_function(lam, unique)
        body = invoke(lam, name)["body"]
        got = {e["layout"] for e in session.extension("lambda").environments() if e["function"] == name}
    if layout == "namespace" and got != {"namespace"}:
        pytest.skip("this Linux refuses unprivileged user namespaces")
    assert got == {layout}
    # the handler reads its files whatever the layout
    assert body["relative"] == body["joined"] == {"from": "the zip"} and body["beside"] == {"beside": True}
    for exe in ("python3", body["executable"]):
        sub = body["sub " + exe]
        assert isinstance(sub, dict), sub
        assert sub["found"] == {"app": True, "boto3": True, "shared": True, "moto": False,
                                "serverless_lab": False, "pytest": False, "numpy": False}
        assert sub["cwd"] == sub["root"] == body["root"] and sub["PATH"] == body["path"] and sub["fn"] == name
        # layers: /opt in the namespace layout; the session's shared, extracted layer versions ("/.layers/N")
        # in the paths layout (a layer version is immutable: versions naming the same layers share it)
        assert not any(".venv" in p or "site-packages" in p and "/var/lang/" not in p and "/opt/" not in p
                       and "/.layers/" not in p and body["root"] not in p and "/runtime/" not in p
                       for p in sub["path"]), sub["path"]


def _role() -> str:
    from serverless_lab.packaging import lambda_role

    return lambda_role()


# -- 2. AWS's runtime list, with its deprecation dates ----------------------------------------------
def test_python314_runs_on_the_local_interpreter(aws, unique):
    import sys

    lam = boto3.client("lambda")
    name = unique("py314")
    create(lam, name, "import os, sys\ndef handler(e, c):\n    return [os.environ['AWS_EXECUTION_ENV'], "
                      "list(sys.version_info[:2])]\n", Runtime="python3.14")
    body = invoke(lam, name)["body"]
    assert body == ["AWS_Lambda_python3.14", list(sys.version_info[:2])]   # simulated, said so


def test_blocked_runtime_is_refused_on_create_and_update_with_aws_error(aws, unique):
    lam = boto3.client("lambda", config=NO_RETRY)
    with pytest.raises(ClientError) as err:
        create(lam, unique("py37"), "def handler(e, c):\n    return 1\n", Runtime="python3.7")
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert err.value.response["Error"]["Message"] == (
        "The runtime parameter of python3.7 is no longer supported for creating or updating AWS Lambda "
        "functions. We recommend you use the new runtime (python3.14) while creating or updating functions.")
    name = unique("ok")
    create(lam, name, "def handler(e, c):\n    return 1\n")
    with pytest.raises(ClientError) as err:
        lam.update_function_configuration(FunctionName=name, Runtime="python2.7")
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert lam.get_function_configuration(FunctionName=name)["Runtime"] == "python3.12"


def test_runtime_schedule_follows_the_dates():
    from datetime import date

    from serverless_lab.runtime.errors import blocked, creatable_runtimes, deprecated

    assert "python3.14" in creatable_runtimes(date(2025, 11, 18))
    assert "python3.10" in creatable_runtimes(date(2027, 1, 31))
    assert "python3.10" not in creatable_runtimes(date(2027, 2, 1))
    assert deprecated("python3.10", date(2026, 11, 1)) and not blocked("python3.10", "create", date(2026, 11, 1))
    assert blocked("python3.10", "update", date(2027, 3, 3)) and not blocked("python3.10", "update", date(2027, 3, 2))
    assert not blocked("nodejs22.x", "create")      # other languages: created, refused at invoke


def test_runtime_schedule_matches_cfn_lint_data():
    """cfn-lint (a moto dependency) ships AWS's runtime lifecycle; the two must agree."""
    import importlib.util
    import pathlib

    from serverless_lab.runtime.errors import PYTHON_RUNTIMES

    spec = importlib.util.find_spec("cfnlint")
    if spec is None:
        pytest.skip("cfn-lint not installed")
    data = pathlib.Path(spec.origin).parent / "data" / "AdditionalSpecs" / "LmbdRuntimeLifecycle.json"
    if not data.exists():
        pytest.skip("this cfn-lint has no runtime lifecycle data")
    lifecycle = json.loads(data.read_text())
    for runtime, (dep, create_block, update_block) in PYTHON_RUNTIMES.items():
        theirs = lifecycle[runtime]
        assert (dep, create_block, update_block) == (theirs["deprecated"], theirs["create-block"],
                                                      theirs["update-block"]), runtime


# -- 3. a function outside the default region follows its own ARN -----------------------------------
def test_function_in_another_region_uses_its_own_region(aws, unique):
    west = "eu-west-1"
    lam = boto3.client("lambda", region_name=west, config=NO_RETRY)
    layer = lam.publish_layer_version(LayerName=unique("wl"), Content={"ZipFile": zip_code(
        {"python/westlib.py": "WHERE = 'layer in eu-west-1'\n"})})["LayerVersionArn"]
    name = unique("west")
    create(lam, name, "import os, westlib\ndef handler(e, c):\n    return [westlib.WHERE, os.environ['AWS_REGION'], "
                      "c.invoked_function_arn]\n", Layers=[layer])
    body = invoke(lam, name)["body"]
    assert body[0] == "layer in eu-west-1" and body[1] == west and f":{west}:" in body[2]
    # logs in the function's region, not the session's default one
    west_logs = boto3.client("logs", region_name=west)
    assert west_logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]
    east_groups = boto3.client("logs", region_name="us-east-1").describe_log_groups(
        logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"]
    assert east_groups == []
    # metrics too
    cw = boto3.client("cloudwatch", region_name=west)
    metrics = cw.list_metrics(Namespace="AWS/Lambda", MetricName="Invocations")["Metrics"]
    assert any(d["Value"] == name for m in metrics for d in m["Dimensions"])
    east = boto3.client("cloudwatch", region_name="us-east-1").list_metrics(
        Namespace="AWS/Lambda", MetricName="Invocations")["Metrics"]
    assert not any(d["Value"] == name for m in east for d in m["Dimensions"])


def test_reserved_concurrency_zero_throttles_in_another_region(aws, unique):
    lam = boto3.client("lambda", region_name="ap-southeast-2", config=NO_RETRY)
    name = unique("zero")
    create(lam, name, "def handler(e, c):\n    return 1\n")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName=name)
    assert err.value.response["Error"]["Code"] == "TooManyRequestsException"


def test_same_name_in_two_regions_is_two_functions(aws, unique):
    name = unique("twin")
    for region in ("us-east-1", "eu-central-1"):
        create(boto3.client("lambda", region_name=region), name,
               f"def handler(e, c):\n    return '{region}'\n")
    for _ in range(2):   # warm environments must not be shared between the two
        for region in ("us-east-1", "eu-central-1"):
            assert invoke(boto3.client("lambda", region_name=region), name)["body"] == region


def test_async_invoke_in_another_region_runs_there(aws, unique):
    lam = boto3.client("lambda", region_name="eu-west-2")
    name = unique("asyncwest")
    create(lam, name, "import os\ndef handler(e, c):\n    print('ran in', os.environ['AWS_REGION'])\n")
    assert lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    rt = aws.extension("lambda")
    assert rt.wait_idle(30)
    recs = rt.trace.filter(function_name=name).records()
    assert [r.outcome for r in recs] == ["success"]


# -- 6. permissions are checked where AWS checks them -------------------------------------------------
def _notify(s3, bucket: str, arn: str) -> None:
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})


def test_s3_notification_needs_the_functions_permission(aws, unique):
    s3, lam = boto3.client("s3"), boto3.client("lambda")
    bucket, other = unique("perm-bucket"), unique("other-bucket")
    s3.create_bucket(Bucket=bucket)
    arn = create(lam, unique("perm"), "def handler(e, c):\n    print('fired')\n")
    with pytest.raises(ClientError) as err:
        _notify(s3, bucket, arn)
    assert err.value.response["Error"]["Code"] == "InvalidArgument"
    assert err.value.response["Error"]["Message"] == "Unable to validate the following destination configurations"
    assert s3.get_bucket_notification_configuration(Bucket=bucket).get("LambdaFunctionConfigurations") is None
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"x")
    assert aws.extension("lambda").trace.filter(function_name=arn.split(":")[-1]).records() == []
    # a permission for another bucket does not count; the right one does
    lam.add_permission(FunctionName=arn, StatementId="other", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{other}")
    with pytest.raises(ClientError):
        _notify(s3, bucket, arn)
    lam.add_permission(FunctionName=arn, StatementId="this", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}",
                       SourceAccount=aws.account_id)
    _notify(s3, bucket, arn)
    s3.put_object(Bucket=bucket, Key="b.txt", Body=b"x")
    rt = aws.extension("lambda")
    rt.wait_idle(20)
    assert [r.trigger for r in rt.trace.filter(function_name=arn.split(":")[-1]).records()] == ["s3"]


def test_s3_notification_to_a_missing_function_is_refused(aws, unique):
    s3 = boto3.client("s3")
    bucket = unique("nofn")
    s3.create_bucket(Bucket=bucket)
    create(boto3.client("lambda"), unique("exists"), "def handler(e, c):\n    return 1\n")
    with pytest.raises(ClientError) as err:
        _notify(s3, bucket, "arn:aws:lambda:us-east-1:123456789012:function:does-not-exist")
    assert err.value.response["Error"]["Code"] == "InvalidArgument"


def test_s3_permission_check_can_be_switched_off(unique):
    from serverless_lab import mock_aws

    with mock_aws(enforce_lambda_permissions=False):
        s3, lam = boto3.client("s3"), boto3.client("lambda")
        bucket = unique("lenient")
        s3.create_bucket(Bucket=bucket)
        _notify(s3, bucket, create(lam, unique("lenient"), "def handler(e, c):\n    return 1\n"))
