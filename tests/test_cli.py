"""`serverless-lab doctor` and the course's error messages."""

from __future__ import annotations

import pytest

from serverless_lab.cli import main
from serverless_lab.doctor import run_doctor
from serverless_lab.errors import MissingDependencyError, require


def test_doctor_reports_and_passes_on_this_machine(monkeypatch):
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    lines: list[str] = []
    assert run_doctor(out=lines.append) == 0, "\n".join(lines)
    text = "\n".join(lines)
    assert "mock round-trip through S3 and DynamoDB: ok" in text
    assert "moto 5.2" in text and "nbgrader" in text
    assert "FAIL" not in text


def test_doctor_warns_about_real_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    lines: list[str] = []
    run_doctor(out=lines.append)
    warning = [line for line in lines if "Real AWS credentials" in line]
    assert warning and "warn" in warning[0]


def test_missing_optional_dependency_says_how_to_install():
    with pytest.raises(MissingDependencyError) as err:
        require("definitely_not_a_module_xyz", "The frobnicator", package="frob")
    assert "frob" in err.value.message and "make setup" in err.value.next_step


def test_cli_errors_are_one_readable_paragraph(capsys):
    assert main(["release", "lab99-nope"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: No such lab") and "→ Available:" in err and "Traceback" not in err
    assert main([]) == 2
