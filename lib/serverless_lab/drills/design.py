"""A system-design round: one scenario, then follow-ups that build on it, as in a design interview.

Each :class:`Scenario` states a system and its numbers; its steps go requirements and numbers →
architecture → the bottleneck at scale → failure modes → cost. Text steps are scored like the bank's
questions (key points, negations, named misconceptions). Estimate steps are checked against the
course's own models — the scaling simulator (``serverless_lab.simulate``) and the price list
(``serverless_lab.pricing``) — and the feedback shows the candidate's number, the model's number and how
the model got it. The report lists strengths and gaps by stage.

``DesignRound`` holds the logic (usable from code and tests); ``DesignRound.widget()`` puts it in a
notebook; ``serverless-lab drill --design`` runs it in a terminal.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..errors import LabError
from .bank import Question, make_question
from .scoring import Feedback, check

STAGES = ("requirements", "architecture", "bottleneck", "failure modes", "cost")


@dataclass(frozen=True)
class Step:
    """One follow-up question. ``model`` (for an estimate) returns the model's number and its derivation."""

    stage: str
    question: str
    answer: str
    points: tuple[str, ...]
    source: str
    misconceptions: tuple[dict[str, Any], ...] = ()
    model: Callable[[], tuple[float, str]] | None = None
    unit: str = ""
    tolerance: float = 0.15


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    brief: str
    steps: tuple[Step, ...]


@dataclass
class StepResult:
    step: Step
    feedback: Feedback
    derivation: str = ""

    def text(self) -> str:
        lines = [self.feedback.text(with_answer=False)]
        if self.derivation:
            lines.append(f"  model's number: {self.derivation}")
        lines.append(f"  model answer: {self.feedback.question.answer}")
        lines.append(f"  source: {self.step.source}")
        return "\n".join(lines)


@dataclass
class DesignReport:
    scenario: Scenario
    results: list[StepResult]
    by_stage: dict[str, float] = field(default_factory=dict)

    @property
    def strengths(self) -> list[str]:
        return [s for s, v in self.by_stage.items() if v >= 0.6]

    @property
    def gaps(self) -> list[str]:
        return [s for s, v in self.by_stage.items() if v < 0.6]

    def text(self) -> str:
        lines = [f"Design round: {self.scenario.title} — {sum(self.by_stage.values()):.1f} / {len(self.by_stage)}"]
        for stage, value in self.by_stage.items():
            result = next((r for r in self.results if r.step.stage == stage), None)
            missed = f" (missed: {'; '.join(result.feedback.missed)})" if result and result.feedback.missed else ""
            wrong = (f" misconception: {'; '.join(result.feedback.misconceptions)}"
                     if result and result.feedback.misconceptions else "")
            lines.append(f"  {stage:<14} {value:>5.0%}{missed}{wrong}")
        lines.append("Strengths: " + (", ".join(self.strengths) or "none yet"))
        lines.append("Gaps: " + (", ".join(self.gaps) or "none"))
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        rows = "".join(f"\n| {s} | {v:.0%} |" for s, v in self.by_stage.items())
        return (f"**Design round: {self.scenario.title}**\n\n| stage | score |\n|---|---|{rows}\n\n"
                f"**Strengths:** {', '.join(self.strengths) or 'none yet'}  \n**Gaps:** {', '.join(self.gaps) or 'none'}")


# --------------------------------------------------------------------------- the models behind the estimates
def _peak_concurrency(rate: float, seconds: float, duration_ms: float, memory_mb: int) -> tuple[float, str]:
    from .. import simulate as sim

    trace = sim.simulate(sim.constant(rate, seconds), duration_ms=duration_ms, duration_cv=0.0,
                         memory_mb=memory_mb, seed=1)
    peak = sim.summary(trace)["peak_concurrency"]
    return float(peak), (f"Little's law {rate:g}/s × {duration_ms / 1000:g} s = {rate * duration_ms / 1000:g}; the "
                         f"course simulator (serverless_lab.simulate, cold starts included) peaks at {peak}")


