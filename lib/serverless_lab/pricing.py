"""AWS prices (us-east-1, collected 2026-11) and the arithmetic AWS uses to turn usage into a bill.

Why a module of its own: every lab that says "this costs $X" must say it the way AWS's own
pricing pages do, with the same rounding (1 ms for Lambda, 100 ms and 64 MB chunks for Step
Functions Express, 1-minute minimum for Fargate), the same free tiers and the same volume tiers.
Each price carries the page it came from, so a student can check it and a maintainer can
update it when AWS changes it (update :data:`PRICES_AS_OF` too).

Every cost function returns a :class:`Cost`: ``.total`` in USD plus one :class:`CostLine` per
charge (quantity, unit, rate, amount), so labs can show *why* a bill is what it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import limits
from .errors import LabError

PRICES_AS_OF = "2026-11"
REGION = "us-east-1"

LAMBDA_PRICING_URL = "https://aws.amazon.com/lambda/pricing/"
FARGATE_PRICING_URL = "https://aws.amazon.com/fargate/pricing/"
SFN_PRICING_URL = "https://aws.amazon.com/step-functions/pricing/"
APIGW_PRICING_URL = "https://aws.amazon.com/api-gateway/pricing/"
DYNAMODB_PRICING_URL = "https://aws.amazon.com/dynamodb/pricing/on-demand/"
S3_PRICING_URL = "https://aws.amazon.com/s3/pricing/"
AURORA_PRICING_URL = "https://aws.amazon.com/rds/aurora/pricing/"
EC2_PRICING_URL = "https://aws.amazon.com/ec2/pricing/on-demand/"
# the network bill of a function in a VPC (read 2026-12-07): NAT gateway on the VPC pricing page,
# interface endpoints on PrivateLink's; gateway endpoints (S3, DynamoDB) have no charge
# ("Gateway endpoints", https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html)
VPC_PRICING_URL = "https://aws.amazon.com/vpc/pricing/"
PRIVATELINK_PRICING_URL = "https://aws.amazon.com/privatelink/pricing/"
GATEWAY_ENDPOINTS_URL = "https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html"
NETWORK_PRICES_READ = "2026-12-07"
XRAY_PRICING_URL = "https://aws.amazon.com/xray/pricing/"
XRAY_LAMBDA_SAMPLING_URL = "https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html"


class PricingInputError(LabError, ValueError):
    """A cost function was given a quantity that cannot be billed (negative, wrong unit...).

    A ValueError too, so ``except ValueError`` catches a bad argument value the usual way.
    """


@dataclass(frozen=True)
class Price:
    """One published price: USD per ``unit``, with the page that states it."""

    usd: float
    unit: str
    source: str
    note: str = ""


# A volume tier: (upper bound of the tier in the unit's quantity, or None for "and above", price)
Tiers = Sequence[tuple[float | None, float]]

PRICES: dict[str, Price] = {
    # Lambda ---------------------------------------------------------------------------------
    "lambda.request": Price(0.20 / 1e6, "request", LAMBDA_PRICING_URL, "$0.20 per 1 M requests"),
    "lambda.x86_64.gb_s": Price(0.0000166667, "GB-second", LAMBDA_PRICING_URL, "first 6 B GB-s / month"),
    "lambda.arm64.gb_s": Price(0.0000133334, "GB-second", LAMBDA_PRICING_URL, "first 7.5 B GB-s / month"),
    "lambda.free.requests": Price(1_000_000, "requests / month", LAMBDA_PRICING_URL, "always free"),
    "lambda.free.gb_s": Price(400_000, "GB-seconds / month", LAMBDA_PRICING_URL, "always free, x86 and Arm together"),
    "lambda.ephemeral.gb_s": Price(0.0000000309, "GB-second", LAMBDA_PRICING_URL, "storage above the free 512 MB"),
    "lambda.x86_64.provisioned.gb_s": Price(0.0000041667, "GB-second", LAMBDA_PRICING_URL, "concurrency enabled"),
    "lambda.x86_64.provisioned.duration.gb_s": Price(0.0000097222, "GB-second", LAMBDA_PRICING_URL, "executed on provisioned"),
    "lambda.arm64.provisioned.gb_s": Price(0.0000033334, "GB-second", LAMBDA_PRICING_URL, "concurrency enabled"),
    "lambda.arm64.provisioned.duration.gb_s": Price(0.0000077778, "GB-second", LAMBDA_PRICING_URL, "executed on provisioned"),
    # Fargate (Linux) ------------------------------------------------------------------------
    "fargate.x86_64.vcpu_h": Price(0.04048, "vCPU-hour", FARGATE_PRICING_URL, "per second, 1-minute minimum"),
    "fargate.x86_64.gb_h": Price(0.004445, "GB-hour", FARGATE_PRICING_URL, "per second, 1-minute minimum"),
    "fargate.arm64.vcpu_h": Price(0.03238, "vCPU-hour", FARGATE_PRICING_URL, "per second, 1-minute minimum"),
    "fargate.arm64.gb_h": Price(0.00356, "GB-hour", FARGATE_PRICING_URL, "per second, 1-minute minimum"),
    "fargate.ephemeral.gb_h": Price(0.000111, "GB-hour", FARGATE_PRICING_URL, "storage above the free 20 GB"),
    # Step Functions -------------------------------------------------------------------------
    "sfn.standard.transition": Price(0.025 / 1000, "state transition", SFN_PRICING_URL, "$0.025 per 1,000"),
    "sfn.standard.free.transitions": Price(4000, "transitions / month", SFN_PRICING_URL, "always free"),
    "sfn.express.request": Price(1.00 / 1e6, "request", SFN_PRICING_URL, "$1.00 per 1 M requests"),
    # API Gateway, DynamoDB, S3, Aurora, EC2 -------------------------------------------------
    "dynamodb.ondemand.write": Price(0.625 / 1e6, "write request unit", DYNAMODB_PRICING_URL, "$0.625 per 1 M WRU"),
    "dynamodb.ondemand.read": Price(0.125 / 1e6, "read request unit", DYNAMODB_PRICING_URL, "$0.125 per 1 M RRU"),
    "dynamodb.storage.gb_month": Price(0.25, "GB-month", DYNAMODB_PRICING_URL, "first 25 GB free"),
    "s3.standard.put": Price(0.005 / 1000, "PUT/COPY/POST/LIST request", S3_PRICING_URL, "$0.005 per 1,000"),
    "s3.standard.get": Price(0.0004 / 1000, "GET/SELECT request", S3_PRICING_URL, "$0.0004 per 1,000"),
    "aurora.serverless_v2.acu_h": Price(0.12, "ACU-hour", AURORA_PRICING_URL, "aurora-postgresql, Aurora Standard"),
    "aurora.storage.gb_month": Price(0.10, "GB-month", AURORA_PRICING_URL, "Aurora Standard"),
    "aurora.io.request": Price(0.20 / 1e6, "I/O request", AURORA_PRICING_URL, "Aurora Standard, $0.20 per 1 M"),
    "ec2.t3.micro.h": Price(0.0104, "instance-hour", EC2_PRICING_URL, "Linux on-demand, for the always-on comparison"),
    # VPC networking (read 2026-12-07) -------------------------------------------------------
    "vpc.nat_gateway.h": Price(0.045, "NAT gateway-hour", VPC_PRICING_URL, "each gateway, from creation to deletion"),
    "vpc.nat_gateway.gb": Price(0.045, "GB processed", VPC_PRICING_URL, "every GB through the gateway, either way"),
    "vpc.interface_endpoint.az_h": Price(0.01, "endpoint-AZ-hour", PRIVATELINK_PRICING_URL,
                                         "each interface endpoint in each Availability Zone"),
    "vpc.interface_endpoint.gb": Price(0.01, "GB processed", PRIVATELINK_PRICING_URL, "first 1 PB a month in the Region"),
    "vpc.gateway_endpoint": Price(0.0, "endpoint", GATEWAY_ENDPOINTS_URL, "S3 and DynamoDB: no additional charge"),
    # X-Ray (read 2026-12-07) ----------------------------------------------------------------
    "xray.trace.recorded": Price(5.00 / 1e6, "trace recorded", XRAY_PRICING_URL, "$5.00 per 1 M traces recorded"),
    "xray.trace.retrieved": Price(0.50 / 1e6, "trace retrieved or scanned", XRAY_PRICING_URL,
                                  "$0.50 per 1 M traces retrieved or scanned"),
    "xray.free.recorded": Price(100_000, "traces recorded / month", XRAY_PRICING_URL, "always free"),
    "xray.free.retrieved": Price(1_000_000, "traces retrieved or scanned / month", XRAY_PRICING_URL, "always free"),
}

TIERS: dict[str, tuple[Tiers, str, str]] = {
    # name: (tiers, unit, source)
    "lambda.x86_64.gb_s": (((6e9, 0.0000166667), (15e9, 0.000015), (None, 0.0000133334)), "GB-second", LAMBDA_PRICING_URL),
    "lambda.arm64.gb_s": (((7.5e9, 0.0000133334), (18.75e9, 0.0000120001), (None, 0.0000106667)), "GB-second",
                          LAMBDA_PRICING_URL),
    # Express duration: first 1,000 GB-hours, next 4,000 GB-hours, beyond (per GB-second)
    "sfn.express.gb_s": (((3.6e6, 0.00001667), (18e6, 0.00000833), (None, 0.00000456)), "GB-second",
                         SFN_PRICING_URL),
    "apigw.rest.request": (((333e6, 3.50 / 1e6), (1e9, 2.80 / 1e6), (20e9, 2.38 / 1e6), (None, 1.51 / 1e6)), "request",
                           APIGW_PRICING_URL),
    "apigw.http.request": (((300e6, 1.00 / 1e6), (None, 0.90 / 1e6)), "request", APIGW_PRICING_URL),
    "s3.standard.gb_month": (((50 * 1024, 0.023), (500 * 1024, 0.022), (None, 0.021)), "GB-month", S3_PRICING_URL),
}

HOURS_PER_MONTH = 730  # AWS's pricing calculator month
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600


def price(name: str) -> float:
    """The USD rate called ``name`` in :data:`PRICES` (first tier for tiered prices)."""
    if name in PRICES:
        return PRICES[name].usd
    if name in TIERS:
        return TIERS[name][0][0][1]
    raise PricingInputError(f"No price called {name!r}.", f"Known prices: {', '.join(sorted({*PRICES, *TIERS}))}.")


def price_table() -> list[dict[str, Any]]:
    """Every price as rows (name, usd, unit, note, source): for a lab's table or a DataFrame."""
    rows = [{"name": k, "usd": p.usd, "unit": p.unit, "note": p.note, "source": p.source} for k, p in PRICES.items()]
    for k, (tiers, unit, src) in TIERS.items():
        low = 0.0
        for upper, usd in tiers:
            span = f"{_fmt_qty(low)}–{_fmt_qty(upper)}" if upper is not None else f"over {_fmt_qty(low)}"
            rows.append({"name": k, "usd": usd, "unit": unit, "note": f"tier {span} / month", "source": src})
            low = upper or low
    return rows


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CostLine:
    """One charge on the bill: ``quantity`` of ``unit`` at ``rate`` USD each = ``usd``."""

    item: str
    quantity: float
    unit: str
    rate: float
    usd: float
    note: str = ""


