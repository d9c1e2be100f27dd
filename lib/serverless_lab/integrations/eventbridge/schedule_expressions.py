"""Schedule expressions (``rate(...)`` and AWS's six-field ``cron(...)``) on the lab clock.

AWS syntax (EventBridge user guide, "Schedule expressions for rules"):
``rate(value unit)`` with unit minute|minutes|hour|hours|day|days (singular only for 1);
``cron(Minutes Hours Day-of-month Month Day-of-week Year)`` in UTC, where
- Minutes 0-59 and Hours 0-23 take ``, - * /``;
- Day-of-month 1-31 takes ``, - * ? / L W`` (``L`` last day, ``15W`` nearest weekday);
- Month 1-12 or JAN-DEC takes ``, - * /``;
- Day-of-week 1-7 (1 = Sunday) or SUN-SAT takes ``, - * ? L #`` (``6L`` last Friday,
  ``2#1`` first Monday);
- Year 1970-2199 takes ``, - * /``;
- exactly one of Day-of-month and Day-of-week must be ``?``.
A rate schedule first fires one period after the rule is created, as on AWS.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from ...errors import LabError

MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}
DAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)}
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}


class ScheduleExpressionError(LabError):
    """A schedule expression AWS would reject (or a cron feature the lab does not run)."""


def _err(expr: str, why: str) -> ScheduleExpressionError:
    return ScheduleExpressionError(
        f"Schedule expression {expr!r} is not valid: {why}.",
        "Write rate(5 minutes) / rate(1 hour), or cron(Minutes Hours Day-of-month Month "
        "Day-of-week Year) with '?' in one of the day fields, e.g. cron(0 12 * * ? *).")


@dataclass(frozen=True)
class RateSchedule:
    expression: str
    period_s: int

    def first_after_creation(self, created: float) -> float:
        return created + self.period_s

    def next_after(self, ts: float) -> float:
        return ts + self.period_s


def _values(field: str, lo: int, hi: int, names: dict[str, int] | None, expr: str,
            what: str) -> set[int]:
    """Expand ``*``, ``a-b``, ``a/b``, ``a-b/c`` and comma lists into a set of values."""
    out: set[int] = set()

    def num(tok: str) -> int:
        tok = tok.upper()
        if names and tok in names:
            return names[tok]
        if not tok.isdigit():
            raise _err(expr, f"{what} has {tok!r}, expected a number {lo}-{hi}")
        val = int(tok)
        if not lo <= val <= hi:
            raise _err(expr, f"{what} value {val} is outside {lo}-{hi}")
        return val

    for part in field.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise _err(expr, f"{what} has a bad increment {step_text!r}")
            step = int(step_text)
        if part == "*":
            start, end = lo, hi
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = num(a), num(b)
        else:
            start = num(part)
            end = hi if step > 1 else start
        if end < start:
            raise _err(expr, f"{what} range {part!r} runs backwards")
        out.update(range(start, end + 1, step))
    return out


@dataclass(frozen=True)
class CronSchedule:
    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int]
    dom: str   # the raw Day-of-month field
    dow: str   # the raw Day-of-week field

    @classmethod
    def parse(cls, expr: str, body: str) -> CronSchedule:
        fields = body.split()
        if len(fields) != 6:
            raise _err(expr, f"AWS cron has 6 fields (Minutes Hours Day-of-month Month "
                             f"Day-of-week Year); found {len(fields)}")
        mi, hr, dom, mo, dow, yr = fields
        if (dom == "?") == (dow == "?"):
            raise _err(expr, "exactly one of Day-of-month and Day-of-week must be '?'")
        sched = cls(expr, frozenset(_values(mi, 0, 59, None, expr, "Minutes")),
                    frozenset(_values(hr, 0, 23, None, expr, "Hours")),
                    frozenset(_values(mo, 1, 12, MONTHS, expr, "Month")),
                    frozenset(_values(yr, 1970, 2199, None, expr, "Year")), dom.upper(),
                    dow.upper())
        sched._check_day_fields()
        return sched

    def _check_day_fields(self) -> None:
        probe = date(2026, 1, 1)
        self._dom_matches(probe)
        self._dow_matches(probe)

    def _dom_matches(self, d: date) -> bool:
        field = self.dom
        if field == "?":
            return True
        last = calendar.monthrange(d.year, d.month)[1]
        for part in field.split(","):
            if part == "L":
                if d.day == last:
                    return True
            elif part.endswith("W") and part[:-1].isdigit():
                target = int(part[:-1])
                if not 1 <= target <= 31:
                    raise _err(self.expression, f"Day-of-month {part!r} is outside 1-31")
                if target <= last and d == _nearest_weekday(d.year, d.month, target):
                    return True
            elif any(c in part for c in "LW#"):
                raise _err(self.expression, f"Day-of-month {part!r} is not supported here "
                                            "(use L, nW, numbers, ranges or */n)")
            elif d.day in _values(part, 1, 31, None, self.expression, "Day-of-month"):
                return True
        return False

    def _dow_matches(self, d: date) -> bool:
        field = self.dow
        if field == "?":
            return True
        aws_dow = (d.isoweekday() % 7) + 1  # Sunday = 1 … Saturday = 7
        for part in field.split(","):
            if "#" in part:
                day_text, nth_text = part.split("#", 1)
                day = DAYS.get(day_text) or (int(day_text) if day_text.isdigit() else 0)
                if not 1 <= day <= 7 or not nth_text.isdigit() or not 1 <= int(nth_text) <= 5:
                    raise _err(self.expression, f"Day-of-week {part!r}: use day#n, n 1-5")
                if aws_dow == day and (d.day - 1) // 7 + 1 == int(nth_text):
                    return True
            elif part.endswith("L") and part != "L":
                day_text = part[:-1]
                day = DAYS.get(day_text) or (int(day_text) if day_text.isdigit() else 0)
                if not 1 <= day <= 7:
                    raise _err(self.expression, f"Day-of-week {part!r}: use dayL, day 1-7")
                last = calendar.monthrange(d.year, d.month)[1]
                if aws_dow == day and d.day + 7 > last:
                    return True
            elif part == "L":
                if aws_dow == 7:
                    return True
            elif any(c in part for c in "LW#"):
                raise _err(self.expression, f"Day-of-week {part!r} is not supported")
            elif aws_dow in _values(part, 1, 7, DAYS, self.expression, "Day-of-week"):
                return True
        return False

    def _day_matches(self, d: date) -> bool:
        return (d.year in self.years and d.month in self.months and self._dom_matches(d)
                and self._dow_matches(d))

    tz: str = "UTC"

    def first_after_creation(self, created: float) -> float:
        return self.next_after(created)

    def next_after(self, ts: float) -> float:
        """The first matching minute strictly after ``ts``, read in ``tz`` (UTC for rules).

        Daylight saving time as EventBridge Scheduler documents it
        (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#daylist-savings-time):
        a local time that does not exist when clocks go forward is skipped, and a local time that
        happens twice when clocks go back runs once (at its first occurrence).
        """
        zone = _zone(self.tz, self.expression)
        start = datetime.fromtimestamp(ts, tz=zone).replace(second=0, microsecond=0)
        start += timedelta(minutes=1)
        day = start.date()
        for _ in range(366 * 6):
            if day.year > max(self.years):
                break
            if self._day_matches(day):
                for h in sorted(self.hours):
                    for m in sorted(self.minutes):
                        when = datetime(day.year, day.month, day.day, h, m, tzinfo=zone)
                        if when >= start and when.timestamp() > ts and _exists(when):
                            return when.timestamp()
            day += timedelta(days=1)
        return float("inf")


def _exists(local: datetime) -> bool:
    """Whether a wall-clock time exists in its zone (not in the gap when clocks go forward)."""
    assert local.tzinfo is not None
    back = datetime.fromtimestamp(local.timestamp(), tz=local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


@dataclass(frozen=True)
class AtSchedule:
    """EventBridge Scheduler's one-time ``at(yyyy-mm-ddThh:mm:ss)`` in the schedule's zone."""

    expression: str
    when: float

    def first_after_creation(self, created: float) -> float:
        return self.when

    def next_after(self, ts: float) -> float:
        return float("inf")


def _zone(name: str, expr: str):  # noqa: ANN202 - a tzinfo
    if name in ("UTC", "", None):
        return timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _err(expr, f"unknown time zone {name!r} (use an IANA name such as "
                         "'Europe/Paris' or 'America/New_York')") from None


Schedule = RateSchedule | CronSchedule | AtSchedule
_AT = re.compile(r"^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$")


def parse_schedule(expression: str, *, timezone_name: str = "UTC",
                   allow_at: bool = False) -> Schedule:
    """Parse a ScheduleExpression; raise ScheduleExpressionError where AWS would refuse it.

    Rules take rate() and cron() in UTC; EventBridge Scheduler (``allow_at=True``) also takes
    ``at(2026-12-01T09:00:00)`` and reads cron/at in ``timezone_name``.
    """
    expr = (expression or "").strip()
    at = _AT.match(expr)
    if at and allow_at:
        try:
            local = datetime.fromisoformat(at.group(1))
        except ValueError:
            raise _err(expr, "the date in at() does not exist") from None
        return AtSchedule(expr, local.replace(tzinfo=_zone(timezone_name, expr)).timestamp())
    rate = _RATE.match(expr)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value <= 0:
            raise _err(expr, "the rate value must be a positive whole number")
        if value == 1 and unit.endswith("s"):
            raise _err(expr, f"a value of 1 takes the singular unit: rate(1 {unit[:-1]})")
        if value > 1 and not unit.endswith("s"):
            raise _err(expr, f"a value above 1 takes the plural unit: rate({value} {unit}s)")
        return RateSchedule(expr, value * _UNIT_S[unit.rstrip("s")])
    cron = _CRON.match(expr)
    if cron:
        parsed = CronSchedule.parse(expr, cron.group(1).strip())
        if timezone_name not in ("UTC", "", None):
            _zone(timezone_name, expr)
            object.__setattr__(parsed, "tz", timezone_name)
        return parsed
    raise _err(expr, "it must start with rate( or cron(" + (" or at(" if allow_at else ""))


def _nearest_weekday(year: int, month: int, day: int) -> date:
    """Quartz/AWS ``W``: the weekday nearest ``day``, never crossing into another month."""
    last = calendar.monthrange(year, month)[1]
    d = date(year, month, min(day, last))
    if d.weekday() == 5:  # Saturday → Friday, or Monday if the 1st
        return d - timedelta(days=1) if d.day > 1 else d + timedelta(days=2)
    if d.weekday() == 6:  # Sunday → Monday, or Friday if the last day
        return d + timedelta(days=1) if d.day < last else d - timedelta(days=2)
    return d
