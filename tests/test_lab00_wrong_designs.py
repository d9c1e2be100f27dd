"""Lab 00's key-layout decision (Exercise 4, graded by scenarios) rejects the layouts a confused student writes.

S3 matches a prefix character by character and lists keys in UTF-8 binary order
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-prefixes.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html). Each layout below must score 0 on the
requirement it breaks and full marks on the other, through the grader (one student per layout):

* no delimiter after the user: ``ann``'s prefix also finds ``anna``'s notes;
* one key per user and day: a second note the same day overwrites the first;
* months and days without leading zeros: January's prefix ``2026-1`` also finds October to December, and
  ``2026-10-…`` lists before ``2026-2-…``.
"""

from __future__ import annotations

import pytest

from grading_helpers import grade_answers

pytestmark = pytest.mark.notebook
LAB = "lab00-welcome"
CELLS = ["lab00_note_keys_users", "lab00_note_keys_months"]

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
