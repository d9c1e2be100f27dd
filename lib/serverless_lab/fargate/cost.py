"""What a Fargate task costs, and what the same job would cost on Lambda.

Prices come from :mod:`serverless_lab.pricing` (Fargate Linux in us-east-1: x86 $0.04048 per
vCPU-hour and $0.004445 per GB-hour, ARM $0.03238 and $0.00356; billed per second from the start of the image pull until
the task stops, with a 1-minute minimum; https://aws.amazon.com/fargate/pricing/).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import limits, pricing

LAMBDA_MAX_S = limits.TIMEOUT_MAX_S               # Lambda's 15-minute timeout
LAMBDA_MAX_MEMORY_MB = limits.MEMORY_MAX_MB
LAMBDA_MB_PER_VCPU = limits.MB_PER_VCPU           # Lambda gives one full vCPU at 1,769 MB


def fargate_task_cost(vcpu: float, memory_gb: float, seconds: float, tasks: int = 1) -> pricing.Cost:
    """Cost of ``tasks`` Fargate tasks of this size that each ran ``seconds``."""
    return pricing.fargate_cost(vcpu, memory_gb, seconds, tasks=tasks)


@dataclass
class LambdaComparison:
    """The same job on Fargate and on Lambda (``lambda_possible`` is False beyond 15 minutes)."""

    duration_s: float
    runs: int
    fargate: pricing.Cost
    lambda_: pricing.Cost
    lambda_memory_mb: int
    lambda_possible: bool
    note: str

    @property
    def cheaper(self) -> str:
        if not self.lambda_possible:
            return "fargate"
        return "lambda" if self.lambda_.total < self.fargate.total else "fargate"

    def __str__(self) -> str:
        return (f"{self.runs} run(s) of {self.duration_s:,.0f} s\n"
                f"  Fargate: ${self.fargate.total:.6f}\n"
                f"  Lambda ({self.lambda_memory_mb} MB): ${self.lambda_.total:.6f}"
                f"{'' if self.lambda_possible else '  (not possible in one invocation)'}\n  {self.note}")

    def _repr_html_(self) -> str:
        return "<pre>" + str(self) + "</pre>"


def compare_with_lambda(duration_s: float | None = None, vcpu: float = 0.25, memory_gb: float = 0.5, runs: int = 1,
                        lambda_memory_mb: int | None = None, *, task: str | None = None) -> LambdaComparison:
    """Price one job both ways: a Fargate task of ``vcpu``/``memory_gb`` and a Lambda function.

    Give either the job's ``duration_s`` and size, or ``task=`` the ARN of a Fargate task run in
    this session (its size and billed time are used). The Lambda memory defaults to the task's
    memory, raised so that Lambda gets at least the same CPU (1,769 MB per vCPU), capped at
    10,240 MB. Lambda bills per ms with no minimum and stops at 15 minutes: a longer job needs
    Fargate (or splitting into pieces, e.g. with Step Functions).
    """
    if task is not None:
        from ..cloud.session import current_session
        from ..errors import LabError

        session = current_session()
        if session is None:
            raise LabError("compare_with_lambda(task=...) needs the running mock_aws() session.",
                           "Call it inside `with mock_aws() as aws:`, or pass duration_s instead.")
        engine = session.extension("fargate")
        run = engine.require(task)
        duration_s = engine.billed_seconds(task)
        vcpu, memory_gb = run.cpu / 1024, run.memory / 1024
    if duration_s is None:
        raise ValueError("pass duration_s (seconds the job runs) or task= a Fargate task ARN")
    fargate = fargate_task_cost(vcpu, memory_gb, duration_s, tasks=runs)
    mem = lambda_memory_mb or int(min(LAMBDA_MAX_MEMORY_MB, max(128, memory_gb * 1024,
                                                                math.ceil(vcpu * LAMBDA_MB_PER_VCPU))))
    lam = pricing.lambda_monthly_cost(runs, duration_s * 1000, mem, free_tier=False)
    possible = duration_s <= LAMBDA_MAX_S
    if possible:
        note = ("Lambda bills per millisecond with no minimum; Fargate bills per second with a 1-minute minimum "
                "and also for its start-up (image pull).")
    else:
        pieces = math.ceil(duration_s / LAMBDA_MAX_S)
        note = (f"{duration_s / 60:,.1f} minutes exceeds Lambda's 15-minute limit: one invocation would time out. "
                f"Lambda would need the job split into at least {pieces} pieces; the Lambda price shown is for "
                "the same compute time had it been possible.")
    return LambdaComparison(duration_s, runs, fargate, lam, mem, possible, note)


def task_cost(task: str) -> pricing.Cost:
    """Cost of one Fargate task run in the current session (so far, if it is still running)."""
    from ..cloud.session import current_session
    from ..errors import LabError

    session = current_session()
    if session is None:
        raise LabError("task_cost() needs the running mock_aws() session.", "Call it inside `with mock_aws() as aws:`.")
    engine = session.extension("fargate")
    run = engine.require(task)
    architecture, storage_gb = task_platform(run)
    return pricing.fargate_cost(run.cpu / 1024, run.memory / 1024, engine.billed_seconds(task),
                                architecture=architecture, ephemeral_storage_gb=storage_gb)


def task_platform(run: object) -> tuple[str, float]:
    """(architecture for pricing, ephemeral storage GiB) from the task's definition (x86_64 and 20 GiB by default)."""
    try:
        from moto.ecs.models import ecs_backends

        backend = ecs_backends[run.account_id][run.region]  # type: ignore[attr-defined]
        definition = backend.describe_task_definition(run.task.task_definition_arn)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a task without a definition in moto: the defaults
        return "x86_64", 20.0
    arch = ((getattr(definition, "runtime_platform", None) or {}).get("cpuArchitecture") or "X86_64").upper()
    storage = (getattr(definition, "ephemeral_storage", None) or {}).get("sizeInGiB") or 20
    return ("arm64" if arch == "ARM64" else "x86_64"), float(storage)


