"""The fields CloudWatch Logs Insights discovers in a log event.

"Supported logs and discovered fields"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html):

* every event has ``@message``, ``@timestamp``, ``@ingestionTime``, ``@logStream`` and ``@log``
  (``account-id:log-group-name``);
* Lambda logs add ``@requestId``, ``@type`` (``START``, ``END``, ``REPORT``...), and on ``REPORT``
  lines ``@duration``, ``@billedDuration``, ``@memorySize``, ``@maxMemoryUsed`` and, after a cold
  start, ``@initDuration``. Memory fields are in bytes of 1,000,000 per MB: AWS's sample queries
  ("Sample queries", https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-examples.html)
  turn them into MB with ``@memorySize / 1000 / 1000``;
* a JSON object log line ("Fields in JSON logs",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html)
  gives one field per key, nested keys joined with ``.`` and array items with their index
  (``detail.items.0``); for Lambda, only the first JSON fragment of a line is read.
"""

from __future__ import annotations

import json
import re
from typing import Any

_REQUEST = re.compile(r"^(START|END|REPORT) RequestId: (\S+)")
_REPORT = {
    "@duration": (re.compile(r"\tDuration: ([0-9.]+) ms"), float),
    "@billedDuration": (re.compile(r"Billed Duration: ([0-9]+) ms"), float),
    "@memorySize": (re.compile(r"Memory Size: ([0-9]+) MB"), lambda v: float(v) * 1_000_000),
    "@maxMemoryUsed": (re.compile(r"Max Memory Used: ([0-9]+) MB"), lambda v: float(v) * 1_000_000),
    "@initDuration": (re.compile(r"Init Duration: ([0-9.]+) ms"), float),
}
_DECODER = json.JSONDecoder()


def flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    """JSON keys as Logs Insights names them: nested with ``.``, arrays by index."""
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            flatten(item, f"{prefix}.{i}" if prefix else str(i), out)
    elif prefix:
        out[prefix] = value


def _first_json(message: str) -> dict[str, Any] | None:
    start = message.find("{")
    while start != -1:
        try:
            value, _ = _DECODER.raw_decode(message, start)
        except ValueError:
            start = message.find("{", start + 1)
            continue
        return value if isinstance(value, dict) else None
    return None


def discover(message: str, timestamp: int, ingestion: int, stream: str, group: str, account: str
             ) -> dict[str, Any]:
    """Every field of one event, system fields first (``@timestamp`` in epoch milliseconds)."""
    fields: dict[str, Any] = {"@timestamp": timestamp, "@message": message, "@ingestionTime": ingestion,
                              "@logStream": stream, "@log": f"{account}:{group}"}
    lambda_log = group.startswith("/aws/lambda/")
    match = _REQUEST.match(message) if lambda_log else None
    if match:
        fields["@type"], fields["@requestId"] = match.group(1), match.group(2)
        if match.group(1) == "REPORT":
            for name, (pattern, convert) in _REPORT.items():
                found = pattern.search(message)
                if found:
                    fields[name] = convert(found.group(1))
        return fields
    parsed: dict[str, Any] | None
    if lambda_log:
        parsed = _first_json(message)
    else:
        try:
            loaded = json.loads(message)
        except ValueError:
            loaded = None
        parsed = loaded if isinstance(loaded, dict) else None
    if parsed:
        flat: dict[str, Any] = {}
        flatten(parsed, "", flat)
        for key, value in flat.items():
            fields.setdefault(f"@{key}" if key.startswith("@") else key, value)
    return fields
