"""Lambda's JSON log format and log-level filtering (``LoggingConfig``), through boto3.

Pages followed (each test cites the one it checks):
* advanced logging controls: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
* JSON and plain text formats: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html
* log-level filtering: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
* platform records: https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html
* Python: https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html (and the runtime interface client
  it runs, github.com/aws/aws-lambda-python-runtime-interface-client, awslambdaric/lambda_runtime_log_utils.py)
"""

from __future__ import annotations

import base64
import json
import re

import boto3
import pytest
from botocore.exceptions import ClientError

from lambda_helpers import create
from serverless_lab.packaging import layer_zip

REGION = "eu-west-1"
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ISO_S = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

LOGGING_HANDLER = '''import json
import logging

logger = logging.getLogger()

def handler(event, context):
    print("plain print")
    print(json.dumps({"level": "DEBUG", "message": "debug through print"}))
    logger.debug("debug record")
    logger.info("info record", extra={"orderId": 42})
    logger.warning("warning record")
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("caught")
    if event.get("fail"):
        raise ValueError("bad input")
    return "ok"
'''


def _tail(lam, name: str, payload: bytes = b"{}") -> list[str]:
    out = lam.invoke(FunctionName=name, LogType="Tail", Payload=payload)
    return base64.b64decode(out["LogResult"]).decode().splitlines()


def _records(lines: list[str]) -> list[dict]:
    return [json.loads(line) for line in lines if line.startswith("{")]


def _of_type(lines: list[str], kind: str) -> list[dict]:
    return [r for r in _records(lines) if r.get("type") == kind]


