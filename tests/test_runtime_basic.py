"""The local Lambda runtime: real handler code, lifecycle, logs, context, errors, bad input."""

from __future__ import annotations

import base64
import io
import json
import textwrap
import time
import zipfile

import boto3
import psutil
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

NO_RETRY = Config(retries={"total_max_attempts": 1})


def make_zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, src in files.items():
            zf.writestr(name, textwrap.dedent(src))
    return buf.getvalue()


def role_arn() -> str:
    iam = boto3.client("iam")
    try:
        return iam.get_role(RoleName="lambda-role")["Role"]["Arn"]
    except ClientError:
        return iam.create_role(RoleName="lambda-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]


def create(lam, name: str, code: str, handler: str = "app.handler", files: dict | None = None, **kw) -> None:
    lam.create_function(FunctionName=name, Runtime=kw.pop("Runtime", "python3.12"), Role=role_arn(),
                        Handler=handler, Code={"ZipFile": make_zip({"app.py": code, **(files or {})})}, **kw)


def invoke(lam, name: str, event=None, **kw):
    resp = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), **kw)
    resp["body"] = json.loads(resp["Payload"].read() or b"null")
    return resp


def log_messages(name: str) -> list[str]:
    logs = boto3.client("logs")
    group = f"/aws/lambda/{name}"
    out = []
    for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
        out += [e["message"] for e in logs.get_log_events(logGroupName=group,
                                                          logStreamName=stream["logStreamName"])["events"]]
    return out


COUNTER = """
    import logging, os
    COUNT = 0
    print("module loaded")
    def handler(event, context):
        global COUNT
        COUNT += 1
        print("event", event["n"])
        logging.getLogger().warning("warned %s", event["n"])
        return {"count": COUNT, "pid": os.getpid(), "n": event["n"]}
"""


def test_invoke_runs_handler_and_keeps_module_state(aws, unique):
    lam = boto3.client("lambda")
    name = unique("counter")
    create(lam, name, COUNTER)
    first = invoke(lam, name, {"n": 1})
    second = invoke(lam, name, {"n": 2})
    assert first["StatusCode"] == 200 and "FunctionError" not in first
    assert first["body"]["count"] == 1 and second["body"]["count"] == 2   # warm reuse
    assert first["body"]["pid"] == second["body"]["pid"]
    assert first["ExecutedVersion"] == "$LATEST"
    rt = aws.extension("lambda")
    recs = rt.trace.filter(function_name=name).records()
    assert [r.cold for r in recs] == [True, False]
    assert recs[0].environment_id == recs[1].environment_id
    assert recs[0].init_duration_ms > 0 and recs[1].init_duration_ms is None
    assert all(r.outcome == "success" and r.billed_ms >= 1 and r.max_memory_used_mb > 0 for r in recs)
    envs = [e for e in rt.environments() if e["function"] == name]
    assert len(envs) == 1 and envs[0]["invocations"] == 2 and envs[0]["state"] == "idle"


def test_logs_show_cold_then_warm_start(aws, unique):
    lam = boto3.client("lambda")
    name = unique("logs")
    create(lam, name, COUNTER)
    invoke(lam, name, {"n": 1})
    invoke(lam, name, {"n": 2})
    msgs = log_messages(name)
    starts = [m for m in msgs if m.startswith("START RequestId: ")]
    reports = [m for m in msgs if m.startswith("REPORT RequestId: ")]
    assert len(starts) == 2 and all(m.endswith(" Version: $LATEST") for m in starts)
    assert len([m for m in msgs if m.startswith("END RequestId: ")]) == 2
    assert "module loaded" in msgs and "event 1" in msgs and "event 2" in msgs
    warned = [m for m in msgs if m.startswith("[WARNING]\t")]
    assert len(warned) == 2 and warned[0].split("\t")[3] == "warned 1"
    assert warned[0].split("\t")[1].endswith("Z")
    fields = reports[0].split("\t")
    assert fields[1].startswith("Duration: ") and fields[1].endswith(" ms")
    assert fields[2].startswith("Billed Duration: ") and fields[3] == "Memory Size: 128 MB"
    assert fields[4].startswith("Max Memory Used: ") and fields[5].startswith("Init Duration: ")
    assert "Init Duration" not in reports[1]
    rec = aws.extension("lambda").trace.filter(function_name=name).records()[0]
    assert fields[2] == f"Billed Duration: {rec.billed_ms} ms"     # INIT billed since 2025-08-01
    assert rec.billed_ms >= rec.duration_ms + rec.init_duration_ms
    stream = boto3.client("logs").describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"][0]
    day, ver_hex = stream["logStreamName"].rsplit("/", 1)
    assert len(day) == 10 and ver_hex.startswith("[$LATEST]") and len(ver_hex) == len("[$LATEST]") + 32