@dataclass
class Cost:
    """A bill: ``total`` USD and the lines it is made of (``breakdown`` groups them by item)."""

    service: str
    lines: list[CostLine] = field(default_factory=list)
    assumptions: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return float(sum(line.usd for line in self.lines))

    @property
    def breakdown(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for line in self.lines:
            out[line.item] = out.get(line.item, 0.0) + line.usd
        return out

    def __getattr__(self, name: str) -> float:
        # cost.requests, cost.compute, cost.ephemeral_storage ... (0.0 when the bill has no such line)
        if name.startswith("_") or name in ("service", "lines", "assumptions"):
            raise AttributeError(name)
        return self.breakdown.get(name, 0.0)

    def __add__(self, other: Cost) -> Cost:
        return Cost(f"{self.service} + {other.service}", [*self.lines, *other.lines], {**self.assumptions, **other.assumptions})

    def __str__(self) -> str:
        rows = [f"{self.service} — {REGION}, prices of {PRICES_AS_OF}"]
        for line in self.lines:
            rows.append(f"  {line.item:<22} {line.quantity:>18,.2f} {line.unit:<20} × ${_rate(line.rate)} = {_usd(line.usd)}")
        rows.append(f"  {'total':<22} {'':>18} {'':<20}   {_usd(self.total)}")
        return "\n".join(rows)

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td>{ln.item}</td><td style='text-align:right'>{ln.quantity:,.2f} {ln.unit}</td>"
            f"<td style='text-align:right'>${_rate(ln.rate)}</td><td style='text-align:right'>${ln.usd:,.2f}</td></tr>"
            for ln in self.lines
        )
        return (
            f"<table><caption>{self.service} ({REGION}, prices of {PRICES_AS_OF})</caption>"
            "<tr><th>item</th><th>quantity</th><th>rate (USD)</th><th>cost</th></tr>"
            f"{body}<tr><th colspan=3 style='text-align:right'>total</th><th style='text-align:right'>"
            f"${self.total:,.2f}</th></tr></table>"
        )


