"""The seam inventory (docs/architecture.md, "Seams"): every change the course makes to moto.

Walks ``serverless_lab.cloud.patching.SEAMS``: each target exists in the installed moto (or is
one the course adds), each replacement takes what moto passes to the original, every seam is
installed while a session with all extensions runs and its services are used, and after
``stop()`` moto holds exactly what it held before. Also: a moto outside the supported range
gets one clear message, and so does a seam whose target moved.
"""

from __future__ import annotations

import importlib

import boto3
import pytest
from botocore.exceptions import ClientError

from serverless_lab import mock_aws
from serverless_lab.cloud import extensions as ext
from serverless_lab.cloud import inventory, patching
from serverless_lab.errors import LabError

# Options that switch on seams installed only on request.
CONDITIONAL_OPTIONS = {"s3_notifications": "async"}
# moto modules whose import installs lazy seams (the services below import most of them).
LAZY_MOTO = ("moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
             "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_ecs",
             "moto.rdsdata.responses", "moto.rdsdata.urls", "moto.codedeploy.responses")


def _declare_everything() -> None:
    inventory.declare_all()


def _snapshot() -> dict[str, object]:
    out: dict[str, object] = {}
    for target, s in patching.SEAMS.items():
        owner = s.owner()
        if s.item:
            out[target] = dict(getattr(owner, s.attr))
        else:
            out[target] = owner.__dict__.get(s.attr, "<absent>") if isinstance(owner, type) \
                else getattr(owner, s.attr, "<absent>")
    return out


def _use_every_service(aws) -> None:
    calls = [("lambda", "list_functions", {}), ("apigateway", "get_rest_apis", {}),
             ("apigatewayv2", "get_apis", {}), ("events", "list_rules", {}),
             ("scheduler", "list_schedules", {}), ("sqs", "list_queues", {}),
             ("ecs", "list_clusters", {}), ("rds", "describe_db_clusters", {}),
             ("stepfunctions", "list_state_machines", {}), ("cloudformation", "list_stacks", {}),
             ("logs", "describe_log_groups", {}), ("s3", "list_buckets", {}),
             ("rds-data", "execute_statement", {"resourceArn": "arn:aws:rds:us-east-1:123456789012:cluster:none",
                                                "secretArn": "arn:aws:secretsmanager:us-east-1:123456789012:"
                                                             "secret:none", "sql": "select 1"})]
    for service, op, kwargs in calls:
        try:
            getattr(boto3.client(service, region_name="us-east-1"), op)(**kwargs)
        except ClientError:
            pass   # an error answer still went through moto's backend for that service
    for name in LAZY_MOTO:
        importlib.import_module(name)
    for name in ext.REGISTRY:
        aws.extension(name)


def test_every_seam_target_exists_in_the_installed_moto():
    _declare_everything()
    installed = patching.check_moto_version()
    problems = []
    for target, s in sorted(patching.SEAMS.items()):
        try:
            value = s.current()
        except patching.SeamError as exc:
            problems.append(str(exc))
            continue
        if not s.create and value is None:
            problems.append(f"{target}: moto holds None")
        if installed not in s.checked:
            problems.append(f"{target}: checked against moto {s.checked}, installed {installed}")
        if not (s.why and s.extension):
            problems.append(f"{target}: a seam must say why and which extension installs it")
    assert not problems, "\n".join(problems)


def test_every_private_read_names_a_moto_class():
    _declare_everything()
    for key, read in patching.PRIVATE_READS.items():
        module, _, owner = read.owner.partition(":")
        assert hasattr(importlib.import_module(module), owner), key


