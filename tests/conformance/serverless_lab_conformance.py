"""pytest plugin: run moto's own Docker-marked tests with the course's Lambda runtime instead.

Loaded by ``tests/conformance/run.py`` (``-p serverless_lab_conformance``) into a pytest that
collects moto's test files from its source distribution. Every test runs inside a
``serverless_lab.mock_aws()`` world; the test's own ``@mock_aws`` / ``with mock_aws():`` nest in
it (moto's nesting: the inner mock shares the running one's state), so each Lambda invocation
moto would have sent to a Docker container runs the real handler in the local runtime.

Tests listed in :data:`EXPECTED` assert what moto's Docker path does rather than what AWS does
(or need something no local runtime has, such as a container image); they are marked xfail
with their reason so the run's verdict is about AWS behaviour only.
"""

from __future__ import annotations

import os

import pytest

# Why a test cannot pass against AWS's behaviour (each reason is one Docker artefact or one
# thing moto accepts and AWS refuses).
RETURN_VALUE_IN_LOGS = ("reads the handler's return value from CloudWatch Logs: moto's Lambda container prints "
                        "it, AWS's runtime does not log return values (the handler here only returns the event)")
EVENT_PAYLOAD = ("expects an InvocationType=Event call to answer with the function's result; AWS answers "
                 "202 with an empty body (the function runs later)")
EXPECTED: dict[str, str] = {
    "test_lambda_invoke.py::TestLambdaInvocations_Error::test_invoke_function_that_throws_error":
        "expects FunctionError 'Handled' for a raised exception (moto's container); AWS reports 'Unhandled'",
    "test_lambda_invoke.py::TestLambdaInvocations::test_invoke_event_function": EVENT_PAYLOAD,
    "test_lambda_invoke.py::test_invoke_function_with_multiple_files_in_zip": EVENT_PAYLOAD,
    "test_lambda_eventsourcemapping.py::test_invoke_function_from_dynamodb_put": RETURN_VALUE_IN_LOGS,
    "test_lambda_eventsourcemapping.py::test_invoke_function_from_sqs_exception":
        "expects the failed batch visible in the queue at once; on AWS its messages stay in flight until "
        "the visibility timeout (30 s by default) ends, then Lambda retries them",
    "test_sqs_integration.py::test_invoke_function_from_sqs_fifo_queue": RETURN_VALUE_IN_LOGS,
    "test_integration.py::test_put_subscription_filter_with_lambda": RETURN_VALUE_IN_LOGS,
    "test_integration.py::test_subscription_filter_applies_to_new_streams": RETURN_VALUE_IN_LOGS,
    "test_events_lambdatriggers_integration.py::test_creating_bucket__invokes_lambda": RETURN_VALUE_IN_LOGS,
    "test_cloudformation_stack_integration.py::test_lambda_function":
        "expects an Invoke without a payload to give the handler the string '{}' (moto's container); on AWS "
        "the handler receives an empty object {}",
    "test_server.py::test_rotate_secret_lambda_invocations":
        "expects one log stream per invocation (moto starts a container per call); on AWS the rotation's "
        "four sequential calls reuse one warm execution environment, so one log stream",
    "test_s3_lambda_integration.py::test_objectcreated_put__invokes_lambda":
        "configures an S3 notification to a function without lambda:InvokeFunction permission for "
        "s3.amazonaws.com; AWS refuses that PutBucketNotificationConfiguration ('Unable to validate "
        "the following destination configurations'), and so does the course",
}


def pytest_configure(config: pytest.Config) -> None:
    for marker in ("requires_docker: moto's marker for tests that run Lambda in Docker",
                   "network: moto's marker (needs a network connection)",
                   "aws_verified: moto's marker (verified against AWS)",
                   "requires_clean_slate: moto's marker (no parallel runs)"):
        config.addinivalue_line("markers", marker)
    os.environ.pop("SKIP_REQUIRES_DOCKER", None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        test = item.nodeid.split("[")[0]
        for suffix, reason in EXPECTED.items():
            if test.endswith("/" + suffix):
                item.add_marker(pytest.mark.xfail(reason=reason, strict=True))


@pytest.fixture(autouse=True)
def _course_world():
    """A fresh mocked world (moto + the local Lambda runtime) around each test."""
    from serverless_lab import mock_aws

    with mock_aws() as aws:
        aws.extension("lambda")   # the runtime replaces Docker from the first call on
        yield aws