def _plateau_concurrency() -> tuple[float, str]:
    import numpy as np

    from .. import simulate as sim

    trace = sim.simulate(sim.burst(50, 180, burst_rate=3000, burst_start_s=60, burst_duration_s=60),
                         duration_ms=150, duration_cv=0.0, memory_mb=512, seed=1)
    t, c = sim.concurrency(trace, max_points=None)
    plateau = float(np.median(c[(t >= 75) & (t <= 115)]))
    return plateau, (f"Little's law 3,000/s × 0.15 s = 450; the simulator's median during the launch plateau is "
                     f"{plateau:g} (its peak while cold starts pile up is {sim.peak_concurrency(trace)})")


def _etl_minutes() -> tuple[float, str]:
    import numpy as np

    from .. import simulate as sim

    trace = sim.simulate_sqs(np.zeros(2_000_000), batch_size=100, base_ms=0.0, per_message_ms=40.0,
                             memory_mb=512, timeout_s=60, max_concurrency=50, seed=1)
    minutes = float(trace.columns()["invoke_end"].max()) / 60
    return round(minutes, 1), (f"2,000,000 ÷ 100 = 20,000 batches × 4 s ÷ 50 at a time = 1,600 s ≈ 26.7 min; "
                               f"the SQS simulator (pollers ramping up) finishes in {minutes:.1f} min")


def _cost(parts: Callable[[], list[tuple[str, Any]]]) -> Callable[[], tuple[float, str]]:
    def run() -> tuple[float, str]:
        costs = parts()
        total = sum(c.total for _, c in costs)
        how = " + ".join(f"{name} ${c.total:,.2f}" for name, c in costs)
        return round(total, 2), f"{how} = ${total:,.2f} (serverless_lab.pricing, us-east-1 list prices)"
    return run


def _photo_cost() -> list[tuple[str, Any]]:
    from ..pricing import lambda_monthly_cost

    return [("Lambda 155,520,000 requests × 800 ms × 1,024 MB", lambda_monthly_cost(155_520_000, 800, 1024))]


def _order_cost() -> list[tuple[str, Any]]:
    from ..pricing import apigateway_cost, lambda_monthly_cost

    return [("HTTP API 30 M requests", apigateway_cost(30_000_000, "http")),
            ("Lambda 30 M × 150 ms × 512 MB", lambda_monthly_cost(30_000_000, 150, 512))]


def _etl_cost() -> list[tuple[str, Any]]:
    from ..pricing import lambda_monthly_cost

    return [("Lambda 30 nights × 20,000 batches × 4 s × 512 MB", lambda_monthly_cost(600_000, 4000, 512))]


