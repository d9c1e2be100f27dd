"""Lambda's advanced logging controls: ``LoggingConfig``, the JSON log format and log-level filtering.

A function's ``LoggingConfig`` (CreateFunction / UpdateFunctionConfiguration) picks the format of
its logs and, for JSON only, the levels Lambda lets through
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html,
monitoring-cloudwatchlogs-logformat.html, monitoring-cloudwatchlogs-log-level.html):

* ``LogFormat`` ``Text`` (the default) or ``JSON``; ``ApplicationLogLevel`` TRACE … FATAL and
  ``SystemLogLevel`` DEBUG / INFO / WARN only with JSON (both INFO when not given); ``LogGroup``
  (default ``/aws/lambda/<name>``) is where the logs go, whatever the format.
* With JSON, Lambda's own lines become records ``{"time", "type", "record"}`` (the Telemetry API's
  platform events, telemetry-schema-reference.html): ``platform.initStart`` for INIT_START,
  ``platform.start`` for START, ``platform.report`` for REPORT (its figures under ``metrics``,
  ``initDurationMs`` only on a cold start), ``platform.initReport`` for INIT_REPORT; END has no
  record. These are INFO-level system logs: a SystemLogLevel of WARN drops them.
* The Python runtime writes the ``logging`` module's records as JSON (:mod:`.worker`); ``print``
  output stays plain text (python-logging.html: "if your function outputs logs using Python print
  statements, Lambda can only send log outputs to CloudWatch Logs in plain text format"), and output
  that is already JSON (Powertools' Logger) is not encoded again.
* Log-level filtering of application logs: a JSON object's ``"level"`` gives its level, and output
  with no valid level counts as INFO (monitoring-cloudwatchlogs-log-level.html); what is below
  ``ApplicationLogLevel`` is dropped.

Text mode is untouched: :mod:`.service` writes exactly the lines it always wrote.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import InvalidParameterValueException, ValidationException
from .logs import billed_ms, iso_now

LOG_FORMATS = ("JSON", "Text")
APPLICATION_LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
SYSTEM_LOG_LEVELS = ("DEBUG", "INFO", "WARN")
DEFAULT_LEVEL = "INFO"
_RANK = {name: i for i, name in enumerate(APPLICATION_LOG_LEVELS)}
# what logging libraries write for the same levels (the Python runtime says WARNING, CRITICAL)
_ALIASES = {"WARNING": "WARN", "CRITICAL": "FATAL"}
# AWS's answer to a log level with the Text format (aws/aws-cdk#28045 quotes it)
LEVEL_WITH_TEXT = ('LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your '
                   'request or change the LogFormat to "Json" and try again.')
_ATTR = "_serverless_lab_logging_config"


def default_group(function_name: str) -> str:
    return f"/aws/lambda/{function_name}"


def resolve(given: Any, current: dict | None = None) -> dict:
    """The LoggingConfig a function keeps after CreateFunction (``current`` None) or an update.

    An update changes only the fields it names; levels are refused with Text and default to INFO
    with JSON. The LogGroup is kept only when one was given (the answer fills in the default)."""
    if not isinstance(given, dict):
        raise ValidationException("1 validation error detected: Value at 'loggingConfig' failed to satisfy "
                                  "constraint: Member must be a structure")
    _check_enum(given, "LogFormat", LOG_FORMATS)
    _check_enum(given, "ApplicationLogLevel", APPLICATION_LOG_LEVELS)
    _check_enum(given, "SystemLogLevel", SYSTEM_LOG_LEVELS)
    merged = {**(current or {}), **{k: v for k, v in given.items() if v is not None}}
    fmt = merged.get("LogFormat", "Text")
    levels = ("ApplicationLogLevel", "SystemLogLevel")
    if fmt == "Text":
        if any(given.get(k) for k in levels):
            raise InvalidParameterValueException(LEVEL_WITH_TEXT)
        out = {"LogFormat": "Text"}
    else:
        out = {"LogFormat": "JSON", **{k: merged.get(k) or DEFAULT_LEVEL for k in levels}}
    if merged.get("LogGroup"):
        out["LogGroup"] = str(merged["LogGroup"])
    return out


def _check_enum(given: dict, key: str, allowed: tuple[str, ...]) -> None:
    value = given.get(key)
    if value is not None and value not in allowed:
        field = key[0].lower() + key[1:]
        raise ValidationException(
            f"1 validation error detected: Value '{value}' at 'loggingConfig.{field}' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]")


def store(fn: Any, config: dict) -> None:
    setattr(fn, _ATTR, dict(config))


def stored(fn: Any) -> dict:
    return dict(getattr(fn, _ATTR, None) or {"LogFormat": "Text"})


def answer(fn: Any) -> dict:
    """``LoggingConfig`` as GetFunction(Configuration) answers it (API_LoggingConfig.html)."""
    cfg = stored(fn)
    cfg.setdefault("LogGroup", default_group(fn.function_name))
    order = ("LogFormat", "ApplicationLogLevel", "SystemLogLevel", "LogGroup")
    return {k: cfg[k] for k in order if k in cfg}


def log_group(fn: Any) -> str:
    return stored(fn).get("LogGroup") or default_group(fn.function_name)


def level_of(message: str) -> str:
    """The level Lambda gives one application log event: a JSON object's ``"level"`` (the Python
    runtime's own error record says ``"log_level"``), else INFO."""
    text = message.strip()
    if text.startswith("{"):
        try:
            entry = json.loads(text)
        except ValueError:
            return DEFAULT_LEVEL
        if isinstance(entry, dict):
            raw = entry.get("level", entry.get("log_level"))
            if isinstance(raw, str):
                name = _ALIASES.get(raw.upper(), raw.upper())
                if name in _RANK:
                    return name
    return DEFAULT_LEVEL