def test_log_type_tail_returns_last_4kb(aws, unique):
    lam = boto3.client("lambda")
    name = unique("tail")
    create(lam, name, COUNTER)
    resp = invoke(lam, name, {"n": 7}, LogType="Tail")
    text = base64.b64decode(resp["LogResult"]).decode()
    assert "event 7" in text and "REPORT RequestId" in text
    create(lam, unique("noisy"), "def handler(e, c):\n    print('x' * 10000)\n")
    big = invoke(lam, lam.list_functions()["Functions"][-1]["FunctionName"], LogType="Tail")
    assert len(base64.b64decode(big["LogResult"])) <= 4096
    plain = invoke(lam, name, {"n": 8})
    assert "LogResult" not in plain


def test_context_object_fields(aws, unique):
    lam = boto3.client("lambda")
    name = unique("ctx")
    create(lam, name, """
        import os
        def handler(event, context):
            return {k: getattr(context, k) for k in ("function_name", "function_version",
                    "invoked_function_arn", "memory_limit_in_mb", "aws_request_id",
                    "log_group_name", "log_stream_name")} | {
                "remaining": context.get_remaining_time_in_millis(),
                "custom": context.client_context.custom if context.client_context else None,
                "identity": context.identity.cognito_identity_id,
                "env": {k: os.environ.get(k) for k in ("AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION",
                        "AWS_EXECUTION_ENV", "_HANDLER", "LAMBDA_TASK_ROOT", "GREETING",
                        "AWS_ENDPOINT_URL", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE")},
                "cwd_has_app": os.path.exists("app.py")}
    """, MemorySize=256, Timeout=7, Environment={"Variables": {"GREETING": "hello"}})
    client_context = base64.b64encode(json.dumps({"custom": {"tenant": "blue"}}).encode()).decode()
    body = invoke(lam, name, ClientContext=client_context)["body"]
    rec = aws.extension("lambda").trace.filter(function_name=name).records()[0]
    assert body["custom"] == {"tenant": "blue"} and body["identity"] is None
    assert body["function_name"] == name and body["function_version"] == "$LATEST"
    assert body["invoked_function_arn"] == f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
    assert body["memory_limit_in_mb"] == "256"           # a string, as the AWS Python runtime gives
    assert body["aws_request_id"] == rec.request_id
    assert body["log_group_name"] == f"/aws/lambda/{name}"
    assert body["log_stream_name"].split("/")[-1].startswith("[$LATEST]")
    assert 6000 < body["remaining"] <= 7000
    env = body["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name and env["AWS_REGION"] == "us-east-1"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12" and env["_HANDLER"] == "app.handler"
    assert env["GREETING"] == "hello" and env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_ENDPOINT_URL"] == aws.endpoint_url and body["cwd_has_app"]


def test_handler_exception_is_unhandled_function_error(aws, unique):
    lam = boto3.client("lambda")
    name = unique("boom")
    create(lam, name, """
        def helper():
            raise ValueError("bad input")
        def handler(event, context):
            helper()
    """)
    resp = invoke(lam, name)
    assert resp["StatusCode"] == 200 and resp["FunctionError"] == "Unhandled"
    body = resp["body"]
    assert body["errorType"] == "ValueError" and body["errorMessage"] == "bad input"
    assert isinstance(body["stackTrace"], list) and all(isinstance(s, str) for s in body["stackTrace"])
    assert "in helper" in body["stackTrace"][-1] and 'raise ValueError("bad input")' in body["stackTrace"][-1]
    assert any(m.startswith("[ERROR] ValueError: bad input\nTraceback") for m in log_messages(name))
    rec = aws.extension("lambda").trace.filter(function_name=name).records()[-1]
    assert rec.outcome == "error" and rec.error_type == "ValueError"
    # the environment survives a handled error, as on AWS
    assert invoke(lam, name)["body"]["errorType"] == "ValueError"
    assert [r.cold for r in aws.extension("lambda").trace.filter(function_name=name)] == [True, False]


@pytest.mark.parametrize("handler,files,etype,message", [
    ("missing.handler", {}, "Runtime.ImportModuleError", "Unable to import module 'missing': No module named 'missing'"),
    ("app.nothere", {}, "Runtime.HandlerNotFound", "Handler 'nothere' missing on module 'app'"),
    ("pkg.mod.handler", {"pkg/__init__.py": "", "pkg/mod.py": "def handler(e, c):\n    return 'deep'\n"}, None, None),
])
def test_handler_resolution(aws, unique, handler, files, etype, message):
    lam = boto3.client("lambda")
    name = unique("resolve")
    create(lam, name, "def handler(e, c):\n    return 1\n", handler=handler, files=files)
    resp = invoke(lam, name)
    if etype is None:
        assert resp["body"] == "deep"
        return
    assert resp["FunctionError"] == "Unhandled"
    assert resp["body"]["errorType"] == etype and resp["body"]["errorMessage"] == message
    rec = aws.extension("lambda").trace.filter(function_name=name).records()[-1]
    assert rec.cold and rec.outcome == "error" and rec.error_type == etype
    assert any(m.startswith("INIT_REPORT Init Duration") for m in log_messages(name))


def test_non_serialisable_result_is_marshal_error(aws, unique):
    lam = boto3.client("lambda")
    name = unique("marshal")
    create(lam, name, "def handler(e, c):\n    return {1, 2}\n")
    body = invoke(lam, name)["body"]
    assert body["errorType"] == "Runtime.MarshalError"
    assert body["errorMessage"].startswith("Unable to marshal response: Object of type set is not JSON serializable")


def test_bad_input_errors(aws, unique):
    lam = boto3.client("lambda", config=NO_RETRY)
    name = unique("bad")
    create(lam, name, "def handler(e, c):\n    return e\n")
    cases = [
        (dict(FunctionName=unique("nope")), "ResourceNotFoundException", 404),
        (dict(FunctionName=name, Qualifier="42"), "ResourceNotFoundException", 404),
        (dict(FunctionName=name, Qualifier="noalias"), "ResourceNotFoundException", 404),
        (dict(FunctionName=name, Payload=b"not json"), "InvalidRequestContentException", 400),
        (dict(FunctionName=name, Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"'), "RequestTooLargeException", 413),
        (dict(FunctionName=name, InvocationType="Event", Payload=b'"' + b"x" * (1024 * 1024) + b'"'),
         "RequestTooLargeException", 413),
    ]
    for kwargs, code, status in cases:
        with pytest.raises(ClientError) as err:
            lam.invoke(**kwargs)
        assert err.value.response["Error"]["Code"] == code, kwargs.get("Qualifier")
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    # 300 KB is fine asynchronously since the 1 MB limit of October 2025
    assert lam.invoke(FunctionName=name, InvocationType="Event",
                      Payload=b'"' + b"x" * (300 * 1024) + b'"')["StatusCode"] == 202
    aws.extension("lambda").wait_idle(30)
    # DryRun validates only
    assert lam.invoke(FunctionName=name, InvocationType="DryRun")["StatusCode"] == 204
    assert [r.invocation_type for r in aws.extension("lambda").trace.filter(function_name=name).records()] == ["Event"]


def test_unsupported_runtime_is_refused_with_the_supported_list(aws, unique):
    lam = boto3.client("lambda", config=NO_RETRY)
    name = unique("node")
    create(lam, name, "exports.handler = async () => 1;", Runtime="nodejs20.x", handler="index.handler")
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName=name)
    assert err.value.response["Error"]["Code"] == "InvalidRuntimeException"
    assert "python3.12" in err.value.response["Error"]["Message"]
    assert "nodejs20.x" in err.value.response["Error"]["Message"]


@pytest.mark.parametrize("runtime", ["python3.10", "python3.11", "python3.13", "python3.14"])
def test_python_runtimes_run(aws, unique, runtime):
    lam = boto3.client("lambda")
    name = unique("py")
    create(lam, name, "import os\ndef handler(e, c):\n    return os.environ['AWS_EXECUTION_ENV']\n", Runtime=runtime)
    assert invoke(lam, name)["body"] == f"AWS_Lambda_{runtime}"


def test_layers_are_importable(aws, unique):
    lam = boto3.client("lambda")
    layer = lam.publish_layer_version(LayerName=unique("layer"), Content={
        "ZipFile": make_zip({"python/shared_util.py": "def shout(s):\n    return s.upper()\n"})},
        CompatibleRuntimes=["python3.12"])
    name = unique("withlayer")
    create(lam, name, "import shared_util\ndef handler(e, c):\n    return shared_util.shout('hi')\n",
           Layers=[layer["LayerVersionArn"]])
    assert invoke(lam, name)["body"] == "HI"


def test_versions_and_aliases_route_to_their_code(aws, unique):
    lam = boto3.client("lambda")
    name = unique("ver")
    create(lam, name, "def handler(e, c):\n    return ['v1', c.function_version, c.invoked_function_arn]\n")
    v1 = lam.publish_version(FunctionName=name)["Version"]
    lam.update_function_code(FunctionName=name, ZipFile=make_zip(
        {"app.py": "def handler(e, c):\n    return ['v2', c.function_version, c.invoked_function_arn]\n"}))
    v2 = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=v1)
    assert invoke(lam, name, Qualifier=v1)["body"][:2] == ["v1", v1]
    assert invoke(lam, name, Qualifier=v2)["body"][:2] == ["v2", v2]
    assert invoke(lam, name)["body"][:2] == ["v2", "$LATEST"]
    live = invoke(lam, name, Qualifier="live")
    assert live["body"][0] == "v1" and live["body"][2].endswith(f":{name}:live")
    assert live["ExecutedVersion"] == v1
    versions = {e["version"] for e in aws.extension("lambda").environments() if e["function"] == name}
    assert versions == {v1, v2, "$LATEST"}
    # the qualifier is read from the request's query string only, never from the event
    assert invoke(lam, name, {"Qualifier": v1})["body"][:2] == ["v2", "$LATEST"]
    assert invoke(lam, name, {"qualifier": "nope", "note": "a&qualifier=1"})["body"][:2] == ["v2", "$LATEST"]


def test_update_code_and_configuration_retire_environments(aws, unique):
    lam = boto3.client("lambda")
    name = unique("upd")
    create(lam, name, "import os\ndef handler(e, c):\n    return ['old', os.environ.get('MODE')]\n")
    assert invoke(lam, name)["body"] == ["old", None]
    lam.update_function_code(FunctionName=name, ZipFile=make_zip(
        {"app.py": "import os\ndef handler(e, c):\n    return ['new', os.environ.get('MODE')]\n"}))
    assert invoke(lam, name)["body"] == ["new", None]
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"MODE": "blue"}})
    assert invoke(lam, name)["body"] == ["new", "blue"]
    recs = aws.extension("lambda").trace.filter(function_name=name).records()
    assert [r.cold for r in recs] == [True, True, True]
    assert len([e for e in aws.extension("lambda").environments() if e["function"] == name]) == 1


