from functools import partial
from types import SimpleNamespace

from django.db.models import F
from ninja import Body, Query, Router, Status
from pydantic import BaseModel, Field

from accounts.pagination import PageParams, paginate_counted

from . import services
from .models import InformationSystem
from .schemas import ClassificationOut, ReasonOut, SystemCreate, SystemOut, SystemPatch
from .selectors import system_for_user, system_list, visible_page_in_code_order

router = Router(tags=["systems"])


class SystemPage(BaseModel):
    items: list[SystemOut]
    count: int
    page: int
    page_size: int


class SystemFilter(PageParams):
    q: str = Field(default="", max_length=100, pattern=r"^[^\x00]*$")  # PostgreSQL refuses NUL in text
    level: int | None = Field(default=None, ge=1, le=5)
    status: InformationSystem.Status | None = None
    owner_id: int | None = None


class TransitionIn(BaseModel):
    comment: str = Field(default="", max_length=5000)


def serialize(system: InformationSystem, user, transitions: list[str] | None = None) -> dict:
    data = {name: getattr(system, name) for name in SystemOut.model_fields if hasattr(system, name)}
    data["reasons"] = [
        {"criterion": r["criterion"], "level": r["level"], "text": r["text"], "article": r.get("article", "")}
        for r in system.classification_reasons or []
    ]
    data["available_transitions"] = services.available_transitions(user, system) if transitions is None else transitions
    return data


def serialize_page(rows, user) -> list[dict]:
    # Lists skip per-row permission work: transitions belong to the detail view.
    return [serialize(s, user, transitions=[]) for s in rows]


# The list reads plain rows, not model instances: building 50 systems (the state machine's mixin records every
# instance's initial states) took more of a page than its SQL (docs/benchmarks.md, "HTTP throughput").
_PAGE_COLUMNS = [f.attname for f in InformationSystem._meta.concrete_fields if f.attname in SystemOut.model_fields]


def _serialize_row(row: dict) -> dict:
    del row["pk"]
    reasons = row.pop("classification_reasons") or []
    row["reasons"] = [
        {"criterion": r["criterion"], "level": r["level"], "text": r["text"], "article": r.get("article", "")}
        for r in reasons
    ]
    row["reapproval_required"] = InformationSystem.reapproval_required.fget(SimpleNamespace(**row))  # the model's rule
    row["available_transitions"] = []
    return row


@router.get("/systems", response=SystemPage)
def list_systems(request, params: Query[SystemFilter]):
    filters = {"q": params.q, "level": params.level, "status": params.status or "", "owner_id": params.owner_id}
    qs = system_list(request.user, **filters, related=False)
    head = None if any(filters.values()) else partial(visible_page_in_code_order, request.user)
    return paginate_counted(qs, params, _page_rows, lambda rows: [_serialize_row(row) for row in rows], head=head)


def _page_rows(ids: list[int]):
    # The ids come from the visibility-filtered page of this request (paginate_counted).
    return InformationSystem.objects.filter(pk__in=ids).values(*_PAGE_COLUMNS, "classification_reasons", pk=F("id"))


@router.post("/systems", response={201: SystemOut})
def create_system(request, data: SystemCreate):
    system = services.create_system(actor=request.user, data=data)
    return Status(201, serialize(system, request.user))


@router.get("/systems/{system_id}", response=SystemOut)
def get_system(request, system_id: int):
    return serialize(system_for_user(request.user, system_id, related=False), request.user)


class SystemPatched(SystemOut):
    reasons: list[ReasonOut]  # api-contract.md: PATCH answers with proposed_level, reasons and reapproval_required


@router.patch("/systems/{system_id}", response=SystemPatched)
def patch_system(request, system_id: int, data: SystemPatch):
    system = services.update_system(actor=request.user, system_id=system_id, data=data)
    return serialize(system, request.user) | {"reasons": system.classification_reasons}


@router.post("/systems/{system_id}/classify", response=ClassificationOut)
def classify_system(request, system_id: int, data: SystemPatch | None = Body(None)):
    result = services.classify_system(actor=request.user, system_id=system_id, changes=data)
    return {
        "level": result.level,
        "regime": result.regime,
        "policy_version": result.policy_version,
        "reasons": [
            {"criterion": r.criterion, "level": r.level, "text": r.text, "article": r.article} for r in result.reasons
        ],
    }


@router.post("/systems/{system_id}/transitions/{name}", response=SystemOut)
def transition_system(request, system_id: int, name: str, data: TransitionIn | None = Body(None)):
    system = services.transition_system(
        actor=request.user, system_id=system_id, name=name, comment=(data.comment if data else "")
    )
    return serialize(system, request.user)