# ---------------------------------------------------------------------------------------------
def tiered(quantity: float, tiers: Tiers) -> float:
    """Price ``quantity`` through volume tiers (each tier's price applies only to its slice)."""
    total, low = 0.0, 0.0
    for upper, usd in tiers:
        top = quantity if upper is None else min(quantity, upper)
        if top > low:
            total += (top - low) * usd
        if upper is None or quantity <= upper:
            break
        low = upper
    return total


def _tier_lines(item: str, quantity: float, name: str, note: str = "") -> list[CostLine]:
    tiers, unit, _src = TIERS[name]
    lines, low = [], 0.0
    for upper, usd in tiers:
        top = quantity if upper is None else min(quantity, upper)
        if top > low or (not lines and quantity == 0):
            q = max(top - low, 0.0)
            tier_note = note if low == 0 else f"{note} (tier above {_fmt_qty(low)})".strip()
            lines.append(CostLine(item, q, unit, usd, q * usd, tier_note))
        if upper is None or quantity <= upper:
            break
        low = upper
    return lines


def _usd(x: float) -> str:
    """Dollars to the cent, but tiny lab-sized amounts keep their significant digits."""
    return f"${x:,.2f}" if x == 0 or abs(x) >= 0.01 else f"${x:.6f}"


def _rate(r: float) -> str:
    return f"{r:.10f}".rstrip("0").rstrip(".")


def _fmt_qty(x: float | None) -> str:
    if x is None:
        return "∞"
    for div, suffix in ((1e9, " B"), (1e6, " M"), (1e3, " k")):
        if abs(x) >= div:
            return f"{x / div:g}{suffix}"
    return f"{x:g}"


