"""Lab 02's launch plan (Exercise 3, a decision graded by scenarios) rejects the plans a confused student writes.

Each plan below meets some requirements and must score 0 on the cell of the requirement it breaks, and full
marks on the others, through the grader (one student per plan, all graded in one call):

* Little's law only: 3,300 requests/s × 0.1 s ≈ 330, so reserve 450 on today's quota of 1,000 and provision nothing.
  An instant spike finds every new environment busy with its Init and only 1,000 can start at once
  (https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html), and 3,300 + 8,000 requests/s is more than
  10 × 1,000 (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html);
* no reservation: checkout may then take every execution the other functions need
  (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html);
* reserving up to AWS's minimum of 100 unreserved, which leaves the other functions less than their 200;
* provisioning the whole peak: no throttle, but 1,500 × 0.5 GB × 3,600 s × $0.0000041667 = $11.25 for the hour
  (https://aws.amazon.com/lambda/pricing/), over the $3.00 budget.
"""

from __future__ import annotations

import pytest

from grading_helpers import grade_answers

pytestmark = pytest.mark.notebook
LAB = "lab02-cold-starts-and-scaling"
CELLS = ["lab02_launch_plan_throttles", "lab02_launch_plan_rps", "lab02_launch_plan_others", "lab02_launch_plan_budget"]

PLANS = {   # student: (plan, the requirement cells it must fail)
    "littles-law-only": ('{"account_quota": 1_000, "reserved": 450, "provisioned": 0}',
                         ["lab02_launch_plan_throttles", "lab02_launch_plan_rps"]),
    "no-reservation": ('{"account_quota": 1_200, "reserved": None, "provisioned": 350}', ["lab02_launch_plan_others"]),
    "reserve-to-the-minimum": ('{"account_quota": 1_200, "reserved": 1_100, "provisioned": 350}', ["lab02_launch_plan_others"]),
    "provision-the-peak": ('{"account_quota": 2_000, "reserved": 1_500, "provisioned": 1_500}', ["lab02_launch_plan_budget"]),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    students = {name: {"lab02_launch_plan": f"LAUNCH_PLAN = {plan}\n"} for name, (plan, _fails) in PLANS.items()}
    return grade_answers(LAB, students, tmp_path_factory.mktemp("lab02-wrong"), workers=2)


@pytest.mark.parametrize("student,test_id", [(s, t) for s, (_p, fails) in PLANS.items() for t in CELLS])
def test_each_plan_loses_exactly_the_requirement_it_breaks(graded, student, test_id):
    cell = graded[student][test_id]
    if test_id in PLANS[student][1]:
        assert cell.points == 0, (student, test_id, cell.status, cell.message)
    else:
        assert cell.points == cell.max_points, (student, test_id, cell.status, cell.message)
