"""Event patterns that are not valid get EventBridge's error, never a traceback from inside moto.

``serverless_lab.integrations.eventbridge.pattern_rules`` validates patterns at PutRule and TestEventPattern
with the reasons EventBridge gives, and answers TestEventPattern with moto's matcher (lab 07).
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from serverless_lab.integrations.eventbridge.pattern_rules import PatternError, validate_event_pattern

REGION = "us-east-1"
EVENT = {"id": "1", "account": "123456789012", "source": "lab.iot", "time": "2026-11-30T10:00:00Z",
         "region": REGION, "resources": [], "detail-type": "Reading",
         "detail": {"device": "greenhouse-1", "temperature": 41.5, "status": "ok"}}

INVALID = [
    ({"source": "lab.iot"}, '"source" must be an object or an array'),
    ([{"source": ["x"]}], "Filter is not an object"),
    ({"source": []}, "Empty arrays are not allowed"),
    ({"detail": {}}, "Empty objects are not allowed"),
    ({"detail": {"t": [{"numeric": [">", "30"]}]}}, "Value of > must be numeric"),
    ({"detail": {"t": [{"numeric": ["=>", 30]}]}}, "Unrecognized numeric range operator: =>"),
    ({"detail": {"t": [{"numeric": [">", 30, "<", 10]}]}}, "Bottom must be less than top"),
    ({"detail": {"t": [{"numeric": ["<", 30, ">", 10]}]}}, "Too many elements in numeric expression"),
    ({"detail": {"t": [{"numeric": 5}]}}, "Value of numeric must be an array."),
    ({"detail": {"d": [{"prefix": 5}]}}, "prefix match pattern must be a string"),
    ({"detail": {"d": [{"suffix": ["x"]}]}}, "suffix match pattern must be a string"),
    ({"detail": {"d": [{"exists": "yes"}]}}, "exists match pattern must be either true or false."),
    ({"detail": {"d": [{"bogus": 1}]}}, "Unrecognized match type bogus"),
    ({"detail": {"d": [{"prefix": "a", "suffix": "b"}]}}, "Only one key allowed in match expression"),
    ({"detail": {"d": [{"anything-but": {"bogus": "a"}}]}}, "Unsupported anything-but pattern: bogus"),
    ({"detail": {"ip": [{"cidr": "10.0.0.0"}]}}, "Malformed CIDR, one '/' required"),
    ({"detail": {"d": [{"wildcard": "a**b"}]}}, "Consecutive wildcard characters at pos 2"),
    ({"detail": {"d": [["nested"]]}}, "Match value must be String, number, true, false, or null"),
]

VALID = [
    {"source": ["lab.iot"], "detail": {"temperature": [{"numeric": [">", 35, "<=", 100]}]}},
    {"detail": {"device": [{"prefix": "greenhouse-"}], "muted": [{"exists": False}]}},
    {"detail": {"status": [{"anything-but": ["maintenance", "calibrating"]}]}},
    {"detail": {"status": [{"anything-but": {"prefix": "maint"}}]}},
    {"detail": {"d": [{"equals-ignore-case": "OK"}, {"wildcard": "green*"}, None, True, 3]}},
    {"$or": [{"source": ["a"]}, {"detail": {"status": ["ok"]}}]},
    {"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}},
]


@pytest.mark.parametrize("pattern,reason", INVALID, ids=[r for _, r in INVALID])
def test_invalid_patterns_give_eventbridges_reason(pattern, reason):
    with pytest.raises(PatternError) as err:
        validate_event_pattern(pattern)
    assert err.value.reason == reason


@pytest.mark.parametrize("pattern", VALID)
def test_valid_patterns_pass(pattern):
    validate_event_pattern(pattern)


def test_put_rule_and_test_event_pattern_answer_as_aws(world):
    ev = boto3.client("events", region_name=REGION)
    for api in ("put_rule", "test_event_pattern"):
        for raw, message in [('{"source": "lab.iot"}', 'Reason: "source" must be an object or an array'),
                             ("{not json", "Reason: Invalid JSON"), ("[]", "Reason: Filter is not an object")]:
            with pytest.raises(ClientError) as err:
                if api == "put_rule":
                    ev.put_rule(Name="broken", EventPattern=raw)
                else:
                    ev.test_event_pattern(EventPattern=raw, Event=json.dumps(EVENT))
            assert err.value.response["Error"]["Code"] == "InvalidEventPatternException"
            assert err.value.response["Error"]["Message"] == f"Event pattern is not valid. {message}"
    hot = json.dumps({"detail": {"temperature": [{"numeric": [">", 35]}]}})
    assert ev.test_event_pattern(EventPattern=hot, Event=json.dumps(EVENT))["Result"] is True
    cold = {**EVENT, "detail": {**EVENT["detail"], "temperature": 20}}
    assert ev.test_event_pattern(EventPattern=hot, Event=json.dumps(cold))["Result"] is False
    with pytest.raises(ClientError) as err:
        ev.test_event_pattern(EventPattern=hot, Event=json.dumps({"detail": {}}))
    assert err.value.response["Error"]["Code"] == "ValidationException"
    # a schedule rule (no pattern) is still accepted
    ev.put_rule(Name="tick", ScheduleExpression="rate(5 minutes)")