def test_logging_config_is_stored_validated_and_answered(aws, unique):
    """CreateFunction / UpdateFunctionConfiguration keep LoggingConfig; the levels exist only with JSON
    (INFO when not given) and a level with Text is refused with AWS's message.
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html,
    https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html"""
    lam = boto3.client("lambda", region_name=REGION)
    name = unique("cfg")
    code = "def handler(e, c):\n    return 1\n"
    created = lam.create_function(**_spec(name, code), LoggingConfig={"LogFormat": "JSON"})
    want = {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO",
            "LogGroup": f"/aws/lambda/{name}"}
    assert created["LoggingConfig"] == want
    assert lam.get_function_configuration(FunctionName=name)["LoggingConfig"] == want
    assert lam.get_function(FunctionName=name)["Configuration"]["LoggingConfig"] == want
    # an update changes the fields it names
    updated = lam.update_function_configuration(FunctionName=name, LoggingConfig={"ApplicationLogLevel": "DEBUG"})
    assert updated["LoggingConfig"] == {**want, "ApplicationLogLevel": "DEBUG"}
    # back to Text: no levels
    updated = lam.update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "Text"})
    assert updated["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    # a level with Text is refused, on create and on update
    with pytest.raises(ClientError) as err:
        lam.update_function_configuration(FunctionName=name, LoggingConfig={"ApplicationLogLevel": "WARN"})
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert err.value.response["Error"]["Message"] == (
        'LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request or change '
        'the LogFormat to "Json" and try again.')
    with pytest.raises(ClientError) as err:
        lam.create_function(**_spec(unique("text"), code),
                            LoggingConfig={"LogFormat": "Text", "SystemLogLevel": "WARN"})
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    # values outside the API's enums
    for bad in ({"LogFormat": "XML"}, {"LogFormat": "JSON", "SystemLogLevel": "ERROR"},
                {"LogFormat": "JSON", "ApplicationLogLevel": "VERBOSE"}):
        with pytest.raises(ClientError) as err:
            lam.update_function_configuration(FunctionName=name, LoggingConfig=bad)
        assert err.value.response["Error"]["Code"] == "ValidationException", bad
    assert lam.get_function_configuration(FunctionName=name)["LoggingConfig"]["LogFormat"] == "Text"
    # a custom log group is answered (and, below, written to)
    other = unique("grouped")
    conf = lam.create_function(**_spec(other, code), LoggingConfig={"LogFormat": "JSON", "LogGroup": "/shared/app",
                                                                    "SystemLogLevel": "WARN"})
    assert conf["LoggingConfig"] == {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN",
                                     "LogGroup": "/shared/app"}


def test_json_format_writes_platform_records_and_json_application_logs(aws, unique):
    """With JSON, START and REPORT are platform.start / platform.report records (END has none), a cold
    start begins with platform.initStart and only its report has initDurationMs; logging records are
    JSON with timestamp, level, message, logger, requestId (extra= fields as keys); print() stays plain
    text. https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html,
    https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html,
    https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html"""
    lam = boto3.client("lambda", region_name=REGION)
    name = unique("json")
    create(lam, name, LOGGING_HANDLER, LoggingConfig={"LogFormat": "JSON"}, MemorySize=256)
    cold = _tail(lam, name)
    assert not any(line.startswith(("START ", "END ", "REPORT ", "INIT_START")) for line in cold), cold
    kinds = [r.get("type") for r in _records(cold) if "type" in r]
    assert kinds == ["platform.initStart", "platform.start", "platform.report"], cold
    init = _of_type(cold, "platform.initStart")[0]
    assert ISO_MS.match(init["time"])
    assert init["record"]["initializationType"] == "on-demand" and init["record"]["phase"] == "init"
    assert init["record"]["functionName"] == name and init["record"]["functionVersion"] == "$LATEST"
    assert init["record"]["runtimeVersion"].startswith("python:3.12")
    start = _of_type(cold, "platform.start")[0]["record"]
    rid = start["requestId"]
    assert start == {"requestId": rid, "version": "$LATEST"}
    report = _of_type(cold, "platform.report")[0]["record"]
    assert report["requestId"] == rid and report["status"] == "success"
    metrics = report["metrics"]
    assert metrics["memorySizeMB"] == 256 and 0 < metrics["maxMemoryUsedMB"] <= 256
    assert metrics["initDurationMs"] > 0
    # since 2025-08-01 a cold start's billed duration includes INIT, as the text REPORT line's does
    assert metrics["billedDurationMs"] >= metrics["durationMs"] + metrics["initDurationMs"]
    assert "plain print" in cold                          # print(): plain text, as it was written
    app = [r for r in _records(cold) if "level" in r and "type" not in r]
    by_message = {r["message"]: r for r in app}
    info = by_message["info record"]
    assert ISO_S.match(info["timestamp"]) and info["level"] == "INFO" and info["logger"] == "root"
    assert info["requestId"] == rid and info["orderId"] == 42
    assert by_message["warning record"]["level"] == "WARNING"
    assert "debug record" not in by_message and "debug through print" not in by_message    # below INFO
    warm = _tail(lam, name)
    assert not _of_type(warm, "platform.initStart")
    assert "initDurationMs" not in _of_type(warm, "platform.report")[0]["record"]["metrics"]


def test_exceptions_are_json_with_error_fields(aws, unique):
    """logger.exception adds errorType, errorMessage, stackTrace and location; an unhandled exception
    is one JSON error record (the payload's fields and "log_level": "ERROR").
    https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html (JSON format),
    https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html"""
    lam = boto3.client("lambda", region_name=REGION)
    name = unique("exc")
    create(lam, name, LOGGING_HANDLER, LoggingConfig={"LogFormat": "JSON"})
    lines = _tail(lam, name, b'{"fail": true}')
    caught = next(r for r in _records(lines) if r.get("message") == "caught")
    assert caught["level"] == "ERROR" and caught["errorType"] == "ZeroDivisionError"
    assert caught["errorMessage"] == "division by zero"
    assert caught["location"] == "/var/task/app.py:handler:15"
    assert any('File "/var/task/app.py", line 13, in handler' in frame for frame in caught["stackTrace"])
    unhandled = next(r for r in _records(lines) if r.get("log_level") == "ERROR")
    assert unhandled["errorType"] == "ValueError" and unhandled["errorMessage"] == "bad input"
    assert ISO_S.match(unhandled["timestamp"]) and unhandled["stackTrace"]
    assert unhandled["requestId"] == _of_type(lines, "platform.start")[0]["record"]["requestId"]


def test_log_levels_filter_application_and_system_logs(aws, unique):
    """Records below ApplicationLogLevel are dropped (print output counts as INFO, a JSON object's
    "level" gives its level), and system records below SystemLogLevel too (platform.start/report are
    INFO). TRACE lets DEBUG records through. https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html"""
    lam = boto3.client("lambda", region_name=REGION)
    quiet = unique("warn")
    create(lam, quiet, LOGGING_HANDLER,
           LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "WARN", "SystemLogLevel": "WARN"})
    lines = _tail(lam, quiet)
    messages = [r.get("message") for r in _records(lines)]
    assert messages == ["warning record", "caught"], lines
    assert "plain print" not in lines                       # INFO: below WARN
    assert not any("type" in r for r in _records(lines))    # no platform records at WARN
    chatty = unique("trace")
    create(lam, chatty, LOGGING_HANDLER,
           LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "TRACE", "SystemLogLevel": "DEBUG"})
    lines = _tail(lam, chatty)
    messages = [r.get("message") for r in _records(lines) if "type" not in r]
    assert messages == ["debug through print", "debug record", "info record", "warning record", "caught"], lines
    assert "plain print" in lines and _of_type(lines, "platform.report")
    errors_only = unique("error")
    create(lam, errors_only, LOGGING_HANDLER, LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "ERROR"})
    lines = _tail(lam, errors_only, b'{"fail": true}')
    app = [r for r in _records(lines) if "type" not in r]
    assert [r.get("message", r.get("errorMessage")) for r in app] == ["caught", "bad input"], lines
    assert _of_type(lines, "platform.report")               # SystemLogLevel INFO by default


