"""A national-scale synthetic dataset for load and performance work (`bench/generate_national_dataset.py`).
Never on production: it is not part of the product, and tests/scale uses it for the pages' query counts.

Shape (domain.md §8): central agencies and 34 provinces own systems; 3,321 communes sit under the provinces and
operate some provincial systems; each owner has an IT centre (operating unit) and a designated security unit.
Levels follow a realistic mix (many 1–2, fewer 3, few 4–5). Dossiers exist in every state with the steps their
regime's routing policy defines; inspections carry one result row per item of the real checklist; findings
follow from "not met" results.

Everything is drawn from one `random.Random(seed)`, and dates are offsets from `as_of`, so the same seed and
sizes give the same codes, levels, states and results. The organisation closure is rebuilt once.

Writers. The history it writes (years of dossiers, inspections and findings in every state, with their past dates)
is not a sequence of transitions anyone performed, so it cannot go through the one-row services: they would stamp
today's date, notify people and check rules against the present. It writes in batches through the owning apps'
set-based writers instead:
- accounts: `services.insert_organizations_batch`, `insert_users_batch`, `insert_memberships_batch`,
  `rebuild_closure`; the audit trail through `audit.record_many` (hash-chained after the current head, in insertion
  order, so `verify_chain` still passes);
- systems_registry: `services.insert_systems_batch`, `record_approvals_batch`, `grant_view_batch`;
- approvals: `services.insert_dossiers_batch`, `insert_steps_batch`.
Inspections, their inspector links, results and findings are the one exception: written here with `bulk_create`
(`_historic_created_at` keeps their generated `created_at`). Inspections has no set-based writer because the
product never creates finished inspections in bulk; tests/architecture/one_writer.py does not look at bench/.
"""

import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from accounts import services as accounts
from accounts.models import Membership, Organization, Role, User
from accounts.services import rebuild_closure
from approvals import services as approvals
from approvals.models import Decision, Dossier, DossierStep
from approvals.routing import load_policy as load_routing
from checklists.models import ChecklistItem, ChecklistTemplate
from core import audit
from core.legal import Regime
from inspections.models import Finding, Inspection, InspectionResult
from systems_registry import services as registry
from systems_registry.models import InformationSystem, InformationSystemUserObjectPermission, InfoType, SystemType

PREFIX = "N"  # every generated organisation, user and system code starts with it
PROVINCES = 34
COMMUNES = 3321
MINISTRIES = 22
LEVEL_WEIGHTS = {1: 35, 2: 35, 3: 20, 4: 8, 5: 2}
STATUS_WEIGHTS = {"operating": 60, "planned": 25, "suspended": 8, "decommissioned": 7}
INSPECTION_STATUS_WEIGHTS = {"scheduled": 20, "in_progress": 15, "submitted": 15, "closed": 45, "cancelled": 5}
RESULT_WEIGHTS = {"met": 70, "partial": 12, "not_met": 12, "not_applicable": 6}
SEVERITY_WEIGHTS = {"low": 40, "medium": 35, "high": 20, "critical": 5}
BATCH = 2000


@dataclass
class Sizes:
    systems: int = 50_000
    inspections: int = 20_000
    results_per_inspection: int = 200
    explicit_grants: int = 0
    provinces: int = PROVINCES
    communes: int = COMMUNES
    ministries: int = MINISTRIES


@dataclass
class Report:
    counts: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"{name}: {count}" for name, count in self.counts.items()]
        out += [f"time {name}: {seconds:.1f}s" for name, seconds in self.timings.items()]
        return out


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class _Clock:
    def __init__(self, report: Report):
        self.report, self.start = report, time.perf_counter()

    def lap(self, name: str):
        now = time.perf_counter()
        self.report.timings[name] = now - self.start
        self.start = now