LAMBDA_SCALING = "https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html"
LAMBDA_ASYNC = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html"
LAMBDA_PRICING = "https://aws.amazon.com/lambda/pricing/"
APIGW_PRICING = "https://aws.amazon.com/api-gateway/pricing/"
SQS_LAMBDA = "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html"
S3_EVENTS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventNotifications.html"

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "photo-10x", "The photo pipeline at 10× load",
        "The course's photo pipeline: users upload photos to S3; the upload's event notification invokes a thumbnail "
        "function asynchronously (800 ms per photo at 1,024 MB, x86); it writes the thumbnail and a DynamoDB item. "
        "Today's peak is 20 uploads per second. Marketing expects 10× that at peak, and an average of 60 uploads per "
        "second over a 30-day month.",
        (
            Step("requirements", "At 10× (200 uploads per second at peak), how many concurrent executions does the "
                 "thumbnail function need? A number, with your working.",
                 "200 uploads/s × 0.8 s = 160 concurrent executions by Little's law; cold starts add a little on top.",
                 ("little|rate.*duration|200.*0\\.8|× ?0\\.8",), LAMBDA_SCALING,
                 model=lambda: _peak_concurrency(200, 60, 800, 1024), unit="concurrent executions", tolerance=0.15),
            Step("architecture", "Sketch the architecture that absorbs this load: which services, and how does the "
                 "work flow from upload to thumbnail?",
                 "S3 event notification (or EventBridge) → SQS queue → Lambda event source mapping with a maximum "
                 "concurrency, writing thumbnails to another bucket (no loop) and metadata to DynamoDB on-demand; "
                 "failures to a DLQ.",
                 ("s3 event|notification|eventbridge", "sqs|queue|buffer", "another bucket|prefix",
                  "dynamodb", "dlq|dead.letter|destination"), S3_EVENTS),
            Step("bottleneck", "What breaks first at 10×, and how do you keep it from breaking?",
                 "The account's concurrency quota (1,000 by default, often lower for new accounts) is shared by every "
                 "function: 160+ thumbnails can starve other functions or be throttled. Ask for a quota increase, cap the "
                 "thumbnail function (reserved concurrency or the SQS maximum concurrency) so the queue absorbs peaks, and "
                 "check DynamoDB on-demand's throughput for the new peak. Scaling speed (1,000 environments per 10 s per "
                 "function) is not the limit here.",
                 ("account.*(quota|limit)|concurrency (quota|limit)|1,000",
                  "reserved concurrency|maximum concurrency|maximumconcurrency|cap", "queue|buffer|sqs", "throttl"),
                 LAMBDA_SCALING,
                 misconceptions=({"says": "Lambda has no concurrency limit", "point": 0,
                                  "pattern": "(scales? (infinitely|without (any )?limit|forever)|unlimited concurrency|"
                                             "there is no (concurrency )?limit)"},)),
            Step("failure modes", "A photo fails to process, or is delivered twice. What happens, and what do you "
                 "build for it?",
                 "S3 notifications are at-least-once and asynchronous invocations are retried twice, so the same photo can "
                 "arrive more than once: make the function idempotent (conditional write on key and ETag). A poison photo "
                 "(corrupt file) ends in the DLQ or on-failure destination after its retries; alarm on it and redrive "
                 "after a fix.",
                 ("at least once|duplicate|more than once|twice", "idempoten|conditional", "retr",
                  "dlq|dead.letter|destination", "alarm|redrive"), LAMBDA_ASYNC,
                 misconceptions=({"says": "S3 delivers each event exactly once", "point": 0,
                                  "pattern": "(s3|notification|event)s?[^.;]*(exactly.?once|only once)"},)),
            Step("cost", "What does the thumbnail function cost per month at the new average (60 uploads/s over a "
                 "30-day month, 800 ms, 1,024 MB, x86, free tier included)? In USD.",
                 "60 × 86,400 × 30 = 155,520,000 requests; 155,520,000 × 0.8 s × 1 GB = 124,416,000 GB-s − 400,000 free = "
                 "124,016,000 × $0.0000166667 ≈ $2,066.94 of compute, plus (155.52 M − 1 M) × $0.20 per million ≈ "
                 "$30.90 of requests: total = $2,097.84 a month.",
                 ("gb.?s|gb-second", "0\\.20|request"), LAMBDA_PRICING, model=_cost(_photo_cost), unit="USD per month",
                 tolerance=0.10),
        )),
    Scenario(
        "order-api-launch", "An order API with a spiky launch",
        "An order API: an HTTP API in front of a Lambda function (150 ms, 512 MB) that writes to DynamoDB on-demand. "
        "Normal traffic is 50 requests per second. At a product launch it jumps to 3,000 requests per second within a "
        "second and stays there for a minute. Over a month the API serves 30 million requests.",
        (
            Step("requirements", "How many concurrent executions does the function run during the launch plateau "
                 "(3,000 requests/s)? A number, with your working.",
                 "3,000/s × 0.15 s = 450 concurrent executions while the plateau lasts; while it ramps up, cold starts "
                 "make environments live longer and the peak is higher.",
                 ("little|rate.*duration|3,?000.*0\\.15|× ?0\\.15",), LAMBDA_SCALING,
                 model=_plateau_concurrency, unit="concurrent executions", tolerance=0.15),
            Step("architecture", "Which architecture takes the order, and what do you decouple?",
                 "API Gateway HTTP API → Lambda validates and writes the order to DynamoDB with an idempotency key, "
                 "returns at once; fulfilment (payment, email, stock) runs asynchronously from EventBridge or SQS.",
                 ("http api|api gateway", "dynamodb", "idempoten", "asynchronous|async|sqs|queue|eventbridge"),
                 "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api.html"),
            Step("bottleneck", "Where does the launch hurt, and what do you prepare before it?",
                 "The first second needs hundreds of new environments, each with a cold start, so p99 latency spikes; "
                 "schedule provisioned concurrency for the launch. Check the account concurrency quota (new accounts are "
                 "often below 1,000). A function adds at most 1,000 environments every 10 seconds, enough here. "
                 "DynamoDB on-demand serves twice its previous peak without throttling (a new table 4,000 writes/s): "
                 "raise the table's warm throughput (pre-warm it) before the launch.",
                 ("cold start", "provisioned concurrency", "quota|account",
                  "dynamodb.*(double|twice|peak|warm|throttl)|warm throughput|pre.?warm"),
                 LAMBDA_SCALING,
                 misconceptions=({"says": "a keep-warm ping handles a launch spike", "point": 1,
                                  "pattern": "(ping|keep.?warm)[^.;]*(handles?|solves?|covers?|enough)"},)),
            Step("failure modes", "Requests are throttled or time out during the launch. What does the client see, and "
                 "how do you keep orders correct?",
                 "Throttled requests get 429 (Lambda or API Gateway); clients retry with exponential backoff and jitter. "
                 "A retried request must not create a second order: an idempotency key with a conditional write in "
                 "DynamoDB. HTTP API integrations time out at 30 s, so keep slow work asynchronous.",
                 ("429|throttl", "backoff|jitter", "idempoten|conditional", "30 s|30 seconds|timeout"),
                 "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html",
                 misconceptions=({"says": "retries are safe without idempotency", "point": 2,
                                  "pattern": "retr(y|ies)[^.;]*(are|is) (always )?safe|no need for idempoten"},)),
            Step("cost", "What do the API and the function cost per month for 30 million requests (HTTP API, Lambda "
                 "150 ms at 512 MB, x86, Lambda free tier included)? In USD.",
                 "HTTP API: 30 M × $1.00 per million = $30.00. Lambda: (30 M − 1 M) × $0.20 per million = $5.80 plus "
                 "30 M × 0.15 s × 0.5 GB = 2,250,000 GB-s − 400,000 = 1,850,000 × $0.0000166667 ≈ $30.83: total = $66.63.",
                 ("1\\.00|http api", "gb.?s|gb-second"), APIGW_PRICING, model=_cost(_order_cost), unit="USD per month",
                 tolerance=0.10),
        )),
    Scenario(
        "nightly-etl", "A nightly ETL",
        "Every night a partner drops a CSV of 2,000,000 records in S3. Each record takes 40 ms to transform and load "
        "into a database that tolerates at most 50 concurrent writers. Records go through an SQS queue to a Lambda "
        "consumer with batches of 100 (4 s per batch, 512 MB) and a maximum concurrency of 50. The load must be done "
        "within 30 minutes.",
        (
            Step("requirements", "How many minutes does the nightly load take? A number, with your working.",
                 "2,000,000 ÷ 100 gives 20,000 batches × 4 s, 80,000 s of work; ÷ 50 in parallel that is 1,600 s, so "
                 "minutes = 26.7, inside the 30-minute window but with little margin (the simulator, with the SQS pollers "
                 "ramping up, takes a little longer).",
                 ("20,?000 batches|batches|÷ ?50|/ ?50", ), SQS_LAMBDA, model=_etl_minutes, unit="minutes",
                 tolerance=0.10),
            Step("architecture", "Which architecture runs the load, from the file to the database?",
                 "An S3 event (or EventBridge Scheduler at a set time, with a time zone) starts a splitter — a Step "
                 "Functions Distributed Map over the CSV, or a function that sends records to SQS in batches; the SQS event "
                 "source mapping with maximum concurrency 50 feeds the loader; the database sits behind RDS Proxy or the "
                 "Data API.",
                 ("distributed map|step functions|splitter|split", "sqs|queue", "maximum concurrency|maximumconcurrency|50",
                  "rds proxy|proxy|data api"), SQS_LAMBDA),
            Step("bottleneck", "What limits the speed, and what would you change if the file doubled?",
                 "The database's 50 writers cap the concurrency, so time grows with the file: doubling it takes ~55 "
                 "minutes and misses the window. Make each record cheaper (bulk inserts, bigger batches per transaction), "
                 "or raise the database's capacity before raising the concurrency. No single invocation nears the "
                 "15-minute limit.",
                 ("database|downstream|writers", "50|concurren", "bulk|batch", "double|twice|55|window"), SQS_LAMBDA,
                 misconceptions=({"says": "more Lambda concurrency alone makes it faster", "point": 1,
                                  "pattern": "(raise|increase|more) (the )?(lambda )?concurrency[^.;]*(faster|fix|solves?)"},)),
            Step("failure modes", "Some records are malformed, and the database sometimes rejects a batch. What "
                 "happens, and what do you build?",
                 "Report partial batch failures (ReportBatchItemFailures) so only failed records return; after "
                 "maxReceiveCount they go to a DLQ, with an alarm; loads are idempotent upserts so a retried batch does "
                 "no harm; the run reports its counts when the queue is empty.",
                 ("reportbatchitemfailures|partial batch|batchitemfailures", "dlq|dead.letter", "idempoten|upsert",
                  "alarm|report|count"), "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html"),
            Step("cost", "What does the loader function cost per month (30 nights, 20,000 batches of 4 s at 512 MB each "
                 "night, x86, free tier included)? In USD.",
                 "600,000 invocations (inside the 1 M free requests); 600,000 × 4 s × 0.5 GB = 1,200,000 GB-s − 400,000 "
                 "free = 800,000 GB-s × $0.0000166667: total = $13.33 a month.",
                 ("gb.?s|gb-second", "free"), LAMBDA_PRICING, model=_cost(_etl_cost), unit="USD per month", tolerance=0.10),
        )),
)


