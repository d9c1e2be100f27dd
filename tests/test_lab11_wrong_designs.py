"""Lab 11's hidden tests catch wrong designs, not only wrong outputs.

Each wrong answer below is one a confused student plausibly writes; most give the right output on the visible
examples. Through the grader, each must score 0 on the cell that checks its idea, while the cells it does not touch
still score. Exercises 7 (the capacity plan) and 8 (the log triage) build on exercises 1, 3 and 4, so a wrong step
there also costs the plan or the triage: the multi-step exercises grade the whole chain.

* concurrency rounded to the nearest environment instead of up; the duration's milliseconds read as seconds;
* a throughput ceiling truncated to a whole number;
* the free tier subtracted from the whole bill as a credit; GB counted as 1,000 MB; the course's own
  ``serverless_lab.pricing`` called as the answer (exercises 3, 5, 7 and 9: the hidden tests compare with literal
  values worked from AWS's prices and refuse the helper);
* a REPORT line diagnosed cold start first; "at least 95 %" read as "over 95 %";
* an HTTP API saving that subtracts a free tier;
* a queue consumer that ignores the batch, or rounds to the nearest invocation;
* a capacity plan sized for the average rate, or billed at the peak rate;
* a log triage that counts every line naming a RequestId, or every START line (an excerpt can start after a START
  and stop before a REPORT), or every line containing "REPORT" (the function's own logging), or sums Duration;
* an API choice that ignores the integration wait, that only knows the visible example's feature, or that sends a
  29–30 s wait to REST (an HTTP API waits up to 30 s).
"""

from __future__ import annotations

import pytest

from grading_helpers import grade_answers

pytestmark = pytest.mark.notebook
LAB = "lab11-interview-drills"

T = {name: f"lab11_{name}_test" for name in ("concurrency", "max_rps", "bill", "bill_floor", "diagnose", "api", "queue",
                                              "plan", "triage", "choose")}

# the solution cell of exercise 9 starts with this line (outside the solution region): a wrong answer keeps it
REST = 'REST_ONLY = {"usage plans", "api keys", "request validation", "caching", "waf", "private endpoint"}\n\n\n'

