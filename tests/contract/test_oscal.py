"""OSCAL, as the contract names it: JSON documents for what the caller may see, 404 for what they may not."""

import pytest

from inspections.models import Inspection

pytestmark = pytest.mark.django_db


@pytest.mark.operation(
    "GET /checklists/{id}/oscal", "GET /systems/{id}/oscal/ssp", "GET /inspections/{id}/oscal/assessment-results",
    "GET /systems/{id}/oscal/poam",
)  # fmt: skip
def test_oscal_documents_for_what_the_caller_may_see(full_demo, contract):
    checklist = contract.page(contract.ok(contract.get("checklists", full_demo.security_unit)), ["id"])[0]
    catalog = contract.ok(contract.get(f"checklists/{checklist['id']}/oscal", full_demo.security_unit))
    assert set(catalog) == {"catalog"} and catalog["catalog"]["uuid"]
    inspection = Inspection.objects.filter(system__owner__code="QNI").order_by("id").first()
    system_id = inspection.system_id
    ssp = contract.ok(contract.get(f"systems/{system_id}/oscal/ssp", full_demo.security_unit))
    assert set(ssp) == {"system-security-plan"}
    poam = contract.ok(contract.get(f"systems/{system_id}/oscal/poam", full_demo.security_unit))
    assert set(poam) == {"plan-of-action-and-milestones"}
    results = contract.ok(
        contract.get(f"inspections/{inspection.pk}/oscal/assessment-results", full_demo.security_unit)
    )
    assert set(results) == {"assessment-results"}
    for path in (f"systems/{system_id}/oscal/ssp", f"systems/{system_id}/oscal/poam",
                 f"inspections/{inspection.pk}/oscal/assessment-results"):  # fmt: skip
        contract.error(contract.get(path, full_demo.outsider), 404, "not_found")
