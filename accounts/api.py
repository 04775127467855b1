from datetime import datetime

from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from pydantic import BaseModel, Field

from core import audit
from core.errors import DomainError, NotFound
from core.pagination import PageParams, paginate

from . import security
from .models import ApiToken, Membership, Organization, Role, User
from .selectors import (
    organizations_for_listing,
    organizations_in_view,
    roles_of,
)

router = Router(tags=["accounts"])


# No NUL character: PostgreSQL refuses it in text, so it would surface as a 500 (found by Schemathesis on PostgreSQL).
_NO_NUL = r"^[^\x00]*$"


class TokenIn(BaseModel):
    username: str = Field(min_length=1, max_length=150, pattern=_NO_NUL)
    password: str = Field(min_length=1, max_length=4096, pattern=_NO_NUL)
    otp: str | None = Field(default=None, max_length=16, pattern=_NO_NUL)


class TokenOut(BaseModel):
    token: str
    expires_at: datetime


class ErrorOut(BaseModel):
    error: dict


class Unauthenticated(DomainError):
    status = 401
    code = "invalid_credentials"


class LockedOut(DomainError):
    status = 429
    code = "locked_out"


class OtpRequired(DomainError):
    status = 401
    code = "otp_required"


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut})
def issue_token(request, data: TokenIn):
    # The attempt is counted (atomically) before the password is even hashed, for known and unknown usernames
    # alike: concurrent guesses cannot get past the limit.
    if not security.claim_attempt(data.username, request):
        raise LockedOut(_("Too many failed attempts. Try again later."))
    user = authenticate(request, username=data.username, password=data.password)
    if user is None or not user.is_active:
        # Same answer for an unknown user and a wrong password (the failure is counted and audited by the signal).
        raise Unauthenticated(_("Invalid username or password."))
    if security.two_factor_required(user) or security.is_enrolled(user):
        if not security.is_enrolled(user):
            raise OtpRequired(_("Two-factor authentication is required: sign in on the web once to set it up."))
        if security.match_code(user, data.otp or "") is None:
            security.record_auth_event("auth.otp_failed", user=user)
            raise OtpRequired(_("A valid one-time code (otp) is required for this account."))
    security.clear_failures(data.username)
    token, key = ApiToken.issue(user)
    with transaction.atomic():
        audit.record(actor=user, action="auth.token", object_type="user", object_id=str(user.pk))
    return {"token": key, "expires_at": token.expires_at}


@router.post("/auth/token/revoke", response={204: None, 401: ErrorOut})
def revoke_token(request):
    """Ends the bearer token this request was signed with (an API sign-out); a session has no token to end."""
    token = getattr(request, "api_token", None)
    if token is None:
        raise Unauthenticated(_("Only a bearer token can be revoked."), code="unauthenticated")
    with transaction.atomic():
        if token.revoke():
            audit.record(
                actor=request.user, action="auth.token_revoke", object_type="user", object_id=str(request.user.pk)
            )
    return Status(204, None)


class RoleOut(BaseModel):
    organization_id: int
    role: str


class MeOut(BaseModel):
    id: int
    username: str
    full_name: str
    language: str
    roles: list[RoleOut]


@router.get("/me", response=MeOut)
def me(request):
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "language": user.language,
        "roles": roles_of(user),
    }


class OrganizationOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None


class OrganizationPage(BaseModel):
    items: list[OrganizationOut]
    count: int
    page: int
    page_size: int


class OrgFilter(PageParams):
    kind: Organization.Kind | None = None
    parent_id: int | None = None
    q: str = Field(default="", max_length=100)


@router.get("/organizations", response=OrganizationPage)
def list_organizations(request, params: Query[OrgFilter]):
    qs = organizations_for_listing()
    if params.kind:
        qs = qs.filter(kind=params.kind)
    if params.parent_id is not None:
        qs = qs.filter(parent_id=params.parent_id)
    if params.q:
        qs = qs.filter(Q(name__icontains=params.q) | Q(code__icontains=params.q))
    return paginate(qs.only("id", "code", "name", "kind", "parent_id"), params, lambda rows: [
        {"id": o.pk, "code": o.code, "name": o.name, "kind": o.kind, "parent_id": o.parent_id} for o in rows
    ])  # fmt: skip


class UserOut(BaseModel):
    id: int
    username: str
    full_name: str


class UserPage(BaseModel):
    items: list[UserOut]
    count: int
    page: int
    page_size: int


class UserFilter(PageParams):
    organization_id: int | None = None
    role: Role | None = None


@router.get("/users", response=UserPage)
def list_users(request, params: Query[UserFilter]):
    # One membership must satisfy every condition at once, so filter memberships, then take their users.
    memberships = Membership.objects.filter(organization_id__in=organizations_in_view(request.user).values("id"))
    if params.organization_id is not None:
        if not Organization.objects.filter(pk=params.organization_id).exists():
            raise NotFound()
        memberships = memberships.filter(organization_id=params.organization_id)
    if params.role:
        memberships = memberships.filter(role=params.role)
    qs = User.objects.filter(is_active=True, id__in=memberships.values("user_id"))
    qs = qs.order_by("username").only("id", "username", "full_name")
    return paginate(
        qs, params, lambda rows: [{"id": u.pk, "username": u.username, "full_name": u.full_name} for u in rows]
    )