def test_keep_alive_reclaims_idle_environments_on_the_lab_clock(aws, unique):
    lam = boto3.client("lambda")
    rt = aws.extension("lambda")
    name = unique("idle")
    create(lam, name, COUNTER)
    invoke(lam, name, {"n": 1})
    assert [e["function"] for e in rt.environments()].count(name) == 1
    aws.clock.advance(300)
    invoke(lam, name, {"n": 2})          # still warm after 5 minutes (default keep-alive 600 s)
    aws.clock.advance(900)
    assert name not in [e["function"] for e in rt.environments()]
    assert invoke(lam, name, {"n": 3})["body"]["count"] == 1   # module state gone: cold start
    assert [r.cold for r in rt.trace.filter(function_name=name)] == [True, False, True]
    rt.set_keep_alive(30)
    aws.clock.advance(31)
    assert rt.reclaim_idle() == 0 and name not in [e["function"] for e in rt.environments()]


def test_powertools_logger_reads_the_context(aws, unique):
    from serverless_lab.packaging import publish_layer

    lam = boto3.client("lambda")
    name = unique("powertools")
    layer = publish_layer(lam, unique("powertools-layer"), "aws-lambda-powertools")
    create(lam, name, Layers=[layer], code="""
        from aws_lambda_powertools import Logger
        logger = Logger(service="orders")
        @logger.inject_lambda_context
        def handler(event, context):
            logger.info("processing order", extra={"order": event["order"]})
            return "ok"
    """)
    resp = invoke(lam, name, {"order": 42})
    assert resp["body"] == "ok", resp["body"]
    lines = [json.loads(m) for m in log_messages(name) if m.startswith("{")]
    entry = next(x for x in lines if x.get("message") == "processing order")
    rec = aws.extension("lambda").trace.filter(function_name=name).records()[0]
    assert entry["function_name"] == name and entry["function_request_id"] == rec.request_id
    assert entry["function_memory_size"] in (128, "128") and entry["cold_start"] is True
    assert entry["service"] == "orders" and entry["order"] == 42
    assert entry["function_arn"].endswith(f":function:{name}")


