"""Checklist items that apply to systems on the national-security List whatever their level: physically separate
hosting in a rented data centre or cloud (Decree 331/2026 Art. 30.9).

They are a small catalogue file (`national_security_list.supplement` of the regime's schedule policy), imported by
the catalogue importer on first use (identical bytes give the same published version), and added to the snapshot of
every inspection of a listed system after its own checklist's items, by one `INSERT … SELECT`. The inspection keeps
one checklist (its level's); the results page, the answers, findings and the submit rule (every row answered) work
on the snapshot rows, so the supplementary items are answered like any other.
"""

from django.db import connection

from checklists.models import ChecklistItem, ChecklistTemplate
from checklists.services import import_template
from systems_registry.models import InformationSystem

from .models import Inspection, InspectionResult
from .policy import POLICY_DIR, load_policy

# Supplementary rows come after the level catalogue's (whose orders are far below this).
ORDER_OFFSET = 1_000_000
LISTED = "listed"


def supplement_template(regime: str) -> ChecklistTemplate | None:
    listed = load_policy(regime).national_security_list
    if listed is None:
        return None
    data = (POLICY_DIR / listed.supplement).read_bytes()
    template, _created = import_template(actor=None, data=data, filename=listed.supplement)
    return template


def add_to_snapshot(inspection_ids, *, regime: str) -> None:
    """Add the supplementary items to the snapshots of those of `inspection_ids` whose system is listed under
    `regime`. Callers pass only inspections of listed systems (so no query for the others); the SQL checks again."""
    inspection_ids = list(inspection_ids)
    if not inspection_ids:
        return
    template = supplement_template(regime)
    if template is None:
        return
    qn = connection.ops.quote_name
    result, item, insp, system = (
        InspectionResult._meta, ChecklistItem._meta, Inspection._meta, InformationSystem._meta,
    )  # fmt: skip

    def col(meta, name: str) -> str:
        return qn(meta.get_field(name).column)

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(result.db_table)} ({col(result, 'inspection')}, {col(result, 'item')}, "
            f"{col(result, 'order')}, {col(result, 'result')}, {col(result, 'note')}) "
            f"SELECT i.{col(insp, 'id')}, c.{col(item, 'id')}, %s + c.{col(item, 'order')}, '', '' "
            f"FROM {qn(insp.db_table)} i "
            f"JOIN {qn(system.db_table)} s ON s.{col(system, 'id')} = i.{col(insp, 'system')} "
            f"JOIN {qn(item.db_table)} c ON c.{col(item, 'template')} = %s "
            f"WHERE s.{col(system, 'national_security_list')} = %s AND s.{col(system, 'regime')} = %s "
            f"AND i.{col(insp, 'id')} IN ({', '.join(['%s'] * len(inspection_ids))})",
            [ORDER_OFFSET, template.pk, LISTED, regime, *inspection_ids],
        )