def _check_nonneg(**values: float) -> None:
    for name, v in values.items():
        if v is None or not math.isfinite(v) or v < 0:
            raise PricingInputError(f"{name} must be a number ≥ 0; got {v!r}.", f"Give {name} as a non-negative number.")


def _check_arch(architecture: str) -> str:
    arch = {"x86": "x86_64", "x86_64": "x86_64", "amd64": "x86_64", "arm": "arm64", "arm64": "arm64", "graviton": "arm64"}.get(
        str(architecture).lower()
    )
    if arch is None:
        raise PricingInputError(
            f"Unknown architecture {architecture!r}.", "Lambda and Fargate run on 'x86_64' or 'arm64'."
        )
    return arch


def _check_memory(memory_mb: float) -> None:
    if not limits.MEMORY_MIN_MB <= memory_mb <= limits.MEMORY_MAX_MB:
        raise PricingInputError(
            f"Lambda memory must be between 128 MB and 10,240 MB; got {memory_mb} MB.",
            "Pick a memory size in 128–10,240 MB (1 MB steps), e.g. memory_mb=512.",
        )


# Lambda ---------------------------------------------------------------------------------------
def lambda_monthly_cost(
    requests: float,
    duration_ms: float,
    memory_mb: float,
    architecture: str = "x86_64",
    ephemeral_storage_mb: float = 512,
    free_tier: bool = True,
    *,
    cold_starts: float = 0,
    init_ms: float = 0.0,
) -> Cost:
    """A month of on-demand Lambda, as AWS's pricing page computes it.

    ``duration_ms`` is the average duration per request; it is billed rounded up to the next
    millisecond. Since 2025-08-01 the INIT phase of on-demand functions is billed as duration
    too: give ``cold_starts`` (how many requests paid an INIT) and ``init_ms`` (average Init
    Duration). The free tier (1 M requests and 400,000 GB-s a month) never expires; pass
    ``free_tier=False`` to see the bill of an account that already used it on other functions.
    Duration tiers (x86 above 6 B GB-s, Arm above 7.5 B GB-s) are applied to this volume alone.
    """
    _check_nonneg(requests=requests, duration_ms=duration_ms, cold_starts=cold_starts, init_ms=init_ms)
    _check_memory(memory_mb)
    arch = _check_arch(architecture)
    if not limits.EPHEMERAL_MIN_MB <= ephemeral_storage_mb <= limits.EPHEMERAL_MAX_MB:
        raise PricingInputError(
            f"Ephemeral storage (/tmp) must be between 512 MB and 10,240 MB; got {ephemeral_storage_mb} MB.",
            "Use ephemeral_storage_mb=512 (the free default) or more, up to 10,240.",
        )
    gb = memory_mb / 1024
    billed_ms = math.ceil(duration_ms - 1e-9) if duration_ms > 0 else 0
    seconds = requests * billed_ms / 1000 + cold_starts * math.ceil(init_ms - 1e-9 if init_ms else 0) / 1000
    gb_s = seconds * gb
    free_req = PRICES["lambda.free.requests"].usd if free_tier else 0.0
    free_gbs = PRICES["lambda.free.gb_s"].usd if free_tier else 0.0
    billable_req = max(requests - free_req, 0.0)
    billable_gbs = max(gb_s - free_gbs, 0.0)
    cost = Cost("AWS Lambda (on-demand)")
    rate = PRICES["lambda.request"].usd
    cost.lines.append(CostLine("requests", billable_req, "request", rate, billable_req * rate,
                               f"{requests:,.0f} requests{' − 1 M free' if free_tier else ''}"))
    note = f"{gb_s:,.2f} GB-s{' − 400,000 free' if free_tier else ''}"
    cost.lines += _tier_lines("compute", billable_gbs, f"lambda.{arch}.gb_s", note)
    extra_gb = (ephemeral_storage_mb - 512) / 1024
    if extra_gb > 0:
        eph_gbs = seconds * extra_gb
        r = PRICES["lambda.ephemeral.gb_s"].usd
        cost.lines.append(CostLine("ephemeral_storage", eph_gbs, "GB-second", r, eph_gbs * r,
                                   f"{ephemeral_storage_mb - 512:g} MB above the free 512 MB"))
    cost.assumptions = dict(requests=requests, duration_ms=duration_ms, billed_ms=billed_ms, memory_mb=memory_mb,
                            architecture=arch, ephemeral_storage_mb=ephemeral_storage_mb, free_tier=free_tier,
                            cold_starts=cold_starts, init_ms=init_ms, gb_seconds=gb_s)
    return cost