def test_no_worker_process_outlives_the_session(unique):
    from serverless_lab import mock_aws

    with mock_aws() as session:
        lam = boto3.client("lambda")
        name = unique("procs")
        create(lam, name, COUNTER)
        invoke(lam, name, {"n": 1})
        pid = invoke(lam, name, {"n": 2})["body"]["pid"]
        rt = session.extension("lambda")
        zygote_pid = rt.zygote.pid
        assert psutil.pid_exists(pid) and zygote_pid
    # stop() SIGKILLs the environments and the zygote; a killed process is gone once the scheduler
    # has run it, which a busy machine may delay: wait for that
    deadline = time.monotonic() + 30
    while alive := _live_workers([pid, zygote_pid]):
        assert time.monotonic() < deadline, f"worker processes outlived the session: {alive}"
        time.sleep(0.05)


def _live_workers(pids: list[int]) -> list[int]:
    """Those of `pids`, and any worker.py below this process, that have not exited."""
    def live(proc: psutil.Process) -> bool:
        try:
            return proc.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    def worker(proc: psutil.Process) -> bool:
        try:
            return "worker.py" in " ".join(proc.cmdline())
        except psutil.Error:
            return False

    out = [p for p in pids if psutil.pid_exists(p) and live(psutil.Process(p))]
    return out + [c.pid for c in psutil.Process().children(recursive=True) if worker(c) and live(c)]