def test_text_format_is_unchanged_and_custom_group_gets_the_logs(aws, unique):
    """Text (the default) keeps START/END/REPORT and the runtime's text records; a LogGroup in
    LoggingConfig receives the function's logs, and AWS_LAMBDA_LOG_GROUP_NAME names it.
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html (log group)"""
    lam = boto3.client("lambda", region_name=REGION)
    logs = boto3.client("logs", region_name=REGION)
    name = unique("text")
    create(lam, name, "import logging, os\nlogging.getLogger().setLevel(logging.INFO)\n"
           "def handler(e, c):\n    logging.info('hi')\n    return os.environ.get('AWS_LAMBDA_LOG_FORMAT')\n")
    out = lam.invoke(FunctionName=name, LogType="Tail")
    assert json.loads(out["Payload"].read()) is None        # the runtime is not told to log JSON
    lines = base64.b64decode(out["LogResult"]).decode().splitlines()
    assert lines[0].startswith("INIT_START Runtime Version: python:3.12")
    assert lines[1].startswith("START RequestId: ") and lines[-2].startswith("END RequestId: ")
    assert lines[-1].startswith("REPORT RequestId: ") and "\tInit Duration: " in lines[-1]
    assert re.match(r"^\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[0-9a-f-]{36}\thi$", lines[2]), lines
    grouped = unique("grouped")
    group = f"/custom/{grouped}"
    create(lam, grouped, "import os\ndef handler(e, c):\n    return os.environ['AWS_LAMBDA_LOG_GROUP_NAME']\n",
           LoggingConfig={"LogFormat": "JSON", "LogGroup": group})
    assert json.loads(lam.invoke(FunctionName=grouped)["Payload"].read()) == group
    messages = [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]
    assert any('"type":"platform.report"' in m for m in messages)
    assert not logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{grouped}")["logGroups"]


def test_filter_log_events_finds_the_platform_reports(aws, unique):
    """A Logs filter over the JSON records: the quoted term "platform.report" picks the REPORT
    records out of the stream, whose metrics a tool then reads.
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html (terms),
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html"""
    lam = boto3.client("lambda", region_name=REGION)
    logs = boto3.client("logs", region_name=REGION)
    name = unique("filter")
    create(lam, name, "import logging\ndef handler(e, c):\n    logging.getLogger().info('step')\n    return 1\n",
           LoggingConfig={"LogFormat": "JSON"})
    ids = [lam.invoke(FunctionName=name)["ResponseMetadata"]["RequestId"] for _ in range(3)]
    found = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}", filterPattern='"platform.report"')["events"]
    reports = [json.loads(e["message"]) for e in found]
    assert [r["type"] for r in reports] == ["platform.report"] * 3
    assert sorted(r["record"]["requestId"] for r in reports) == sorted(ids)
    assert sum("initDurationMs" in r["record"]["metrics"] for r in reports) == 1     # one cold start


def test_timeout_report_says_timeout(aws, unique):
    """A timed-out invocation's platform.report has status "timeout".
    https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html (platform.report)"""
    lam = boto3.client("lambda", region_name=REGION)
    name = unique("slow")
    create(lam, name, "import time\ndef handler(e, c):\n    time.sleep(30)\n", Timeout=1,
           LoggingConfig={"LogFormat": "JSON"})
    lines = _tail(lam, name)
    report = _of_type(lines, "platform.report")[0]["record"]
    assert report["status"] == "timeout" and report["metrics"]["durationMs"] == 1000.0


