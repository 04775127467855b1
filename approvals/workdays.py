"""Working-day arithmetic for statutory time limits: Saturdays, Sundays and listed holidays do not count."""

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