# wrong design -> (solution cell, code, the test cells it fails on its own)
WRONG = {
    "round": ("lab11_concurrency", "def concurrency_needed(rps, ms):\n    return round(rps * ms / 1000)\n",
              {T["concurrency"], T["plan"]}),
    "millis": ("lab11_concurrency", "def concurrency_needed(rps, ms):\n    return math.ceil(rps * ms) if rps else 0\n",
               {T["concurrency"], T["plan"]}),
    "truncated_rps": ("lab11_max_rps", "def max_requests_per_second(limit, ms):\n    return int(limit / (ms / 1000))\n",
                      {T["max_rps"]}),
    "credit": ("lab11_bill",
               "def lambda_bill(requests, duration_ms, memory_mb, free_tier=True):\n"
               "    gbs = requests * duration_ms / 1000 * memory_mb / 1024\n"
               "    total = requests * 0.2e-6 + gbs * 0.0000166667\n"
               "    if free_tier:\n        total -= 1_000_000 * 0.2e-6 + 400_000 * 0.0000166667\n"
               "    return max(0.0, total)\n", {T["bill"], T["bill_floor"], T["plan"]}),
    "decimal_gb": ("lab11_bill",
                   "def lambda_bill(requests, duration_ms, memory_mb, free_tier=True):\n"
                   "    gbs = requests * duration_ms / 1000 * memory_mb / 1000\n"
                   "    fr, fg = (1_000_000, 400_000) if free_tier else (0, 0)\n"
                   "    return max(0, requests - fr) * 0.2e-6 + max(0.0, gbs - fg) * 0.0000166667\n",
                   {T["bill"], T["bill_floor"], T["plan"]}),
    "bill_helper": ("lab11_bill",
                    "from serverless_lab import pricing\n\n"
                    "def lambda_bill(requests, duration_ms, memory_mb, free_tier=True):\n"
                    "    return pricing.lambda_monthly_cost(requests, duration_ms, memory_mb, free_tier=free_tier).total\n",
                    {T["bill"]}),
    "cold_first": ("lab11_diagnose",
                   "def diagnose(line):\n    if 'Init Duration' in line:\n        return 'cold start'\n"
                   "    if 'timeout' in line:\n        return 'timeout'\n"
                   "    f = dict(p.split(': ', 1) for p in line.split('\\t') if ': ' in p)\n"
                   "    return 'memory' if float(f['Max Memory Used'].split()[0]) >= 0.95 * float(f['Memory Size'].split()[0]) else 'ok'\n",
                   {T["diagnose"], T["triage"]}),
    "over_95": ("lab11_diagnose",
                "def diagnose(line):\n"
                "    f = dict(p.split(': ', 1) for p in line.split('\\t') if ': ' in p)\n"
                "    if f.get('Status') == 'timeout':\n        return 'timeout'\n"
                "    if float(f['Max Memory Used'].split()[0]) > 0.95 * float(f['Memory Size'].split()[0]):\n"
                "        return 'memory'\n"
                "    return 'cold start' if 'Init Duration' in f else 'ok'\n", {T["diagnose"]}),
    "api_free_tier": ("lab11_api", "def api_savings(n):\n    return max(0, n - 1_000_000) * 2.5 / 1_000_000\n", {T["api"]}),
    "api_helper": ("lab11_api",
                   "from serverless_lab.pricing import apigateway_cost\n\n"
                   "def api_savings(n):\n    return apigateway_cost(n, api='rest').total - apigateway_cost(n, api='http').total\n",
                   {T["api"]}),
    "nobatch": ("lab11_queue",
                "def queue_concurrency(m, b, ms):\n    return math.ceil(m * ms / 1000) if b == 1 else math.ceil(m / 10 * ms / 1000)\n",
                {T["queue"]}),
    "queue_round": ("lab11_queue", "def queue_concurrency(m, b, ms):\n    return round(m / b * ms / 1000)\n", {T["queue"]}),
    "average": ("lab11_plan",
                "def capacity_plan(peak_rps, average_rps, duration_ms, memory_mb, account_limit=1000):\n"
                "    c = concurrency_needed(average_rps, duration_ms)\n"
                "    n = round(average_rps * 86_400 * 30)\n"
                "    return {'concurrency': c, 'headroom': account_limit - c, 'monthly_requests': n,\n"
                "            'monthly_cost': round(lambda_bill(n, duration_ms, memory_mb), 2)}\n", {T["plan"]}),
    "peakbill": ("lab11_plan",
                 "def capacity_plan(peak_rps, average_rps, duration_ms, memory_mb, account_limit=1000):\n"
                 "    c = concurrency_needed(peak_rps, duration_ms)\n"
                 "    n = round(peak_rps * 86_400 * 30)\n"
                 "    return {'concurrency': c, 'headroom': account_limit - c, 'monthly_requests': n,\n"
                 "            'monthly_cost': round(lambda_bill(n, duration_ms, memory_mb), 2)}\n", {T["plan"]}),
    "plan_helper": ("lab11_plan",
                    "import serverless_lab.pricing as p\n\n"
                    "def capacity_plan(peak_rps, average_rps, duration_ms, memory_mb, account_limit=1000):\n"
                    "    c = concurrency_needed(peak_rps, duration_ms)\n"
                    "    n = round(average_rps * 86_400 * 30)\n"
                    "    return {'concurrency': c, 'headroom': account_limit - c, 'monthly_requests': n,\n"
                    "            'monthly_cost': round(p.lambda_monthly_cost(n, duration_ms, memory_mb).total, 2)}\n",
                    {T["plan"]}),
    "id_lines": ("lab11_triage",
                 "def triage(messages):\n"
                 "    rows = [m for m in messages if 'RequestId' in m]\n"
                 "    reports = [m for m in rows if m.startswith('REPORT')]\n"
                 "    d = {}\n"
                 "    for r in reports:\n        d[diagnose(r)] = d.get(diagnose(r), 0) + 1\n"
                 "    dur = lambda r: float(r.split('Duration: ')[1].split()[0])\n"
                 "    return {'requests': len(rows), 'diagnoses': d, 'billed_ms': round(sum(dur(r) for r in reports)),\n"
                 "            'slowest': max(reports, key=dur).split()[2] if reports else None}\n", {T["triage"]}),
    "start_lines": ("lab11_triage",
                    "def triage(messages):\n"
                    "    reports = [m for m in messages if m.startswith('REPORT RequestId')]\n"
                    "    d = {}\n"
                    "    for r in reports:\n        d[diagnose(r)] = d.get(diagnose(r), 0) + 1\n"
                    "    field = lambda r, name: float(r.split(name + ': ')[1].split()[0])\n"
                    "    return {'requests': sum(m.startswith('START ') for m in messages), 'diagnoses': d,\n"
                    "            'billed_ms': int(sum(field(r, 'Billed Duration') for r in reports)),\n"
                    "            'slowest': max(reports, key=lambda r: field(r, '\\tDuration')).split()[2] if reports else None}\n",
                    {T["triage"]}),
    "grep_report": ("lab11_triage",
                    "def triage(messages):\n"
                    "    reports = [m for m in messages if 'REPORT' in m]\n"
                    "    d = {}\n"
                    "    for r in reports:\n        d[diagnose(r)] = d.get(diagnose(r), 0) + 1\n"
                    "    field = lambda r, name: float(r.split(name + ': ')[1].split()[0])\n"
                    "    return {'requests': len(reports), 'diagnoses': d,\n"
                    "            'billed_ms': int(sum(field(r, 'Billed Duration') for r in reports)),\n"
                    "            'slowest': max(reports, key=lambda r: field(r, '\\tDuration')).split()[2] if reports else None}\n",
                    {T["triage"]}),
    "notimeout": ("lab11_choose",
                  REST + "def choose_api(requests_per_month, needs, timeout_s):\n"
                  "    choice = 'rest' if set(needs) & REST_ONLY else 'http'\n"
                  "    return choice, requests_per_month * (3.5 if choice == 'rest' else 1.0) / 1e6\n", {T["choose"]}),
    "keysonly": ("lab11_choose",
                 REST + "def choose_api(requests_per_month, needs, timeout_s):\n"
                 "    choice = 'rest' if 'api keys' in needs or timeout_s > 30 else 'http'\n"
                 "    return choice, requests_per_month * (3.5 if choice == 'rest' else 1.0) / 1e6\n", {T["choose"]}),
    "http_29s": ("lab11_choose",
                 REST + "def choose_api(requests_per_month, needs, timeout_s):\n"
                 "    choice = 'rest' if set(needs) & REST_ONLY or timeout_s >= 29 else 'http'\n"
                 "    return choice, requests_per_month * (3.5 if choice == 'rest' else 1.0) / 1e6\n", {T["choose"]}),
    "choose_helper": ("lab11_choose",
                      REST + "from serverless_lab import pricing as prices\n\n"
                      "def choose_api(requests_per_month, needs, timeout_s):\n"
                      "    choice = 'rest' if set(needs) & REST_ONLY or timeout_s > 30 else 'http'\n"
                      "    return choice, prices.apigateway_cost(requests_per_month, api=choice).total\n", {T["choose"]}),
}

