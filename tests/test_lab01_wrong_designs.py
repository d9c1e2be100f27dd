"""Lab 01's hidden tests catch wrong designs the shared file (test_labs00_04_wrong_designs.py) does not.

Each wrong answer gives the right output on the visible examples and must still score 0 on the test cell
that checks its idea, through the grader:

* ``release`` that publishes the version without the description it was given (the release note an
  operator reads in ``list_versions_by_function``; PublishVersion's ``Description``:
  https://docs.aws.amazon.com/lambda/latest/api/API_PublishVersion.html);
* ``log_group_cost`` that reads one ``filter_log_events`` answer instead of every page (an answer holds at
  most 10,000 events or 1 MB: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html);
* ``parse_report`` that reads any JSON record with a ``record.metrics`` object as a REPORT (``platform.runtimeDone``
  has metrics too; only ``platform.report`` is the REPORT:
  https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html).
"""

from __future__ import annotations

import pytest

from grading_helpers import grade_wrong_designs

pytestmark = pytest.mark.notebook
LAB = "lab01-lambda-basics"

RELEASE_DROPS_DESCRIPTION = '''
def release(name: str, alias: str = "live", description: str = "") -> str:
    version = lam.publish_version(FunctionName=name)["Version"]          # the description is never sent
    try:
        lam.update_alias(FunctionName=name, Name=alias, FunctionVersion=version)
    except ClientError as err:
        if err.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=version, Description=description)
    return version
'''
COST_ONE_ANSWER = '''
GB_SECOND_USD = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
REQUEST_USD = 0.20 / 1_000_000


def log_group_cost(log_group: str, architecture: str = "x86_64") -> dict:
    events = logs.filter_log_events(logGroupName=log_group)["events"]     # one answer: at most 10,000 events
    reports = [r for r in (parse_report(e["message"]) for e in events) if r]
    gb_seconds = sum(r["billed_ms"] / 1000 * r["memory_mb"] / 1024 for r in reports)
    return {"invocations": len(reports), "gb_seconds": gb_seconds,
            "usd": len(reports) * REQUEST_USD + gb_seconds * GB_SECOND_USD[architecture]}
'''
REPORT_ANY_METRICS = '''
def parse_report(line: str) -> dict | None:
    text = line.strip()
    if text.startswith("{"):
        try:
            entry = json.loads(text)
        except ValueError:
            return None
        metrics = (entry.get("record") or {}).get("metrics") if isinstance(entry.get("record"), dict) else None
        if not metrics:                                                   # "it has metrics, so it is the report"
            return None
        return {"request_id": entry["record"]["requestId"], "duration_ms": float(metrics["durationMs"]),
                "billed_ms": int(metrics.get("billedDurationMs", 0)), "memory_mb": int(metrics.get("memorySizeMB", 0)),
                "max_memory_mb": int(metrics.get("maxMemoryUsedMB", 0)),
                "init_ms": float(metrics["initDurationMs"]) if "initDurationMs" in metrics else None}
    if not line.startswith("REPORT "):
        return None
    fields = dict(part.split(": ", 1) for part in text.split("\\t") if ": " in part)
    number = lambda key: fields[key].split()[0]
    return {"request_id": fields["REPORT RequestId"], "duration_ms": float(number("Duration")),
            "billed_ms": int(number("Billed Duration")), "memory_mb": int(number("Memory Size")),
            "max_memory_mb": int(number("Max Memory Used")),
            "init_ms": float(number("Init Duration")) if "Init Duration" in fields else None}
'''

WRONG = {
    "lab01_release": (RELEASE_DROPS_DESCRIPTION, ["lab01_release_test"]),
    "lab01_log_group_cost": (COST_ONE_ANSWER, ["lab01_log_group_cost_test"]),
    "lab01_parse_report": (REPORT_ANY_METRICS, ["lab01_parse_report_json"]),
}
# the same answers get the other ideas of their exercises right: partial credit stays
STILL_SCORE = ["lab01_release_moves", "lab01_log_group_cost_usd", "lab01_parse_report_test", "lab01_parse_report_other_lines"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_wrong_designs(LAB, WRONG, tmp_path_factory.mktemp("lab01-wrong"))


@pytest.mark.parametrize("test_id", [t for _code, tests in WRONG.values() for t in tests])
def test_wrong_design_scores_zero(graded, test_id):
    cell = graded[test_id]
    assert cell.points == 0, (test_id, cell.status, cell.message)


@pytest.mark.parametrize("test_id", STILL_SCORE)
def test_the_right_parts_still_score(graded, test_id):
    cell = graded[test_id]
    assert cell.points == cell.max_points, (test_id, cell.status, cell.message)
