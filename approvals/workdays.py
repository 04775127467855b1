"""Day arithmetic for statutory time limits: working days (Saturdays, Sundays and listed holidays do not count)
and calendar days (every day counts; a period ending on a day off ends on the next working day)."""

from collections.abc import Collection
from datetime import date, timedelta


def is_working_day(day: date, holidays: Collection[date] = ()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, n: int, holidays: Collection[date] = ()) -> date:
    """The date on which a limit of `n` working days counted from `start` ends. The start day itself is not
    counted (a dossier received on a Friday with 1 working day is due the next Monday); n == 0 returns `start`."""
    if n < 0:
        raise ValueError("n must not be negative")
    day, left = start, n
    while left:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            left -= 1
    return day


def working_days_between(start: date, end: date, holidays: Collection[date] = ()) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            count += 1
    return count


def add_calendar_days(start: date, n: int, holidays: Collection[date] = ()) -> date:
    """The date on which a limit of `n` calendar days counted from `start` ends. The start day is not counted; a
    period whose last day is a Saturday, Sunday or holiday ends on the next working day (Civil Code 2015 Art. 148.5)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start + timedelta(days=n)
    while n and not is_working_day(day, holidays):
        day += timedelta(days=1)
    return day


def add_days(start: date, n: int, unit: str, holidays: Collection[date] = ()) -> date:
    """`n` days of `unit` ("working_days" or "calendar_days", as a routing policy states it) counted from `start`."""
    if unit == "working_days":
        return add_working_days(start, n, holidays)
    if unit == "calendar_days":
        return add_calendar_days(start, n, holidays)
    raise ValueError(f"unknown unit {unit!r}")


def days_between(start: date, end: date, unit: str, holidays: Collection[date] = ()) -> int:
    """Days of `unit` after `start` up to and including `end` (0 when end <= start): how late a step is, in the
    unit its limit was given in."""
    if unit == "working_days":
        return working_days_between(start, end, holidays)
    if unit == "calendar_days":
        return max((end - start).days, 0)
    raise ValueError(f"unknown unit {unit!r}")