def lambda_provisioned_cost(
    concurrency: int,
    hours: float,
    memory_mb: float,
    requests: float = 0,
    duration_ms: float = 0.0,
    architecture: str = "x86_64",
) -> Cost:
    """Provisioned concurrency: the configured environments for the time they are enabled
    (billed in 5-minute steps) plus requests and a lower duration rate for what runs on them.
    The Lambda free tier does not apply to functions with provisioned concurrency."""
    _check_nonneg(concurrency=concurrency, hours=hours, requests=requests, duration_ms=duration_ms)
    _check_memory(memory_mb)
    arch = _check_arch(architecture)
    gb = memory_mb / 1024
    enabled_s = math.ceil(hours * 60 / 5 - 1e-9) * 5 * 60  # rounded up to 5 minutes
    pc_gbs = concurrency * enabled_s * gb
    exec_gbs = requests * math.ceil(duration_ms - 1e-9 if duration_ms else 0) / 1000 * gb
    p_pc = PRICES[f"lambda.{arch}.provisioned.gb_s"].usd
    p_dur = PRICES[f"lambda.{arch}.provisioned.duration.gb_s"].usd
    p_req = PRICES["lambda.request"].usd
    return Cost(
        "AWS Lambda (provisioned concurrency)",
        [
            CostLine("provisioned_concurrency", pc_gbs, "GB-second", p_pc, pc_gbs * p_pc,
                     f"{concurrency} × {enabled_s:,} s × {gb:g} GB"),
            CostLine("compute", exec_gbs, "GB-second", p_dur, exec_gbs * p_dur, "duration on provisioned environments"),
            CostLine("requests", requests, "request", p_req, requests * p_req),
        ],
        dict(concurrency=concurrency, hours=hours, memory_mb=memory_mb, requests=requests, duration_ms=duration_ms,
             architecture=arch),
    )


def trace_cost(trace: Any, architecture: str = "x86_64", ephemeral_storage_mb: float = 512,
               free_tier: bool = False, provisioned_hours: float | None = None) -> Cost:
    """What the invocations in a :class:`~serverless_lab.trace.Trace` cost: each one's billed
    milliseconds × its memory, plus a request charge for each one that ran (throttled requests
    are not billed). Invocations served by provisioned environments pay the provisioned
    duration rate; pass ``provisioned_hours`` to add the enabled-concurrency charge as well.

    ``free_tier`` defaults to False so a short lab run shows its real per-invocation price
    instead of $0.00.
    """
    arch = _check_arch(architecture)
    cols = trace.columns() if hasattr(trace, "columns") else trace
    import numpy as np

    n = len(cols.get("request_id", ()))
    cost = Cost("AWS Lambda (from trace)")
    if n == 0:
        cost.lines.append(CostLine("requests", 0, "request", PRICES["lambda.request"].usd, 0.0, "empty trace"))
        return cost
    ran = np.asarray(cols["outcome"]) != "throttled"
    prov = np.asarray(cols["provisioned"], dtype=bool) & ran
    ondemand = ran & ~prov
    gbs = np.asarray(cols["billed_ms"], dtype=float) / 1000 * np.asarray(cols["memory_mb"], dtype=float) / 1024
    requests = float(ran.sum())
    od_gbs = float(gbs[ondemand].sum())
    pv_gbs = float(gbs[prov].sum())
    free_req = PRICES["lambda.free.requests"].usd if free_tier else 0.0
    free_gbs = PRICES["lambda.free.gb_s"].usd if free_tier else 0.0
    r = PRICES["lambda.request"].usd
    bill_req = max(requests - free_req, 0.0)
    cost.lines.append(CostLine("requests", bill_req, "request", r, bill_req * r,
                               f"{int(requests):,} invocations ran, {int((~ran).sum()):,} throttled (not billed)"))
    cost.lines += _tier_lines("compute", max(od_gbs - free_gbs, 0.0), f"lambda.{arch}.gb_s",
                              "billed ms × memory, INIT included")
    if pv_gbs:
        p = PRICES[f"lambda.{arch}.provisioned.duration.gb_s"].usd
        cost.lines.append(CostLine("compute_provisioned", pv_gbs, "GB-second", p, pv_gbs * p, "ran on provisioned"))
    extra_gb = (ephemeral_storage_mb - 512) / 1024
    if extra_gb > 0:
        s = float((np.asarray(cols["billed_ms"], dtype=float)[ran]).sum()) / 1000
        p = PRICES["lambda.ephemeral.gb_s"].usd
        cost.lines.append(CostLine("ephemeral_storage", s * extra_gb, "GB-second", p, s * extra_gb * p))
    if provisioned_hours:
        envs = cols["environment_id"][prov]
        conc = len(set(envs.tolist())) if len(envs) else 0
        mem = float(np.asarray(cols["memory_mb"])[prov].max()) if prov.any() else 128
        pc = lambda_provisioned_cost(conc, provisioned_hours, mem, architecture=arch)
        cost.lines.append(pc.lines[0])
    cost.assumptions = dict(invocations=n, requests_billed=requests, on_demand_gb_s=od_gbs, provisioned_gb_s=pv_gbs,
                            architecture=arch, free_tier=free_tier)
    return cost


cost_from_trace = trace_cost  # the name labs may look for: "price what ran"


