from datetime import date
from functools import partial
from types import SimpleNamespace
from typing import Annotated, Literal

from django.db.models import F
from ninja import Body, Query, Router, Status
from pydantic import BaseModel, Field

from core.pagination import PageParams, paginate, paginate_counted

from . import national_list, services, transition
from .models import InformationSystem, NationalSecurityList
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
    # Only systems whose List state the caller may see (the owner's and national authorities'); others match none.
    national_security_list: NationalSecurityList | None = None


class TransitionIn(BaseModel):
    comment: str = Field(default="", max_length=5000)
    # Optional, for the national-security List's transitions: the Art. 16 criteria of a proposal
    # (`propose_listing`), the decision's number and date (`list`, `unlist`; today when absent).
    criteria: list[Annotated[str, Field(max_length=20, pattern=r"^[a-z0-9_]+$")]] | None = Field(
        default=None, max_length=20
    )
    decision_number: str = Field(default="", max_length=60, pattern=r"^[^\x00]*$")  # PostgreSQL refuses NUL
    decision_date: date | None = None


LIST_FIELDS = ("national_security_list", "list_criteria", "list_decision_number", "list_decision_date")


def serialize(system: InformationSystem, user, transitions: list[str] | None = None, viewer=None) -> dict:
    data = {name: getattr(system, name) for name in SystemOut.model_fields if hasattr(system, name)}
    # Only the owner's representatives and national authorities see a system's List state; others read null.
    if not (viewer or national_list.FlagViewer(user)).sees(system):
        data.update(dict.fromkeys(LIST_FIELDS))
    data["reasons"] = [
        {"criterion": r["criterion"], "level": r["level"], "text": r["text"], "article": r.get("article", "")}
        for r in system.classification_reasons or []
    ]
    data["available_transitions"] = services.available_transitions(user, system) if transitions is None else transitions
    return data


# The list reads plain rows, not model instances: building 50 systems (the state machine's mixin records every
# instance's initial states) took more of a page than its SQL (docs/benchmarks.md, "HTTP throughput").
_PAGE_COLUMNS = [f.attname for f in InformationSystem._meta.concrete_fields if f.attname in SystemOut.model_fields]


def _serialize_row(row: dict, viewer: national_list.FlagViewer) -> dict:
    del row["pk"]
    # Only the owner's representatives and national authorities see a system's List state; others read null.
    if not (viewer.everything or row["owner_id"] in viewer.owner_ids):
        row.update(dict.fromkeys(LIST_FIELDS))
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
    viewer = national_list.FlagViewer(request.user)
    if params.national_security_list:
        qs = national_list.filter_by_state(qs, request.user, params.national_security_list, viewer=viewer)
    # Without filters the page is read in the visibility UNION's own order (core.pagination.paginate_counted).
    unfiltered = not any(filters.values()) and not params.national_security_list
    head = partial(visible_page_in_code_order, request.user) if unfiltered else None
    return paginate_counted(
        qs, params, _page_rows, lambda rows: [_serialize_row(row, viewer) for row in rows], head=head
    )


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
        actor=request.user, system_id=system_id, name=name, comment=(data.comment if data else ""),
        criteria=data.criteria if data else None, decision_number=data.decision_number if data else "",
        decision_date=data.decision_date if data else None,
    )  # fmt: skip
    return serialize(system, request.user)


class TransitionRow(BaseModel):
    system_id: int
    rule: str
    deadline: date
    state: Literal["met", "due", "late"]


class TransitionPage(BaseModel):
    items: list[TransitionRow]
    count: int
    page: int
    page_size: int


class TransitionFilter(PageParams):
    state: Literal["met", "due", "late"] | None = None
    deadline: date | None = None
    sort: Literal[tuple(transition.SORTS)] = "deadline"  # type: ignore[valid-type]


@router.get("/transition", response=TransitionPage, tags=["transition"])
def list_transition(request, params: Query[TransitionFilter]):
    """For each system the caller may see, each transitional rule of Decree 331 Art. 39.1 / Law 116 Art. 45 that
    applies to it, with its deadline and state (`met`, `due`, `late`)."""
    qs = transition.rows_for(request.user, state=params.state or "", deadline=params.deadline, sort=params.sort)
    return paginate(qs, params, lambda rows: [
        {"system_id": r["id"], "rule": r["rule"], "deadline": r["deadline"], "state": r["state"]} for r in rows
    ])  # fmt: skip