def scenario(scenario_id: str) -> Scenario:
    for s in SCENARIOS:
        if s.id == scenario_id:
            return s
    raise LabError(f"No design scenario {scenario_id!r}.", f"Scenarios: {', '.join(s.id for s in SCENARIOS)}.")


class DesignRound:
    """One scenario and its follow-ups, answered in order; ``report()`` scores each stage."""

    def __init__(self, scenario_id: str | None = None, *, seed: int | None = None) -> None:
        self.scenario = scenario(scenario_id) if scenario_id else random.Random(seed).choice(SCENARIOS)
        self.results: list[StepResult] = []

    @cached_property
    def _questions(self) -> list[Question]:
        out = []
        for i, step in enumerate(self.scenario.steps, 1):
            raw: dict[str, Any] = {
                "id": f"{self.scenario.id}-{i}", "topic": step.stage, "kind": "design",
                "question": step.question, "answer": step.answer, "points": list(step.points),
                "source": step.source, "date": "2026-12-06", "misconceptions": list(step.misconceptions)}
            if step.model is not None:
                value, _how = self._model(i - 1)
                raw.update(numeric=value, tolerance=step.tolerance, unit=step.unit)
            out.append(make_question(raw, f"design scenario {self.scenario.id}, step {i}"))
        return out

    @cached_property
    def _models(self) -> dict[int, tuple[float, str]]:
        return {i: step.model() for i, step in enumerate(self.scenario.steps) if step.model is not None}

    def _model(self, index: int) -> tuple[float, str]:
        return self._models[index]

    @property
    def done(self) -> bool:
        return len(self.results) >= len(self.scenario.steps)

    @property
    def current(self) -> Step | None:
        return None if self.done else self.scenario.steps[len(self.results)]

    def prompt(self) -> str:
        step = self.current
        if step is None:
            return "The design round is over: see report()."
        n = len(self.results) + 1
        return f"Step {n}/{len(self.scenario.steps)} · {step.stage}\n{step.question}"

    def answer(self, text: str) -> StepResult:
        """Check the answer to the current step and move on (an unreadable estimate does not move on)."""
        step = self.current
        if step is None:
            raise LabError("The design round is over.", "Look at .report(), or start a new DesignRound().")
        index = len(self.results)
        q = self._questions[index]
        feedback = check(q, text)
        derivation = ""
        if step.model is not None:
            value, how = self._model(index)
            derivation = f"{value:,g} {step.unit} — {how}"
        result = StepResult(step, feedback, derivation)
        if feedback.understood:
            self.results.append(result)
        return result

    def report(self) -> DesignReport:
        by_stage = {s.stage: 0.0 for s in self.scenario.steps}
        for r in self.results:
            by_stage[r.step.stage] = r.feedback.fraction if not r.feedback.misconceptions else min(r.feedback.fraction, 0.5)
        return DesignReport(self.scenario, list(self.results), by_stage)

    def widget(self):  # noqa: ANN201 - ipywidgets is imported lazily
        from .widgets import design_widget

        return design_widget(self)
