"""Conformance: moto's own Lambda tests that need Docker, run with the course runtime instead.

    .venv/bin/python tests/conformance/run.py            # N/M passed, the expected failures, exit 0 if all pass
    .venv/bin/python tests/conformance/run.py -k sqs     # extra arguments go to pytest

moto marks the tests that run handler code ``requires_docker``: moto starts a Lambda container
for them. This runner takes those tests, for the installed (pinned) moto release, from moto's
source distribution (``pip download --no-deps --no-binary :all: moto==X``; the download is
cached), and runs them in a pytest whose plugin (``serverless_lab_conformance``) wraps every
test in ``serverless_lab.mock_aws()``: the course's local Lambda runtime takes Docker's place.
A short list of tests that assert Docker artefacts rather than AWS behaviour is kept in the
plugin with the reason for each; every other selected test must pass.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent

# moto's test files with requires_docker tests about Lambda (Batch's and moto's own Docker tests
# are about containers, not Lambda, and are left out).
LAMBDA_TEST_FILES = (
    "tests/test_awslambda/test_lambda_invoke.py",
    "tests/test_awslambda/test_lambda_eventsourcemapping.py",
    "tests/test_awslambda/test_lambda_layers_invoked.py",
    "tests/test_s3/test_s3_lambda_integration.py",
    "tests/test_sqs/test_sqs_integration.py",
    "tests/test_logs/test_integration.py",
    "tests/test_events/test_events_lambdatriggers_integration.py",
    "tests/test_stepfunctions/parser/test_stepfunctions_lambda_integration.py",
    "tests/test_stepfunctions/parser/test_stepfunctions_lambda_retry_integration.py",
    "tests/test_cloudformation/test_cloudformation_custom_resources.py",
    "tests/test_cloudformation/test_cloudformation_stack_integration.py",
    "tests/test_secretsmanager/test_server.py",
)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "serverless-lab" / "conformance"


def moto_tests(version: str) -> Path:
    """moto's ``tests/`` folder of ``version`` (downloaded once, only the tests extracted)."""
    root = cache_dir()
    dest = root / f"moto-{version}-tests"
    if (dest / "tests" / "markers.py").exists():
        return dest
    root.mkdir(parents=True, exist_ok=True)
    sdist = root / f"moto-{version}.tar.gz"
    if not sdist.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        f"moto=={version}", "-d", str(root)], check=True)
    tmp = Path(tempfile.mkdtemp(prefix="moto-tests-", dir=root))
    with tarfile.open(sdist) as tar:
        prefix = f"moto-{version}/"
        members = [m for m in tar.getmembers() if m.name.startswith(prefix + "tests/")]
        for m in members:
            m.name = m.name[len(prefix):]
        tar.extractall(tmp, members=members, filter="data")   # the tests only: moto itself stays the installed one
    tmp.rename(dest)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", help="write the per-test outcomes to this file")
    args, extra = parser.parse_known_args(argv)
    version = metadata.version("moto")
    root = moto_tests(version)
    report = Path(tempfile.mkstemp(prefix="conformance-", suffix=".xml")[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(root)])
    env.pop("SKIP_REQUIRES_DOCKER", None)
    cmd = [sys.executable, "-m", "pytest", *LAMBDA_TEST_FILES, "-m", "requires_docker",
           "-p", "serverless_lab_conformance", "-p", "no:cacheprovider", "-p", "no:randomly",
           "--rootdir", str(root), "-c", os.devnull, "-o", "addopts=", "-q", "-rfEx", "--tb=short",
           f"--junitxml={report}", *extra]
    print(f"moto {version}: running its requires_docker Lambda tests with the course runtime", flush=True)
    proc = subprocess.run(cmd, cwd=root, env=env)
    outcomes = _outcomes(report)
    report.unlink(missing_ok=True)
    passed = sum(1 for o in outcomes.values() if o == "passed")
    expected = {k: o for k, o in outcomes.items() if o in ("xfailed", "xpassed")}
    counted = {k: o for k, o in outcomes.items() if k not in expected and o != "skipped"}
    print(f"\nconformance: {passed}/{len(counted)} passed "
          f"({len(expected)} expected failures listed in serverless_lab_conformance.EXPECTED, "
          f"{sum(1 for o in outcomes.values() if o == 'skipped')} skipped)")
    if args.json:
        Path(args.json).write_text(json.dumps(outcomes, indent=1, sort_keys=True))
    return 0 if proc.returncode == 0 and passed == len(counted) else 1


def _outcomes(junit: Path) -> dict[str, str]:
    import xml.etree.ElementTree as ET

    out: dict[str, str] = {}
    try:
        tree = ET.parse(junit)
    except (ET.ParseError, OSError):
        return out
    for case in tree.iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        tags = {child.tag: child for child in case}
        if "failure" in tags or "error" in tags:
            out[name] = "failed"
        elif "skipped" in tags:
            kind = tags["skipped"].get("type", "")
            out[name] = "xfailed" if "xfail" in kind else "skipped"
        else:
            out[name] = "passed"
    return out


if __name__ == "__main__":
    sys.exit(main())