@dataclass(frozen=True)
class JsonLogs:
    """One function's JSON log format: builds Lambda's system records and filters by level."""

    application_level: str = DEFAULT_LEVEL
    system_level: str = DEFAULT_LEVEL

    @classmethod
    def of(cls, fn: Any) -> JsonLogs | None:
        """The function's JSON settings, or None when it logs in plain text."""
        cfg = stored(fn)
        if cfg.get("LogFormat") != "JSON":
            return None
        return cls(cfg.get("ApplicationLogLevel") or DEFAULT_LEVEL, cfg.get("SystemLogLevel") or DEFAULT_LEVEL)

    def application(self, messages: list[str]) -> list[str]:
        """Application output minus what is below ApplicationLogLevel."""
        floor = _RANK[self.application_level]
        return [m for m in messages if _RANK[level_of(m)] >= floor]

    def system(self, kind: str, record: dict, level: str = "INFO") -> list[str]:
        """One platform record (``[]`` when SystemLogLevel filters it out)."""
        if _RANK[level] < _RANK[self.system_level]:
            return []
        return [json.dumps({"time": iso_now(), "type": kind, "record": record}, separators=(",", ":"))]

    def init_start(self, *, initialization_type: str, runtime_version: str, runtime_version_arn: str,
                   function_name: str, function_version: str) -> list[str]:
        return self.system("platform.initStart", {
            "initializationType": initialization_type, "phase": "init", "runtimeVersion": runtime_version,
            "runtimeVersionArn": runtime_version_arn, "functionName": function_name,
            "functionVersion": function_version})

    def start(self, request_id: str, version: str) -> list[str]:
        return self.system("platform.start", {"requestId": request_id, "version": version})

    def report(self, request_id: str, duration_ms: float, memory_mb: int, max_used_mb: int,
               init_ms: float | None = None, status: str | None = None,
               error_type: str | None = None) -> list[str]:
        """REPORT as ``platform.report``: the same figures as :func:`.logs.report_line`."""
        metrics: dict[str, Any] = {"durationMs": round(duration_ms, 3),
                                   "billedDurationMs": billed_ms(duration_ms + (init_ms or 0.0)),
                                   "memorySizeMB": memory_mb, "maxMemoryUsedMB": max_used_mb}
        if init_ms is not None:
            metrics["initDurationMs"] = round(init_ms, 3)
        record: dict[str, Any] = {"requestId": request_id, "metrics": metrics, "status": status or "success"}
        if error_type:
            record["errorType"] = error_type
        return self.system("platform.report", record)

    def init_report(self, *, initialization_type: str, status: str, duration_ms: float,
                    error_type: str | None = None) -> list[str]:
        """INIT_REPORT (a failed or timed-out INIT) as ``platform.initReport``."""
        record: dict[str, Any] = {"initializationType": initialization_type, "phase": "init", "status": status}
        if error_type:
            record["errorType"] = error_type
        record["metrics"] = {"durationMs": round(duration_ms, 3)}
        return self.system("platform.initReport", record)
