"""`bench/generate_national_dataset.py` at smoke size: the national shape, every dossier state, full inspection results,
an intact audit chain, and the same data again from the same seed."""

from datetime import date

import pytest
from django.db import transaction

from accounts.models import Membership, Organization, OrganizationClosure
from approvals.models import Dossier, DossierStep
from bench import generate_national_dataset
from bench.national_dataset import Sizes, generate
from core import audit
from inspections.models import Finding, Inspection, InspectionResult
from systems_registry.models import InformationSystem, InformationSystemUserObjectPermission

AS_OF = date(2026, 11, 23)


class _Undo(Exception):
    pass


def fingerprint() -> dict:
    systems = list(
        InformationSystem.objects.filter(code__startswith="N-").order_by("code")
        .values_list("code", "owner__code", "operator__code", "proposed_level", "status", "approved_level")
    )  # fmt: skip
    dossiers = sorted(
        Dossier.objects.filter(system__code__startswith="N-").values_list("system__code", "status", "proposed_level")
    )
    results = sorted(
        InspectionResult.objects.filter(inspection__system__code__startswith="N-")
        .values_list("inspection__system__code", "item__code", "result")
    )  # fmt: skip
    findings = sorted(
        Finding.objects.filter(system__code__startswith="N-").values_list(
            "system__code", "item__code", "severity", "status"
        )
    )
    return {"systems": systems, "dossiers": dossiers, "results": results, "findings": findings}


def small(**overrides) -> Sizes:
    values = {
        "systems": 200,
        "inspections": 20,
        "results_per_inspection": 10,
        "provinces": 4,
        "communes": 40,
        "ministries": 2,
    }
    return Sizes(**(values | overrides))


def test_it_builds_the_national_hierarchy_with_systems_dossiers_inspections_and_a_valid_audit_chain(db):
    args = generate_national_dataset.parse(["--systems", "200", "--inspections", "20", "--results-per-inspection", "10",
                                            "--explicit-grants", "300", "--as-of", AS_OF.isoformat()])  # fmt: skip
    generate_national_dataset.run(args, out=lambda line: None)

    generated = Organization.objects.filter(code__startswith="N-")
    assert generated.filter(kind=Organization.Kind.PROVINCE).count() == 34
    assert generated.filter(kind=Organization.Kind.COMMUNE).count() == 3321
    assert generated.filter(kind=Organization.Kind.COMMUNE, parent__kind=Organization.Kind.PROVINCE).count() == 3321
    assert generated.filter(kind=Organization.Kind.CENTRAL_AGENCY).count() == 22
    # The closure was rebuilt: a commune is reachable from its province at depth 1.
    commune = generated.filter(kind=Organization.Kind.COMMUNE).first()
    assert OrganizationClosure.objects.filter(ancestor_id=commune.parent_id, descendant=commune, depth=1).exists()
    assert Membership.objects.filter(organization__code__startswith="N-").values("role").distinct().count() >= 5

    systems = InformationSystem.objects.filter(code__startswith="N-")
    assert systems.count() == 200
    levels = {lvl: systems.filter(proposed_level=lvl).count() for lvl in range(1, 6)}
    assert levels[1] + levels[2] > levels[3] > levels[4] + levels[5]
    # A running system always has an approved dossier at its level.
    running = systems.filter(status__in=["operating", "suspended"])
    assert (
        running.exists()
        and not Dossier.objects.filter(pk__in=running.values("approved_dossier_id")).exclude(status="approved").exists()
    )
    assert not running.filter(approved_dossier_id=None).exists()
    assert not running.exclude(approved_level=models_f("proposed_level")).exists()

    states = set(Dossier.objects.filter(system__code__startswith="N-").values_list("status", flat=True))
    assert states == set(Dossier.Status.values)
    assert DossierStep.objects.filter(dossier__system__code__startswith="N-", decision="approved").exists()

    inspections = Inspection.objects.filter(system__code__startswith="N-")
    assert inspections.count() == 20
    for inspection in inspections:
        assert inspection.results.count() == min(10, inspection.checklist.items.count())
        assert not inspection.results.exclude(item__template_id=inspection.checklist_id).exists()
    assert InspectionResult.objects.filter(inspection__status="closed").exclude(result="").exists()

    assert InformationSystemUserObjectPermission.objects.filter(user__username__startswith="n.x").count() == 300

    result = audit.verify_chain()
    assert result.ok, result
    assert result.checked > 200


def models_f(name):
    from django.db.models import F

    return F(name)


def test_the_same_seed_gives_the_same_dataset_and_another_seed_another(db):
    fingerprints = []
    for seed in (7, 8, 7):
        # Each run is rolled back so the next one starts from the same empty database.
        with pytest.raises(_Undo), transaction.atomic():
            generate(sizes=small(), seed=seed, as_of=AS_OF)
            fingerprints.append(fingerprint())
            raise _Undo
    first, other, again = fingerprints
    assert first == again
    assert len(first["systems"]) == 200 and first["results"] and first["dossiers"]
    assert other["systems"] != first["systems"]


def test_a_second_run_on_the_same_database_is_refused(db):
    generate(sizes=small(inspections=0), seed=1, as_of=AS_OF)
    with pytest.raises(ValueError):
        generate(sizes=small(inspections=0), seed=1, as_of=AS_OF)