# Fargate ----------------------------------------------------------------------------------------
FARGATE_CPU_MEMORY_GB = {
    0.25: (0.5, 1, 2), 0.5: tuple(range(1, 5)), 1: tuple(range(2, 9)), 2: tuple(range(4, 17)),
    4: tuple(range(8, 31)), 8: tuple(range(16, 61, 4)), 16: tuple(range(32, 121, 8)),
}


def fargate_cost(vcpu: float, memory_gb: float, seconds: float, tasks: int = 1, architecture: str = "x86_64",
                 ephemeral_storage_gb: float = 20) -> Cost:
    """Fargate tasks (Linux): vCPU and memory per second with a 1-minute minimum per task,
    plus ephemeral storage above the free 20 GB. ``seconds`` is how long each task ran."""
    _check_nonneg(vcpu=vcpu, memory_gb=memory_gb, seconds=seconds, tasks=tasks)
    arch = _check_arch(architecture)
    if vcpu not in FARGATE_CPU_MEMORY_GB or memory_gb not in FARGATE_CPU_MEMORY_GB[vcpu]:
        allowed = FARGATE_CPU_MEMORY_GB.get(vcpu)
        raise PricingInputError(
            f"Fargate has no task size with {vcpu} vCPU and {memory_gb} GB.",
            f"Valid memory for {vcpu} vCPU: {allowed} GB." if allowed else
            f"Valid vCPU values: {', '.join(map(str, FARGATE_CPU_MEMORY_GB))}.",
        )
    billed_s = max(60, math.ceil(seconds - 1e-9)) if seconds > 0 else 0
    hours = billed_s * tasks / 3600
    pc, pm = PRICES[f"fargate.{arch}.vcpu_h"].usd, PRICES[f"fargate.{arch}.gb_h"].usd
    lines = [
        CostLine("vcpu", vcpu * hours, "vCPU-hour", pc, vcpu * hours * pc, f"{tasks} task(s) × {billed_s:,} s billed"),
        CostLine("memory", memory_gb * hours, "GB-hour", pm, memory_gb * hours * pm),
    ]
    if ephemeral_storage_gb > 20:
        pe = PRICES["fargate.ephemeral.gb_h"].usd
        q = (ephemeral_storage_gb - 20) * hours
        lines.append(CostLine("ephemeral_storage", q, "GB-hour", pe, q * pe, "above the free 20 GB"))
    return Cost("AWS Fargate", lines, dict(vcpu=vcpu, memory_gb=memory_gb, seconds=seconds, billed_seconds=billed_s,
                                           tasks=tasks, architecture=arch))


def always_on_cost(hours: float = HOURS_PER_MONTH, hourly_usd: float | None = None, instances: int = 1) -> Cost:
    """A server that runs whether or not requests come (default: one EC2 t3.micro)."""
    _check_nonneg(hours=hours, instances=instances)
    rate = PRICES["ec2.t3.micro.h"].usd if hourly_usd is None else hourly_usd
    q = hours * instances
    return Cost("Always-on server", [CostLine("instance_hours", q, "instance-hour", rate, q * rate)],
                dict(hours=hours, hourly_usd=rate, instances=instances))


# Step Functions -------------------------------------------------------------------------------------
def stepfunctions_standard_cost(transitions: float, free_tier: bool = True) -> Cost:
    """Standard workflows: per state transition (retries count), 4,000 free every month."""
    _check_nonneg(transitions=transitions)
    free = PRICES["sfn.standard.free.transitions"].usd if free_tier else 0
    q = max(transitions - free, 0)
    r = PRICES["sfn.standard.transition"].usd
    return Cost("AWS Step Functions (Standard)",
                [CostLine("state_transitions", q, "state transition", r, q * r,
                          f"{transitions:,.0f} transitions{' − 4,000 free' if free_tier else ''}")],
                dict(transitions=transitions, free_tier=free_tier))


def stepfunctions_express_cost(requests: float, duration_s: float, memory_mb: float = 64) -> Cost:
    """Express workflows: per request plus duration, rounded up to 100 ms, with memory billed in
    64-MB chunks (AWS estimates the memory from the definition and payload sizes)."""
    _check_nonneg(requests=requests, duration_s=duration_s, memory_mb=memory_mb)
    billed_s = math.ceil(duration_s * 10 - 1e-9) / 10
    chunks_gb = max(1, math.ceil(memory_mb / 64 - 1e-9)) * 64 / 1024
    gbs = requests * billed_s * chunks_gb
    r = PRICES["sfn.express.request"].usd
    cost = Cost("AWS Step Functions (Express)", [CostLine("requests", requests, "request", r, requests * r)])
    cost.lines += _tier_lines("duration", gbs, "sfn.express.gb_s", f"{billed_s:g} s × {chunks_gb * 1024:g} MB each")
    cost.assumptions = dict(requests=requests, duration_s=duration_s, billed_s=billed_s, memory_mb=memory_mb)
    return cost


