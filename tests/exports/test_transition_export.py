"""The transitional deadlines as a spreadsheet, through the export jobs: the rows the page shows, formulas
neutralised, labels in the requester's language."""

import pytest

from systems_registry.models import InformationSystem
from tests import factories
from tests.exports.conftest import rows_of

pytestmark = pytest.mark.django_db


def test_the_transition_export_lists_each_system_under_each_rule(demo, export):
    planned = factories.leveled_system(demo, 3, name='=HYPERLINK("http://x")')
    InformationSystem.objects.filter(pk=planned.pk).update(regime="decree_85_2016", status="planned")
    job, wb = export(demo.owner, "transition", {"state": "due"})
    assert job["status"] == "done", job
    rows = rows_of(wb[wb.sheetnames[0]])
    mine = [r for r in rows if r[0] == planned.code]
    assert {r[4].date().isoformat() for r in mine} == {"2027-01-01", "2027-07-01"}
    assert all(r[5] == "Đến hạn" for r in mine), mine  # "due" in the requester's language
    assert all(not str(r[1]).startswith("=") for r in mine)
    _, outsider_wb = export(demo.outsider, "transition")
    assert rows_of(outsider_wb[outsider_wb.sheetnames[0]]) == []