class _AuditLog:
    """Audit rows kept as compact tuples until the end, then chained in time order and bulk-inserted."""

    def __init__(self):
        self.rows = []

    def add(
        self,
        at,
        actor,
        action,
        object_type,
        object_id,
        from_status="",
        to_status="",
        step=None,
        revision=None,
        data=None,
    ):
        self.rows.append((at, actor.pk if actor else None, actor.username if actor else "", action, object_type, str(object_id),
                          from_status, to_status, step, revision, data or {}))  # fmt: skip

    def write(self) -> int:
        self.rows.sort(key=lambda r: r[0])
        users = {}
        for start in range(0, len(self.rows), BATCH):
            entries = []
            for at, actor_id, username, action, otype, oid, frm, to, step, revision, data in self.rows[
                start : start + BATCH
            ]:
                if actor_id is not None and actor_id not in users:
                    users[actor_id] = User(pk=actor_id, username=username)
                entries.append({"at": at, "actor": users.get(actor_id), "actor_username": username, "action": action,
                                "object_type": otype, "object_id": oid, "from_status": frm, "to_status": to, "step": step,
                                "revision": revision, "data": data})  # fmt: skip
            # One multi-row INSERT per batch assigns ids in row order, which is the order verify_chain walks.
            audit.record_many(entries)
        return len(self.rows)


@contextmanager
def _historic_created_at(*models):
    """Let bulk_create keep the generated `created_at` (registration dates drive the scanner's first due dates)."""
    fields = [m._meta.get_field("created_at") for m in models]
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


def generate(
    *, sizes: Sizes, seed: int = 1, as_of: date | None = None, password: str = "attesta-demo", log=None
) -> Report:
    """Create the dataset. Refuses to run twice on the same database (codes are unique)."""
    as_of = as_of or date.today()
    log = log or (lambda message: None)
    if Organization.objects.filter(code=f"{PREFIX}-NA").exists():
        raise ValueError("A national dataset already exists in this database (organisation N-NA).")
    if not ChecklistTemplate.objects.filter(kind="periodic").exists():
        from checklists.services import load_shipped

        load_shipped()
    rng = random.Random(seed)
    report = Report()
    clock = _Clock(report)
    auditlog = _AuditLog()
    base_at = datetime(as_of.year, as_of.month, as_of.day, 9, 0, tzinfo=UTC)

    def moment(days_ago: float) -> datetime:
        return base_at - timedelta(days=days_ago)

    with transaction.atomic(), _historic_created_at(InformationSystem, Dossier, Inspection, Finding):
        orgs = _organisations(sizes, report)
        clock.lap("organisations")
        log("organisations done")
        users = _users(orgs, sizes, password, report)
        clock.lap("users")
        log("users done")
        systems = _systems(rng, orgs, sizes, moment, report)
        clock.lap("systems")
        log("systems done")
        _dossiers(rng, systems, orgs, users, moment, as_of, auditlog, report)
        clock.lap("dossiers")
        log("dossiers done")
        _inspections(rng, systems, orgs, users, sizes, moment, as_of, auditlog, report)
        clock.lap("inspections")
        log("inspections done")
        _explicit_grants(systems, users, sizes.explicit_grants, report)
        clock.lap("grants")
        report.counts["audit events"] = auditlog.write()
        clock.lap("audit")
    _analyze()
    clock.lap("analyze")
    return report