def test_failed_init_is_a_platform_init_report(aws, unique):
    """A failed INIT (INIT_REPORT in plain text) is platform.initReport with status and errorType, and
    the runtime's error record is JSON. https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html
    (platform.initReport), https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html"""
    lam = boto3.client("lambda", region_name=REGION)
    name = unique("broken")
    create(lam, name, "import not_installed_anywhere\ndef handler(e, c):\n    return 1\n",
           LoggingConfig={"LogFormat": "JSON"})
    lines = _tail(lam, name)
    init = _of_type(lines, "platform.initReport")[0]["record"]
    assert init["status"] == "error" and init["errorType"] == "Runtime.ImportModuleError"
    assert init["phase"] == "init" and init["metrics"]["durationMs"] > 0
    error = next(r for r in _records(lines) if r.get("log_level") == "ERROR")
    assert error["errorType"] == "Runtime.ImportModuleError"
    report = _of_type(lines, "platform.report")[0]["record"]
    assert report["status"] == "error" and report["errorType"] == "Runtime.ImportModuleError"
    assert not any(line.startswith(("INIT_REPORT", "START ", "END ", "REPORT ")) for line in lines)


def test_powertools_logger_output_is_not_encoded_again(aws, unique):
    """Powertools' Logger already writes JSON: Lambda does not encode it again, and filters it by its
    "level" (ALC's AWS_LAMBDA_LOG_LEVEL also sets Powertools' own level).
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html (default log format),
    https://docs.powertools.aws.dev/lambda/python/latest/core/logger/ (advanced logging controls)"""
    lam = boto3.client("lambda", region_name=REGION)
    layer = lam.publish_layer_version(LayerName=unique("pt"), Content={"ZipFile": layer_zip("aws-lambda-powertools")})
    code = ("from aws_lambda_powertools import Logger\nlogger = Logger(service='orders')\n"
            "def handler(e, c):\n    logger.debug('hidden')\n    logger.info('order placed', extra={'orderId': 7})\n"
            "    return 1\n")
    name = unique("powertools")
    create(lam, name, code, Layers=[layer["LayerVersionArn"]], LoggingConfig={"LogFormat": "JSON"})
    lines = _tail(lam, name)
    mine = [r for r in _records(lines) if r.get("service") == "orders"]
    assert [r["message"] for r in mine] == ["order placed"], lines
    assert mine[0]["level"] == "INFO" and mine[0]["orderId"] == 7
    assert not any("hidden" in line for line in lines)


def _spec(name: str, code: str) -> dict:
    from serverless_lab.packaging import lambda_role, zip_code

    return {"FunctionName": name, "Role": lambda_role(), "Runtime": "python3.12", "Handler": "app.handler",
            "Code": {"ZipFile": zip_code(code, "app.py")}}


def test_sam_logging_config_reaches_the_function(aws, unique):
    """A SAM function's LoggingConfig (AWS::Serverless::Function passes it to AWS::Lambda::Function) is the
    function's: JSON records at the levels the template asks for.
    https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-loggingconfig"""
    template = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        import logging
        def handler(event, context):
            logging.getLogger().info("hidden at WARN")
            logging.getLogger().warning("kept")
            return 1
      LoggingConfig:
        LogFormat: JSON
        ApplicationLogLevel: WARN
Outputs:
  Name:
    Value: !Ref Fn
"""
    cfn = boto3.client("cloudformation", region_name=REGION)
    stack = unique("jsonstack")
    cfn.create_stack(StackName=stack, TemplateBody=template, Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    outputs = cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    name = next(o["OutputValue"] for o in outputs if o["OutputKey"] == "Name")
    lam = boto3.client("lambda", region_name=REGION)
    conf = lam.get_function_configuration(FunctionName=name)["LoggingConfig"]
    assert conf["LogFormat"] == "JSON" and conf["ApplicationLogLevel"] == "WARN" and conf["SystemLogLevel"] == "INFO"
    lines = _tail(lam, name)
    assert [r["message"] for r in _records(lines) if "type" not in r] == ["kept"], lines
    assert _of_type(lines, "platform.report")
