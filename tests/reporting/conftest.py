import datetime as dt

import pytest
from django.utils import timezone


class Clock:
    """A settable `timezone.now` (and so `localdate`): a reporting year happens in December."""

    def __init__(self, monkeypatch):
        self.at = None
        real_now = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: self.at or real_now())

    def set(self, day: dt.date, hour: int = 10):
        self.at = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)
