"""Lab 00's decisions graded by scenarios reject the designs a confused student writes.

Exercise 3 (how many readings per request) is pure Python: each wrong choice below is graded, through the
grader, in a lean copy of the release (no mocked AWS to start) and must score 0 on the exercise's test cell,
with a message that names the rule it breaks. Prices: $0.20 per million requests after the first 1,000,000 of
the month, charged per request (https://aws.amazon.com/lambda/pricing/, read 2026-12-07):

* a choice hard-coded from the visible examples (a wait of 0 s gets batches of 3);
* never batch (every request billed: a bigger batch would cost less);
* batch as much as the wait allows (free either way, but readings wait longer than the bill needs);
* batch until the month is free, whatever the wait (readings wait longer than allowed);
* the free tier forgotten, or the charge billed per started million (the charge is wrong).

Exercise 4's key layouts must each score 0 on the requirement they break and full marks on the other, through
the grader (one student per layout). S3 matches a prefix character by character and lists keys in UTF-8 binary order
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-prefixes.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html):

* no delimiter after the user: ``ann``'s prefix also finds ``anna``'s notes;
* one key per user and day: a second note the same day overwrites the first;
* months and days without leading zeros: January's prefix ``2026-1`` also finds October to December, and
  ``2026-10-…`` lists before ``2026-2-…``.
"""

from __future__ import annotations

import pytest

from grading_helpers import BATCH_NEVER, grade_answers, lean, write
from serverless_lab.grading.grade import grade

pytestmark = pytest.mark.notebook
LAB = "lab00-welcome"
CELLS = ["lab00_note_keys_users", "lab00_note_keys_months"]

# --- Exercise 3: the batch size ----------------------------------------------------------------------
BATCH_HARD_CODED = '''
def choose_batch(readings_per_day: int, max_wait_seconds: int) -> tuple[int, float]:
    if readings_per_day <= 33_333:
        return 1, 0.0
    if max_wait_seconds == 1:
        return 2, 0.10
    return 3, 0.0                                   # the table's answer, for every workload
'''
BATCH_TO_FREE_TIER = '''
import math

def choose_batch(readings_per_day: int, max_wait_seconds: int) -> tuple[int, float]:
    b = max(1, math.ceil(30 * readings_per_day / 1_000_000))   # batch until the month is free, however long readings wait
    return b, max(0, math.ceil(30 * readings_per_day / b) - 1_000_000) * 0.20 / 1_000_000
'''
BATCH_AS_WAIT_ALLOWS = '''
import math

def choose_batch(readings_per_day: int, max_wait_seconds: int) -> tuple[int, float]:
    b = max_wait_seconds * readings_per_day // 86_400 + 1      # every request costs, so batch as much as the wait allows
    return b, max(0, math.ceil(30 * readings_per_day / b) - 1_000_000) * 0.20 / 1_000_000
'''
BATCH_NO_FREE_TIER = '''
import math

def choose_batch(readings_per_day: int, max_wait_seconds: int) -> tuple[int, float]:
    longest = max_wait_seconds * readings_per_day // 86_400 + 1
    def charge(b):
        return math.ceil(30 * readings_per_day / b) * 0.20 / 1_000_000    # forgets the free million
    b = 1
    while b < longest and charge(b) > charge(longest):
        b += 1
    return b, charge(b)
'''
BATCH_PER_STARTED_MILLION = '''
import math

def choose_batch(readings_per_day: int, max_wait_seconds: int) -> tuple[int, float]:
    longest = max_wait_seconds * readings_per_day // 86_400 + 1
    def charge(b):
        billable = max(0, math.ceil(30 * readings_per_day / b) - 1_000_000)
        return math.ceil(billable / 1_000_000) * 0.20                      # billed per started million
    b = 1
    while b < longest and charge(b) > charge(longest):
        b += 1
    return b, charge(b)
'''
BATCHES = {   # student: (answer, words the failing message must contain)
    "hard-coded": (BATCH_HARD_CODED, "longer than"),
    "never-batch": (BATCH_NEVER, "batches of 3"),
    "as-the-wait-allows": (BATCH_AS_WAIT_ALLOWS, "batches of 3"),
    "to-the-free-tier": (BATCH_TO_FREE_TIER, "a 1 s wait allows batches of 2"),
    "no-free-tier": (BATCH_NO_FREE_TIER, "batches of 3"),
    "per-started-million": (BATCH_PER_STARTED_MILLION, "0.5 M billable"),
}


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    """Exercise 3's wrong choices, each in a lean copy of the release, graded with the hidden tests."""
    subs, out = tmp_path_factory.mktemp("subs"), tmp_path_factory.mktemp("out")
    for student, (code, _words) in BATCHES.items():
        write(subs, student, lean(code.strip("\n")))
    report = grade(subs, out, workers=2, quiet=True)
    return {r.student: {e.grade_id: e for e in r.exercises} for r in report.results}


