from datetime import date

import pytest
from django.conf import settings

from accounts.models import User
from bench.national_dataset import Sizes, generate

VIEWERS = ["n.national.auditor", "n.t01.owner"]


@pytest.fixture
def national(db):
    generate(
        sizes=Sizes(systems=400, inspections=220, results_per_inspection=20, provinces=3, communes=30, ministries=2),
        seed=3, as_of=date(2026, 11, 23), password=settings.DEMO_PASSWORD,
    )  # fmt: skip
    return {name: User.objects.get(username=name) for name in VIEWERS}
