"""Every operation of the API contract (/work/shared/api-contract.md), by section. A test in tests/contract drives
each one with only the fields the contract names, and marks it `@pytest.mark.operation("METHOD /path")`; the
conftest fails the collection if a listed operation has no such test.

To extend: add the contract's new operations here under their section, then a test that drives them. A section
still being built on another branch sits in PENDING_SECTIONS until it lands."""

OPERATIONS = {
    "Conventions": [
        "POST /auth/token", "POST /auth/token/revoke", "GET /healthz", "GET /openapi.json", "GET /docs",
    ],
    "Me": ["GET /me", "GET /users"],
    "Organisations": ["GET /organizations"],
    "Information systems": [
        "GET /systems", "POST /systems", "GET /systems/{id}", "PATCH /systems/{id}", "POST /systems/{id}/classify",
        "POST /systems/{id}/transitions/{name}",
    ],
    "Security-level dossiers": [
        "POST /systems/{id}/dossiers", "POST /dossiers/{id}/documents", "GET /documents/{id}/download",
        "GET /dossiers", "GET /dossiers/{id}", "POST /dossiers/{id}/transitions/{name}",
    ],
    "Statutory documents (forms)": [
        "GET /dossiers/{id}/forms", "GET /dossiers/{id}/forms/{form}", "POST /dossiers/{id}/forms/{form}/signed",
        "GET /verify/{short_id}", "POST /verify", "GET /dossiers/{id}/history",
    ],
    "Checklists": ["GET /checklists", "GET /checklists/{id}", "POST /checklists/import"],
    "Inspections and findings": [
        "GET /inspections", "POST /systems/{id}/inspections", "GET /inspections/{id}", "PUT /inspections/{id}/results",
        "POST /inspections/{id}/transitions/{name}", "GET /inspections/{id}/findings", "POST /inspections/{id}/findings",
        "POST /findings/{id}/transitions/{name}",
    ],
    "Spreadsheets": [
        "POST /exports", "GET /exports/{id}", "GET /exports/{id}/download", "POST /imports/systems",
    ],
    "The national-security List, the transition, mappings": [
        "GET /transition", "GET /checklists/mappings", "GET /checklists/mappings/{id}", "POST /systems/{id}/gap-assessments",
    ],
    "Reporting, risk, changes, incidents": [
        "GET /reports", "POST /reports", "POST /reports/{id}/transitions/{name}", "GET /reports/{id}/form08",
        "POST /systems/{id}/risk-assessments", "POST /systems/{id}/changes", "POST /systems/{id}/incidents",
        "POST /incidents/{id}/reports",
    ],
    "OSCAL": [
        "GET /checklists/{id}/oscal", "GET /systems/{id}/oscal/ssp", "GET /inspections/{id}/oscal/assessment-results",
        "GET /systems/{id}/oscal/poam",
    ],
    "Notifications and dashboard": [
        "GET /notifications", "POST /notifications/{id}/read", "GET /dashboard/compliance",
    ],
}  # fmt: skip

# Being built on other branches this session; their contract tests come with them (then move them out of here).
PENDING_SECTIONS: set[str] = set()


def due() -> set[str]:
    return {op for section, ops in OPERATIONS.items() if section not in PENDING_SECTIONS for op in ops}