# Few students, so one grading run stays short: each student holds at most one wrong answer per cell, and the cells a
# student fails are the union of what each of its wrong answers fails on its own.
STUDENTS = [
    ["round", "truncated_rps", "cold_first", "api_free_tier", "nobatch", "notimeout"],
    ["millis", "credit", "over_95", "api_helper", "queue_round", "keysonly"],
    ["bill_helper", "average", "id_lines", "http_29s"],
    ["decimal_gb", "start_lines", "choose_helper"],
    ["peakbill", "grep_report"],
    ["plan_helper"],
]


def test_every_wrong_design_is_graded():
    assert sorted(w for s in STUDENTS for w in s) == sorted(WRONG)
    for student in STUDENTS:
        assert len({WRONG[w][0] for w in student}) == len(student), student


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    students = {"+".join(s): {WRONG[w][0]: WRONG[w][1] for w in s} for s in STUDENTS}
    return grade_answers(LAB, students, tmp_path_factory.mktemp("grading"), workers=2)


@pytest.mark.parametrize("student", ["+".join(s) for s in STUDENTS])
def test_wrong_designs_lose_their_cells_and_only_those(graded, student):
    failing = set().union(*(WRONG[w][2] for w in student.split("+")))
    status = {gid: e.status for gid, e in graded[student].items()}
    points = {gid: e.points for gid, e in graded[student].items()}
    assert {g for g, st in status.items() if st != "passed"} == failing, (student, status)
    assert all(points[g] == 0 for g in failing), (student, points)
    # each loses its points on what it computes, not because the wrong answer broke the notebook
    assert not any("NameError" in (graded[student][g].message or "") for g in failing), (student, status)
    assert all(points[g] == graded[student][g].max_points for g in status if g not in failing), (student, points)