# API Gateway, DynamoDB, S3, Aurora -------------------------------------------------------------------
def apigateway_cost(requests: float, api: str = "http", payload_kb: float = 0.0, free_tier: bool = False) -> Cost:
    """API Gateway calls. HTTP APIs meter each request in 512 KB increments. The free tier
    (1 M calls a month) lasts only 12 months after sign-up, so it is off by default."""
    _check_nonneg(requests=requests, payload_kb=payload_kb)
    kind = str(api).lower()
    if kind not in ("http", "rest"):
        raise PricingInputError(f"Unknown API type {api!r}.", "Use api='http' (HTTP API) or api='rest' (REST API).")
    metered = requests * (max(1, math.ceil(payload_kb / 512 - 1e-9)) if kind == "http" else 1)
    q = max(metered - (1e6 if free_tier else 0), 0)
    cost = Cost(f"Amazon API Gateway ({kind.upper()} API)")
    cost.lines += _tier_lines("requests", q, f"apigw.{kind}.request", f"{metered:,.0f} metered calls")
    cost.assumptions = dict(requests=requests, api=kind, payload_kb=payload_kb, free_tier=free_tier)
    return cost


def dynamodb_on_demand_cost(writes: float = 0, reads: float = 0, item_kb: float = 1.0,
                            consistency: str = "eventual", storage_gb: float = 0.0, free_tier: bool = True) -> Cost:
    """DynamoDB on-demand: a write uses 1 WRU per 1 KB (rounded up); a strongly consistent read 1
    RRU per 4 KB, an eventually consistent read half that, a transactional read twice.
    Storage: first 25 GB a month free."""
    _check_nonneg(writes=writes, reads=reads, item_kb=item_kb, storage_gb=storage_gb)
    factor = {"eventual": 0.5, "strong": 1.0, "transactional": 2.0}.get(consistency)
    if factor is None:
        raise PricingInputError(f"Unknown read consistency {consistency!r}.", "Use 'eventual', 'strong' or 'transactional'.")
    wru = writes * max(1, math.ceil(item_kb - 1e-9))
    rru = reads * max(1, math.ceil(item_kb / 4 - 1e-9)) * factor
    pw, pr, ps = (PRICES[k].usd for k in ("dynamodb.ondemand.write", "dynamodb.ondemand.read", "dynamodb.storage.gb_month"))
    st = max(storage_gb - (25 if free_tier else 0), 0)
    return Cost("Amazon DynamoDB (on-demand)", [
        CostLine("writes", wru, "write request unit", pw, wru * pw),
        CostLine("reads", rru, "read request unit", pr, rru * pr, f"{consistency} reads"),
        CostLine("storage", st, "GB-month", ps, st * ps),
    ], dict(writes=writes, reads=reads, item_kb=item_kb, consistency=consistency, storage_gb=storage_gb))


def s3_cost(storage_gb: float = 0.0, puts: float = 0, gets: float = 0) -> Cost:
    """S3 Standard: storage per GB-month (tiered), PUT-class and GET-class requests."""
    _check_nonneg(storage_gb=storage_gb, puts=puts, gets=gets)
    pp, pg = PRICES["s3.standard.put"].usd, PRICES["s3.standard.get"].usd
    cost = Cost("Amazon S3 (Standard)")
    cost.lines += _tier_lines("storage", storage_gb, "s3.standard.gb_month")
    cost.lines += [CostLine("put_requests", puts, "request", pp, puts * pp),
                   CostLine("get_requests", gets, "request", pg, gets * pg)]
    return cost


def nat_gateway_cost(gateways: int, gb_processed: float, hours: float = HOURS_PER_MONTH) -> Cost:
    """NAT gateways: each one per hour it exists, plus every GB it processes (VPC pricing page)."""
    _check_nonneg(gateways=gateways, gb_processed=gb_processed, hours=hours)
    ph, pg = PRICES["vpc.nat_gateway.h"].usd, PRICES["vpc.nat_gateway.gb"].usd
    return Cost("NAT gateway", [
        CostLine("gateway_hours", gateways * hours, "NAT gateway-hour", ph, gateways * hours * ph),
        CostLine("data_processed", gb_processed, "GB", pg, gb_processed * pg),
    ], dict(gateways=gateways, gb_processed=gb_processed, hours=hours))


def vpc_endpoints_cost(interface_endpoints: int, azs: int, interface_gb: float, gateway_endpoints: int = 0,
                       hours: float = HOURS_PER_MONTH) -> Cost:
    """VPC endpoints: an interface endpoint per AZ-hour and per GB; a gateway endpoint (S3,
    DynamoDB) costs nothing (PrivateLink pricing page; "Gateway endpoints")."""
    _check_nonneg(interface_endpoints=interface_endpoints, azs=azs, interface_gb=interface_gb,
                  gateway_endpoints=gateway_endpoints, hours=hours)
    ph, pg = PRICES["vpc.interface_endpoint.az_h"].usd, PRICES["vpc.interface_endpoint.gb"].usd
    az_hours = interface_endpoints * azs * hours
    gb = interface_gb if interface_endpoints else 0.0
    return Cost("VPC endpoints", [
        CostLine("interface_endpoint_hours", az_hours, "endpoint-AZ-hour", ph, az_hours * ph),
        CostLine("interface_data_processed", gb, "GB", pg, gb * pg),
        CostLine("gateway_endpoints", gateway_endpoints, "endpoint", 0.0, 0.0, "no charge"),
    ], dict(interface_endpoints=interface_endpoints, azs=azs, interface_gb=interface_gb,
            gateway_endpoints=gateway_endpoints, hours=hours))