def test_broken_package_is_reported_not_raised(aws, unique):
    lam = boto3.client("lambda")
    name = unique("broken")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn(), Handler="app.handler",
                        Code={"ZipFile": b"this is not a zip file"})
    resp = invoke(lam, name)
    assert resp["FunctionError"] == "Unhandled" and resp["body"]["errorType"] == "Runtime.Unknown"
    assert "deployment package" in resp["body"]["errorMessage"]
    assert not [e for e in aws.extension("lambda").environments() if e["function"] == name]


def test_alias_routing_weights_split_traffic(aws, unique):
    lam = boto3.client("lambda")
    name = unique("canary")
    create(lam, name, "def handler(e, c):\n    return c.function_version\n")
    v1 = lam.publish_version(FunctionName=name)["Version"]
    lam.update_function_code(FunctionName=name, ZipFile=make_zip({"app.py": "def handler(e, c):\n    return 'new'\n"}))
    v2 = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="prod", FunctionVersion=v1,
                     RoutingConfig={"AdditionalVersionWeights": {v2: 0.5}})
    seen = {invoke(lam, name, Qualifier="prod")["ExecutedVersion"] for _ in range(30)}
    assert seen == {v1, v2}


def test_deleting_a_function_shuts_its_environments(aws, unique):
    lam = boto3.client("lambda")
    name = unique("gone")
    create(lam, name, COUNTER)
    invoke(lam, name, {"n": 1})
    assert name in [e["function"] for e in aws.extension("lambda").environments()]
    lam.delete_function(FunctionName=name)
    assert name not in [e["function"] for e in aws.extension("lambda").environments()]
    create(lam, name, COUNTER)
    assert invoke(lam, name, {"n": 1})["body"]["count"] == 1
