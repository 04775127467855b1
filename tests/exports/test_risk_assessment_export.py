"""The risk-assessment register of a system, exported for inspection through the export jobs (Decree 331 Art. 10):
every assessment a row, triggers in words, user text neutralised, 404 for a system the requester cannot see."""

from reporting import changes
from tests import factories
from tests.exports.conftest import rows_of


def test_a_systems_risk_assessments_export_with_their_triggers_in_words(demo, export, api):
    system = factories.leveled_system(demo, 3, name="Cổng dịch vụ công")
    changes.record_risk_assessment(
        actor=demo.operator, system_id=system.pk, trigger="first_determination", conclusion="Phù hợp"
    )
    changes.record_risk_assessment(actor=demo.owner, system_id=system.pk, trigger="interconnection",
                                   conclusion="=HYPERLINK(\"http://x\")", proposes_level=4)  # fmt: skip
    job, wb = export(demo.auditor, "risk_assessments", {"system_id": system.pk})
    assert job["status"] == "done", job
    rows = rows_of(wb.worksheets[0])
    assert [r[1] for r in rows] == [system.code, system.code]
    assert rows[0][4] == "Xác định cấp độ lần đầu" or rows[0][4] == "First determination of the level"
    assert rows[1][5].startswith("'=") and (rows[1][6], rows[1][7]) == (3, 4)


def test_an_outsider_cannot_export_them(demo, api):
    system = factories.leveled_system(demo, 2, name="Hệ thống nội bộ")
    resp = api.post("exports", demo.outsider, {"kind": "risk_assessments", "params": {"system_id": system.pk}})
    assert resp.status_code == 404
