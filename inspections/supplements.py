"""Checklist items that the level catalogues lack but the law asks of some systems: physically separate hosting in a
rented data centre or cloud for level-5 systems and systems on the national-security List (Decree 331/2026
Art. 30.9).

Each rule (`supplements` in the regime's schedule policy) names a small catalogue file, imported by the catalogue
importer on first use (identical bytes give the same published version), and the systems it applies to. Its items
are added to the snapshot of every inspection made against that regime's catalogue of such a system (ordered,
ordered by the scanner, or a gap assessment), after its own checklist's items, by one `INSERT … SELECT`. The
inspection keeps one checklist (its level's); the results page, the answers, findings and the submit rule (every
row answered) work on the snapshot rows, so the supplementary items are answered like any other. The regime is the
catalogue's, not the system's: a Decree 85 system inspected against the Decree 331 catalogue after the measures
deadline (Art. 39.1) meets the Decree 331 measures.
"""

from django.db import connection

from checklists.models import ChecklistItem, ChecklistTemplate
from checklists.services import import_template
from systems_registry.models import InformationSystem

from .models import Inspection, InspectionResult
from .policy import POLICY_DIR, SupplementRule, load_policy

# Supplementary rows come after the level catalogue's (whose orders are far below this), one block per rule.
ORDER_OFFSET = 1_000_000
LISTED = "listed"


def rules(regime: str) -> list[SupplementRule]:
    return load_policy(regime).supplements


def needed(regime: str, *, listed: bool, level: int | None) -> bool:
    """Whether an inspection at `level` against `regime`'s catalogue of a system (on the List or not) gets any
    supplementary items: callers ask this first, so an inspection that gets none costs no query."""
    return any(rule.applies(listed=listed, level=level) for rule in rules(regime))


def supplement_template(rule: SupplementRule) -> ChecklistTemplate:
    data = (POLICY_DIR / rule.catalogue).read_bytes()
    template, _created = import_template(actor=None, data=data, filename=rule.catalogue)
    return template


def add_to_snapshot(inspection_ids, *, regime: str) -> None:
    """Add each rule's items to the snapshots of those of `inspection_ids` whose system or level the rule names
    (inspections made against `regime`'s catalogue). Callers pass only inspections that `needed`; the SQL checks
    again."""
    inspection_ids = list(inspection_ids)
    if not inspection_ids:
        return
    qn = connection.ops.quote_name
    result, item, insp, system = (
        InspectionResult._meta, ChecklistItem._meta, Inspection._meta, InformationSystem._meta,
    )  # fmt: skip

    def col(meta, name: str) -> str:
        return qn(meta.get_field(name).column)

    for block, rule in enumerate(rules(regime), start=1):
        template = supplement_template(rule)
        who, params = [], []
        if rule.listed:
            who.append(f"s.{col(system, 'national_security_list')} = %s")
            params.append(LISTED)
        if rule.levels:
            who.append(f"i.{col(insp, 'level')} IN ({', '.join(['%s'] * len(rule.levels))})")
            params.extend(rule.levels)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {qn(result.db_table)} ({col(result, 'inspection')}, {col(result, 'item')}, "
                f"{col(result, 'order')}, {col(result, 'result')}, {col(result, 'note')}) "
                f"SELECT i.{col(insp, 'id')}, c.{col(item, 'id')}, %s + c.{col(item, 'order')}, '', '' "
                f"FROM {qn(insp.db_table)} i "
                f"JOIN {qn(system.db_table)} s ON s.{col(system, 'id')} = i.{col(insp, 'system')} "
                f"JOIN {qn(item.db_table)} c ON c.{col(item, 'template')} = %s "
                f"WHERE ({' OR '.join(who)}) "
                f"AND i.{col(insp, 'id')} IN ({', '.join(['%s'] * len(inspection_ids))})",
                [ORDER_OFFSET * block, template.pk, *params, *inspection_ids],
            )