def xray_lambda_sampled(requests_per_second: float, seconds: float = SECONDS_PER_MONTH) -> float:
    """Traces X-Ray records for a function with active tracing under steady traffic: Lambda's
    sampling rule is the first request each second and 5% of the others, and cannot be changed
    ("Visualize Lambda function invocations using AWS X-Ray")."""
    _check_nonneg(requests_per_second=requests_per_second, seconds=seconds)
    return (min(requests_per_second, 1.0) + 0.05 * max(requests_per_second - 1.0, 0.0)) * seconds


def xray_cost(recorded: float, retrieved: float = 0, scanned: float = 0, free_tier: bool = True) -> Cost:
    """X-Ray: traces recorded, and traces retrieved (BatchGetTraces, the console) or scanned
    (GetTraceSummaries, filter expressions); the free tier (100,000 recorded, 1,000,000 retrieved
    or scanned a month) is permanent (X-Ray pricing page)."""
    _check_nonneg(recorded=recorded, retrieved=retrieved, scanned=scanned)
    pr, pq = PRICES["xray.trace.recorded"].usd, PRICES["xray.trace.retrieved"].usd
    rec = max(recorded - (PRICES["xray.free.recorded"].usd if free_tier else 0), 0)
    read = max(retrieved + scanned - (PRICES["xray.free.retrieved"].usd if free_tier else 0), 0)
    return Cost("AWS X-Ray", [
        CostLine("traces_recorded", rec, "trace", pr, rec * pr, "after the free tier" if free_tier else ""),
        CostLine("traces_retrieved_or_scanned", read, "trace", pq, read * pq,
                 "after the free tier" if free_tier else ""),
    ], dict(recorded=recorded, retrieved=retrieved, scanned=scanned, free_tier=free_tier))


def aurora_serverless_v2_cost(acu_hours: float, storage_gb: float = 0.0, io_requests: float = 0) -> Cost:
    """Aurora Serverless v2 (Aurora Standard): ACU-hours (per second; 0 while auto-paused),
    storage per GB-month and I/O requests."""
    _check_nonneg(acu_hours=acu_hours, storage_gb=storage_gb, io_requests=io_requests)
    pa, ps, pi = (PRICES[k].usd for k in ("aurora.serverless_v2.acu_h", "aurora.storage.gb_month", "aurora.io.request"))
    return Cost("Amazon Aurora Serverless v2", [
        CostLine("capacity", acu_hours, "ACU-hour", pa, acu_hours * pa),
        CostLine("storage", storage_gb, "GB-month", ps, storage_gb * ps),
        CostLine("io", io_requests, "I/O request", pi, io_requests * pi),
    ], dict(acu_hours=acu_hours, storage_gb=storage_gb, io_requests=io_requests))


def acu_hours(times_s: Sequence[float], acus: Sequence[float]) -> float:
    """ACU-hours from a capacity step series (``acus[i]`` held from ``times_s[i]`` to the next time)."""
    total = 0.0
    for i in range(len(times_s) - 1):
        dt = times_s[i + 1] - times_s[i]
        _check_nonneg(interval=dt, acu=acus[i])
        total += acus[i] * dt
    return total / 3600


# Crossover ---------------------------------------------------------------------------------------------
def monthly_crossover(requests_per_month: Sequence[float], duration_ms: float, memory_mb: float,
                      fargate_vcpu: float = 0.25, fargate_memory_gb: float = 0.5,
                      requests_per_task_second: float = 50.0, min_tasks: int = 1,
                      always_on_hourly_usd: float | None = None, architecture: str = "x86_64",
                      free_tier: bool = True) -> dict[str, list[float]]:
    """Monthly cost at each traffic level for Lambda, a Fargate service sized to the load
    (at least ``min_tasks`` always running, one more per ``requests_per_task_second``) and one
    always-on server: the numbers behind the crossover chart."""
    out: dict[str, list[float]] = {"requests": [], "lambda": [], "fargate": [], "always_on": []}
    always = always_on_cost(hourly_usd=always_on_hourly_usd).total
    for req in requests_per_month:
        _check_nonneg(requests=req)
        rps = req / SECONDS_PER_MONTH
        tasks = max(min_tasks, math.ceil(rps / requests_per_task_second - 1e-9))
        out["requests"].append(float(req))
        out["lambda"].append(lambda_monthly_cost(req, duration_ms, memory_mb, architecture, free_tier=free_tier).total)
        out["fargate"].append(fargate_cost(fargate_vcpu, fargate_memory_gb, SECONDS_PER_MONTH, tasks, architecture).total)
        out["always_on"].append(always)
    return out