def _analyze() -> None:
    """Refresh the planner's statistics: a bulk load leaves them empty until autovacuum gets round to it, and a
    benchmark run right after would measure plans made for empty tables."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- organisations and people ------------------------------------------------------------------------------


def _organisations(sizes: Sizes, report: Report) -> dict:
    policy = load_routing(Regime.DECREE_331_2026)
    existing = set(
        Organization.objects.filter(code__in=policy.national_authorities.values()).values_list("code", flat=True)
    )
    accounts.insert_organizations_batch(
        [
            Organization(code=code, name=f"National authority ({sector})", kind=Organization.Kind.NATIONAL_AUTHORITY)
            for sector, code in policy.national_authorities.items()
            if code not in existing
        ]
    )
    national, assessor = accounts.insert_organizations_batch([
        Organization(code=f"{PREFIX}-NA", name="Cục A05 (national dataset)", kind=Organization.Kind.NATIONAL_AUTHORITY),
        Organization(code=f"{PREFIX}-ASSESSOR", name="Licensed assessor (national dataset)", kind=Organization.Kind.ASSESSOR, licensed_assessor=True),
    ])  # fmt: skip
    owners = accounts.insert_organizations_batch(
        [Organization(code=f"{PREFIX}-B{i:02d}", name=f"Bộ {i:02d}", kind=Organization.Kind.CENTRAL_AGENCY) for i in range(1, sizes.ministries + 1)]
        + [Organization(code=f"{PREFIX}-T{i:02d}", name=f"UBND tỉnh {i:02d}", kind=Organization.Kind.PROVINCE) for i in range(1, sizes.provinces + 1)]
    )  # fmt: skip
    units = accounts.insert_organizations_batch(
        [
            Organization(
                code=f"{owner.code}-{suffix}", name=f"{name} · {owner.name}", kind=Organization.Kind.UNIT, parent=owner
            )
            for owner in owners
            for suffix, name in (("IT", "Trung tâm CNTT"), ("SEC", "Đơn vị chuyên trách ATTT"))
        ]
    )
    provinces = [o for o in owners if o.kind == Organization.Kind.PROVINCE]
    communes = []
    for start in range(0, sizes.communes, BATCH):
        communes += accounts.insert_organizations_batch(
            [
                Organization(
                    code=f"{PREFIX}-X{i:04d}",
                    name=f"Xã {i:04d}",
                    kind=Organization.Kind.COMMUNE,
                    parent=provinces[(i - 1) % len(provinces)],
                )  # fmt: skip
                for i in range(start + 1, min(start + BATCH, sizes.communes) + 1)
            ]
        )
    report.counts["closure rows"] = rebuild_closure()
    by_code = {u.code: u for u in units}
    communes_of = {p.pk: [] for p in provinces}
    for c in communes:
        communes_of[c.parent_id].append(c)
    report.counts["organisations"] = 2 + len(owners) + len(units) + len(communes)
    return {
        "national": national, "assessor": assessor, "owners": owners, "provinces": provinces, "communes": communes,
        "it": {o.pk: by_code[f"{o.code}-IT"] for o in owners}, "sec": {o.pk: by_code[f"{o.code}-SEC"] for o in owners},
        "communes_of": communes_of,
    }  # fmt: skip


def _users(orgs: dict, sizes: Sizes, password: str, report: Report) -> dict:
    hashed = make_password(password)
    specs = [
        ("national.authority", orgs["national"], Role.AUTHORITY),
        ("national.auditor", orgs["national"], Role.AUDITOR),
    ]
    for n in range(1, 11):
        specs.append((f"assessor.{n:02d}", orgs["assessor"], Role.INSPECTOR))
    for owner in orgs["owners"]:
        key = owner.code.lower().removeprefix(f"{PREFIX.lower()}-")
        specs += [
            (f"{key}.owner", owner, Role.OWNER),
            (f"{key}.operator", orgs["it"][owner.pk], Role.OPERATOR),
            (f"{key}.security", orgs["sec"][owner.pk], Role.SECURITY_UNIT),
            (f"{key}.inspector", orgs["sec"][owner.pk], Role.INSPECTOR),
        ]
    for commune in orgs["communes"]:
        specs.append((f"{commune.code.lower().removeprefix(f'{PREFIX.lower()}-')}.operator", commune, Role.OPERATOR))
    created = []
    for start in range(0, len(specs), BATCH):
        created += accounts.insert_users_batch(
            [
                User(username=f"{PREFIX.lower()}.{name}", full_name=name, password=hashed, language="vi")
                for name, _, _ in specs[start : start + BATCH]
            ]
        )
    accounts.insert_memberships_batch(
        (
            Membership(user=user, organization=org, role=role)
            for user, (_, org, role) in zip(created, specs, strict=True)
        ),
        batch_size=BATCH,
    )
    by_name = {u.username: u for u in created}

    def named(suffix):
        return by_name[f"{PREFIX.lower()}.{suffix}"]

    def key(org):
        return org.code.lower().removeprefix(f"{PREFIX.lower()}-")

    report.counts["users"] = len(created)
    return {
        "all": created,
        "authority": named("national.authority"),
        "auditor": named("national.auditor"),
        "assessors": [named(f"assessor.{n:02d}") for n in range(1, 11)],
        "owner": {o.pk: named(f"{key(o)}.owner") for o in orgs["owners"]},
        "operator": {o.pk: named(f"{key(o)}.operator") for o in orgs["owners"]},
        "security": {o.pk: named(f"{key(o)}.security") for o in orgs["owners"]},
        "inspector": {o.pk: named(f"{key(o)}.inspector") for o in orgs["owners"]},
    }


# --- systems -----------------------------------------------------------------------------------------------


def _systems(rng: random.Random, orgs: dict, sizes: Sizes, moment, report: Report) -> list[InformationSystem]:
    ministries = [o for o in orgs["owners"] if o.kind == Organization.Kind.CENTRAL_AGENCY]
    provinces = orgs["provinces"]
    systems = []
    for i in range(1, sizes.systems + 1):
        owner = rng.choice(ministries) if rng.random() < 0.2 else rng.choice(provinces)
        communes = orgs["communes_of"].get(owner.pk) or []
        operator = rng.choice(communes) if communes and rng.random() < 0.5 else orgs["it"][owner.pk]
        level = _pick(rng, LEVEL_WEIGHTS)
        status = _pick(rng, STATUS_WEIGHTS)
        regime = Regime.DECREE_331_2026 if rng.random() < 0.7 else Regime.DECREE_85_2016
        sector = "civil" if level < 4 or rng.random() < 0.9 else rng.choice(["military", "cipher"])
        info = (
            [InfoType.PUBLIC]
            + ([InfoType.PERSONAL] if rng.random() < 0.5 else [])
            + ([InfoType.PERSONAL_SENSITIVE] if level >= 3 else [])
        )
        systems.append(InformationSystem(
            code=f"{PREFIX}-HT-{i:06d}", name=f"Hệ thống {i:06d} · {owner.name}", owner=owner, operator=operator,
            security_unit=orgs["sec"][owner.pk], national_authority=orgs["national"] if level >= 4 else None,
            regime=regime, sector=sector, system_type=rng.choice(SystemType.values), info_types=info,
            data_subjects=rng.randrange(0, 10**6 if level < 3 else 10**7), proposed_level=level,
            classification_reasons=[{"criterion": "generated", "level": level, "text": f"Level {level} (generated)", "text_vi": f"Cấp độ {level} (dữ liệu sinh)", "article": ""}], classification_policy_version="generated",
            classified_at=moment(rng.uniform(30, 900)), status=status, created_at=moment(rng.uniform(30, 1500)),
        ))  # fmt: skip
    created = []
    for start in range(0, len(systems), BATCH):
        created += registry.insert_systems_batch(systems[start : start + BATCH])
    report.counts["systems"] = len(created)
    return created


# --- dossiers ----------------------------------------------------------------------------------------------


def _dossiers(rng: random.Random, systems, orgs, users, moment, as_of: date, auditlog: _AuditLog, report: Report):
    """Operating, suspended and decommissioned systems get an approved dossier at their level (some with a
    superseded earlier one); planned systems get one open or closed-unsuccessfully dossier in any state."""
    planned_states = {"draft": 30, "in_review": 35, "returned": 15, "rejected": 8, "withdrawn": 12}
    counts = dict.fromkeys(Dossier.Status.values, 0)
    step_count = 0
    approved_of = {}
    for start in range(0, len(systems), BATCH):
        batch = systems[start : start + BATCH]
        plans = []  # (system, dossier, [(spec, decision, decided_days_ago)], events)
        for system in batch:
            states = []
            if system.status == "planned":
                states.append(_pick(rng, planned_states))
            else:
                if rng.random() < 0.15:
                    states.append("superseded")
                states.append("approved")
            for state in states:
                plans.append((system, state, rng.uniform(20, 700)))
        dossiers = []
        for system, state, days_ago in plans:
            created_at = moment(days_ago)
            dossiers.append(Dossier(
                system=system, proposed_level=system.proposed_level, regime=system.regime,
                routing_version=load_routing(system.regime).version, title=f"Hồ sơ cấp độ {system.proposed_level} · {system.code}",
                status=state, created_by=users["operator"][system.owner_id], created_at=created_at,
                submitted_by=None if state == "draft" else users["operator"][system.owner_id],
                submitted_at=None if state == "draft" else moment(days_ago - 1),
                closed_at=moment(days_ago - 15) if state in ("approved", "superseded", "rejected", "withdrawn") else None,
                decision_number=f"{system.code}/QĐ" if state in ("approved", "superseded") else "",
                decision_date=(moment(days_ago - 15).date() if state in ("approved", "superseded") else None),
            ))  # fmt: skip
            counts[state] += 1
        created = approvals.insert_dossiers_batch(dossiers)
        steps = []
        for (system, state, days_ago), dossier in zip(plans, created, strict=True):
            operator = users["operator"][system.owner_id]
            auditlog.add(moment(days_ago), operator, "dossier.create", "dossier", dossier.pk, to_status="draft")
            if state == "draft":
                continue
            auditlog.add(
                moment(days_ago - 1),
                operator,
                "dossier.submit",
                "dossier",
                dossier.pk,
                "draft",
                "in_review",
                revision=1,
            )
            specs = load_routing(system.regime).levels[system.proposed_level]
            decided_until = {"approved": len(specs), "superseded": len(specs), "in_review": rng.randrange(len(specs)),
                             "returned": rng.randrange(len(specs)), "rejected": rng.randrange(len(specs)),
                             "withdrawn": rng.randrange(len(specs))}[state]  # fmt: skip
            day = days_ago - 1
            for order, spec in enumerate(specs, start=1):
                org = _acting_org(spec.acting, system, orgs)
                decider = _decider(spec.role, system, users)
                decision, decided_at = None, None
                if order <= decided_until:
                    decision, day = Decision.APPROVED, day - rng.uniform(1, 8)
                elif order == decided_until + 1 and state in ("returned", "rejected"):
                    decision, day = (
                        (Decision.RETURNED if state == "returned" else Decision.REJECTED),
                        day - rng.uniform(1, 8),
                    )
                activated = moment(day + 3).date() if order <= decided_until + 1 else None
                if decision:
                    decided_at = moment(day)
                    auditlog.add(decided_at, decider, "dossier.decide_step", "dossier", dossier.pk, "in_review",
                                 state if order == decided_until + 1 else "in_review", step=order, revision=1)  # fmt: skip
                if state in ("withdrawn",) and order > decided_until:
                    activated = None
                steps.append(DossierStep(
                    dossier=dossier, revision=1, order=order, kind=spec.kind, organization=org, role=spec.role,
                    limit_days=spec.days, limit_unit=spec.unit, activated_on=activated,
                    due_date=(activated + timedelta(days=(spec.days or 10) * (5 if spec.unit == "calendar_days" else 7) // 5))
                    if activated else None,
                    decision=decision, decided_by=decider if decision else None, decided_at=decided_at,
                ))  # fmt: skip
            if state == "approved":
                approved_of[system.pk] = dossier
            if state == "withdrawn":
                auditlog.add(
                    moment(day - 1), operator, "dossier.withdraw", "dossier", dossier.pk, "in_review", "withdrawn"
                )
            if state == "superseded":
                auditlog.add(
                    moment(day - 2), None, "dossier.supersede", "dossier", dossier.pk, "approved", "superseded"
                )
        approvals.insert_steps_batch(steps, batch_size=BATCH)
        step_count += len(steps)
        updated = [s for s in batch if s.pk in approved_of]
        for s in updated:
            s.approved_dossier_id = approved_of[s.pk].pk
            s.approved_at = approved_of[s.pk].closed_at
            s.approved_level = s.proposed_level
        registry.record_approvals_batch(
            {s.pk: (s.approved_dossier_id, s.approved_level, s.approved_at) for s in updated}
        )
    report.counts["dossiers"] = sum(counts.values())
    report.counts.update({f"dossiers {k}": v for k, v in counts.items()})
    report.counts["dossier steps"] = step_count


def _acting_org(acting: str, system, orgs):
    if acting == "security_unit":
        return orgs["sec"][system.owner_id]
    if acting == "owner":
        return system.owner
    return orgs["national"]


def _decider(role: str, system, users):
    return {"security_unit": users["security"], "owner": users["owner"]}.get(role, {}).get(system.owner_id) or users[
        "authority"
    ]


# --- inspections -------------------------------------------------------------------------------------------


def _inspections(
    rng: random.Random, systems, orgs, users, sizes: Sizes, moment, as_of, auditlog: _AuditLog, report: Report
):
    templates = {}
    for t in ChecklistTemplate.objects.filter(kind="periodic").order_by("regime", "level", "-version"):
        templates.setdefault((t.regime, t.level), t)
    items = {}
    for item_id, template_id, code in (
        ChecklistItem.objects.filter(template__in=templates.values())
        .order_by("order")
        .values_list("id", "template_id", "code")
    ):
        items.setdefault(template_id, []).append((item_id, code))
    candidates = [
        s for s in systems if s.status in ("operating", "suspended") and (s.regime, s.proposed_level) in templates
    ]
    if not candidates:
        return
    rng.shuffle(candidates)
    status_counts = dict.fromkeys(Inspection.Status.values, 0)
    result_count = finding_count = 0
    grants = []
    view_perm = _view_permission()
    k = sizes.results_per_inspection
    report.counts["results per inspection (capped by checklist size)"] = min(k, max(len(v) for v in items.values()))
    for start in range(0, sizes.inspections, 500):
        plans = []
        for n in range(start, min(start + 500, sizes.inspections)):
            system = candidates[n % len(candidates)]
            rounds_back = n // len(candidates)  # a system inspected again: earlier rounds are closed
            status = _pick(rng, INSPECTION_STATUS_WEIGHTS) if rounds_back == 0 else "closed"
            # Rounds are 400 days apart and each spans under 400: a system's periodic due dates never collide.
            due_days_ago = rng.uniform(-90, 300) + 400 * rounds_back
            if status in ("scheduled", "in_progress") and rng.random() < 0.7:
                due_days_ago = -rng.uniform(1, 120)  # most open inspections are not yet overdue
            plans.append((system, status, due_days_ago, templates[(system.regime, system.proposed_level)]))
        rows = []
        for system, status, due_days_ago, template in plans:
            due = moment(due_days_ago).date()
            done = status in ("submitted", "closed")
            rows.append(Inspection(
                system=system, kind=Inspection.Kind.PERIODIC, checklist=template, level=system.proposed_level,
                assessor_requirement="licensed" if system.proposed_level == 5 else "any",
                ordered_by_org_id=system.security_unit_id, scheduled_for=due - timedelta(days=30), due_date=due,
                status=status,
                outcome=_pick(rng, {"eligible": 6, "conditionally_eligible": 3, "not_eligible": 1}) if done else "",
                started_at=moment(due_days_ago + 20) if status not in ("scheduled", "cancelled") else None,
                submitted_at=moment(due_days_ago + 2) if done else None,
                closed_at=moment(due_days_ago) if status == "closed" else None,
                closed_by=users["security"][system.owner_id] if status == "closed" else None,
                created_by=users["security"][system.owner_id], created_at=moment(due_days_ago + 30),
            ))  # fmt: skip
            status_counts[status] += 1
        created = Inspection.objects.bulk_create(rows)
        through = Inspection.inspectors.through
        links, results, findings = [], [], []
        for inspection, (system, status, due_days_ago, template) in zip(created, plans, strict=True):
            inspector = users["inspector"][system.owner_id]
            links.append(through(inspection_id=inspection.pk, user_id=inspector.pk))
            sec = users["security"][system.owner_id]
            auditlog.add(
                moment(due_days_ago + 30), sec, "inspection.create", "inspection", inspection.pk, to_status="scheduled"
            )
            if system.proposed_level == 5 or rng.random() < 0.02:
                # An external assessor has no jurisdiction over the system: an explicit grant lets them see it.
                assessor = rng.choice(users["assessors"])
                links.append(through(inspection_id=inspection.pk, user_id=assessor.pk))
                grants.append((assessor.pk, system.pk))
            if status not in ("scheduled", "cancelled"):
                auditlog.add(
                    moment(due_days_ago + 20),
                    inspector,
                    "inspection.start",
                    "inspection",
                    inspection.pk,
                    "scheduled",
                    "in_progress",
                )
            if status in ("submitted", "closed"):
                auditlog.add(
                    moment(due_days_ago + 2),
                    inspector,
                    "inspection.submit",
                    "inspection",
                    inspection.pk,
                    "in_progress",
                    "submitted",
                )
            if status == "closed":
                auditlog.add(
                    moment(due_days_ago), sec, "inspection.close", "inspection", inspection.pk, "submitted", "closed"
                )
            if status == "cancelled":
                auditlog.add(
                    moment(due_days_ago + 25),
                    sec,
                    "inspection.cancel",
                    "inspection",
                    inspection.pk,
                    "scheduled",
                    "cancelled",
                )
            template_items = items[template.pk][:k]
            filled = (
                len(template_items)
                if status in ("submitted", "closed")
                else (rng.randrange(len(template_items)) if status == "in_progress" else 0)
            )
            for order, (item_id, item_code) in enumerate(template_items, start=1):
                value = _pick(rng, RESULT_WEIGHTS) if order <= filled else ""
                results.append(InspectionResult(
                    inspection_id=inspection.pk, item_id=item_id, order=order, result=value,
                    note=f"{item_code}: không áp dụng cho hệ thống này" if value == "not_applicable" else "",
                    assessed_by_id=inspector.pk if value else None, assessed_at=moment(due_days_ago + 5) if value else None,
                ))  # fmt: skip
                if value == "not_met" and status in ("submitted", "closed") and rng.random() < 0.5:
                    fstatus = _pick(rng, {"open": 50, "resolved": 20, "verified": 30})
                    findings.append(Finding(
                        inspection_id=inspection.pk, system_id=system.pk, item_id=item_id,
                        severity=_pick(rng, SEVERITY_WEIGHTS), description=f"{item_code} chưa đáp ứng",
                        due_date=moment(due_days_ago - rng.uniform(15, 180)).date(),
                        responsible_org_id=system.operator_id, status=fstatus, created_by_id=inspector.pk,
                        resolution="Đã khắc phục" if fstatus != "open" else "", created_at=moment(due_days_ago + 2),
                        resolved_by_id=inspector.pk if fstatus != "open" else None,
                        resolved_at=moment(due_days_ago - 10) if fstatus != "open" else None,
                        verified_by_id=sec.pk if fstatus == "verified" else None,
                        verified_at=moment(due_days_ago - 12) if fstatus == "verified" else None,
                    ))  # fmt: skip
            if filled:
                auditlog.add(moment(due_days_ago + 5), inspector, "inspection.results", "inspection", inspection.pk,
                             data={"items": filled})  # fmt: skip
        through.objects.bulk_create(links, batch_size=BATCH)
        InspectionResult.objects.bulk_create(results, batch_size=BATCH)
        for finding in Finding.objects.bulk_create(findings, batch_size=BATCH):
            auditlog.add(
                moment(0.5),
                None,
                "finding.create",
                "finding",
                finding.pk,
                to_status="open",
                data={"inspection_id": finding.inspection_id},
            )
        result_count += len(results)
        finding_count += len(findings)
    pairs = sorted(set(grants))
    registry.grant_view_batch(pairs, permission=view_perm, batch_size=BATCH)
    report.counts["inspections"] = sum(status_counts.values())
    report.counts.update({f"inspections {k}": v for k, v in status_counts.items()})
    report.counts["inspection results"] = result_count
    report.counts["findings"] = finding_count
    report.counts["assessor grants"] = len(pairs)


def _view_permission() -> Permission:
    ct = ContentType.objects.get_for_model(InformationSystem)
    return Permission.objects.get(content_type=ct, codename="view_informationsystem")


def _explicit_grants(systems, users, count: int, report: Report) -> None:
    """`count` extra (user, system) view grants spread over commune operators: a visibility-benchmark load.
    Pairs are distinct by construction (user index u, system index (t * stride + u) mod N)."""
    if count <= 0:
        return
    grantees = [u for u in users["all"] if u.username.startswith(f"{PREFIX.lower()}.x")] or users["all"]
    n = len(systems)
    if count > n * len(grantees):
        raise ValueError(f"At most {n * len(grantees)} distinct grants fit {len(grantees)} users and {n} systems.")
    stride = next(p for p in (7919, 7927, 7933, 1) if n % p)
    existing = set(
        InformationSystemUserObjectPermission.objects.filter(user__in=grantees).values_list(
            "user_id", "content_object_id"
        )
    )
    perm = _view_permission()
    pairs = []
    for k in range(count):
        user = grantees[k % len(grantees)]
        system = systems[((k // len(grantees)) * stride + k % len(grantees)) % n]
        if (user.pk, system.pk) not in existing:
            pairs.append((user.pk, system.pk))
    report.counts["explicit grants"] = registry.grant_view_batch(pairs, permission=perm)