@pytest.mark.parametrize("student", BATCHES)
def test_each_wrong_batch_choice_scores_zero(batches, student):
    cell = batches[student]["lab00_request_charge_test"]
    assert cell.status == "failed" and cell.points == 0, (student, cell.status, cell.message)
    assert BATCHES[student][1] in cell.message, (student, cell.message)


def test_a_hard_coded_choice_passes_the_visible_tests_only():
    """The hard-coded answer is worth a hidden test: it passes every visible assert."""
    from grading_helpers import index_of, release
    from serverless_lab.grading.source import strip_hidden

    rel = release()
    visible = rel.cells[index_of(rel, "lab00_request_charge_test")].source
    assert "BEGIN HIDDEN" not in visible and strip_hidden(visible) == visible
    space: dict = {}
    exec(BATCH_HARD_CODED, space)   # noqa: S102 - the test's own fixed code, as the notebook would run it
    exec(visible, space)            # noqa: S102

NO_DELIMITER = '''
import datetime

def note_key(user, day, note_id):
    return f"{user}{day.isoformat()}/{note_id}"

def user_prefix(user):
    return user                                      # "ann" is also the beginning of "anna"

def month_prefix(user, year, month):
    return f"{user}{year:04d}-{month:02d}-"
'''
ONE_KEY_PER_DAY = '''
import datetime

def note_key(user, day, note_id):
    return f"notes/{user}/{day.isoformat()}"        # the note_id is left out: same day, same key

def user_prefix(user):
    return f"notes/{user}/"

def month_prefix(user, year, month):
    return f"notes/{user}/{year:04d}-{month:02d}-"
'''
UNPADDED_DATES = '''
import datetime

def note_key(user, day, note_id):
    return f"notes/{user}/{day.year}-{day.month}-{day.day}/{note_id}"

def user_prefix(user):
    return f"notes/{user}/"

def month_prefix(user, year, month):
    return f"notes/{user}/{year}-{month}-"           # "2026-1-" is fine, but the keys do not sort by date
'''
LAYOUTS = {   # student: (answer, the requirement cells it must fail)
    "no-delimiter": (NO_DELIMITER, ["lab00_note_keys_users"]),
    "one-key-per-day": (ONE_KEY_PER_DAY, ["lab00_note_keys_users"]),
    "unpadded-dates": (UNPADDED_DATES, ["lab00_note_keys_months"]),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    students = {name: {"lab00_note_keys": code} for name, (code, _fails) in LAYOUTS.items()}
    return grade_answers(LAB, students, tmp_path_factory.mktemp("lab00-wrong"), workers=2)


@pytest.mark.parametrize("student,test_id", [(s, t) for s in LAYOUTS for t in CELLS])
def test_each_layout_loses_exactly_the_requirement_it_breaks(graded, student, test_id):
    cell = graded[student][test_id]
    if test_id in LAYOUTS[student][1]:
        assert cell.points == 0, (student, test_id, cell.status, cell.message)
    else:
        assert cell.points == cell.max_points, (student, test_id, cell.status, cell.message)