def test_seams_are_installed_with_moto_signatures_and_undone_at_stop():
    _declare_everything()
    for name in LAZY_MOTO:
        importlib.import_module(name)
    before = _snapshot()
    with mock_aws(**CONDITIONAL_OPTIONS) as aws:
        _use_every_service(aws)
        live = dict(patching.LIVE)
        during = _snapshot()
    after = _snapshot()

    not_installed = sorted(set(patching.SEAMS) - set(live))
    assert not not_installed, f"declared but never installed while every service ran: {not_installed}"
    bad = [p for t, (orig, repl) in live.items()
           if (p := patching.SEAMS[t].signature_problem(orig, repl))]
    assert not bad, "\n".join(bad)
    unchanged = [t for t in live if not patching.SEAMS[t].item and during[t] is before[t]]
    assert not unchanged, f"installed but moto still holds its own: {unchanged}"
    leaked = [t for t in patching.SEAMS if after[t] != before[t] if patching.SEAMS[t].item] + \
             [t for t in patching.SEAMS if not patching.SEAMS[t].item and after[t] is not before[t]]
    assert not leaked, f"still patched after stop(): {leaked}"
    assert patching.LIVE == {}


def test_signature_check_catches_a_replacement_that_drops_a_parameter():
    s = patching.Seam("m:C.f", "why", "test")

    def original(self, name, qualifier=None): ...

    def good(self, name, qualifier=None): ...

    def wrapper(self, *args, **kwargs): ...

    def dropped(self, name): ...

    def swapped(self, qualifier, name): ...

    assert s.signature_problem(original, good) is None
    assert s.signature_problem(original, wrapper) is None
    assert "qualifier" in s.signature_problem(original, dropped)
    assert s.signature_problem(original, swapped)


def test_a_moto_outside_the_supported_range_gets_one_clear_message(monkeypatch):
    low, high = patching.SUPPORTED_MOTO
    for version in ("5.1.9", high, "6.0.0", "not installed"):
        with pytest.raises(LabError) as err:
            patching.check_moto_version(version)
        assert version in str(err.value) and low in str(err.value)
        assert "pip install -r requirements.txt" in err.value.next_step
    assert patching.check_moto_version(low) == low
    monkeypatch.setattr(patching, "installed_moto", lambda: "5.1.0")
    with pytest.raises(LabError, match="moto >= 5.2.5"):
        mock_aws().start()


def test_a_moved_target_is_a_seam_error_not_an_attribute_error():
    moved = patching.Seam("moto.awslambda.models:LambdaFunction.no_such_method", "why", "test")
    with pytest.raises(patching.SeamError, match="no_such_method") as err:
        patching.Patcher().replace(moved, lambda self: None)
    assert "requirements.txt" in err.value.next_step
    gone = patching.Seam("moto.no_such_service.models:Backend.f", "why", "test")
    with pytest.raises(patching.SeamError, match="no_such_service"):
        gone.current()
    read = patching.PrivateRead("moto.awslambda.models:LambdaBackend", "_no_such_state", "why")
    with pytest.raises(patching.SeamError, match="_no_such_state"):
        read.read(object())


def test_unknown_options_and_extensions_name_the_known_ones():
    with pytest.raises(LabError) as err:
        mock_aws(keep_alive=5)
    assert "'keep_alive'" in str(err.value) and "keep_alive_s" in err.value.next_step
    with pytest.raises(LabError, match="aurora"):
        mock_aws(extensions=["lambda"], aurora_resume="wait")
    with pytest.raises(LabError) as err:
        mock_aws(extensions=["lamda"])
    assert "lambda" in err.value.next_step


def test_extensions_activate_when_their_service_is_first_used():
    with mock_aws() as aws:
        boto3.client("s3").list_buckets()
        assert "fargate" not in aws.extensions and "aurora" not in aws.extensions
        boto3.client("ecs").list_clusters()
        assert "fargate" in aws.extensions
        assert aws.extension("aurora") is aws.extensions["aurora"]   # on demand


def test_docs_list_every_seam():
    """docs/architecture.md carries the inventory generated from the code (see its "Seams" section)."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert inventory.section(doc) == inventory.markdown(), (
        "docs/architecture.md's seam inventory is out of date: run "
        "`python -m serverless_lab.cloud.inventory --write docs/architecture.md`")
