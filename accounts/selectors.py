"""Jurisdiction as sub-selects: callers combine these into one SQL statement instead of materialising id lists."""

from django.db.models import QuerySet

from .models import Delegation, Membership, Organization, OrganizationClosure, Role


def member_org_ids(user, roles=None) -> QuerySet:
    qs = Membership.objects.filter(user_id=user.pk)
    if roles is not None:
        qs = qs.filter(role__in=list(roles))
    return qs.values("organization_id")


def jurisdiction_org_ids(user, roles=None) -> QuerySet:
    """Organisations the user's memberships (optionally of some roles) reach: each one and its descendants."""
    return OrganizationClosure.objects.filter(ancestor_id__in=member_org_ids(user, roles)).values("descendant_id")


def delegated_owner_ids(user, roles=(Role.OWNER,)) -> QuerySet:
    """Owners that delegated, for the current term, to an organisation where the user holds one of `roles`."""
    return Delegation.objects.active().filter(delegate_id__in=member_org_ids(user, roles)).values("owner_id")


def has_national_oversight(user) -> bool:
    """Superusers and auditors of a national authority see the whole country, read-only for the latter."""
    if user.is_superuser:
        return True
    return Membership.objects.filter(
        user_id=user.pk, role=Role.AUDITOR, organization__kind=Organization.Kind.NATIONAL_AUTHORITY
    ).exists()


def organizations_for_listing() -> QuerySet:
    # Administrative units are public information; object data below them is what visibility protects.
    return Organization.objects.order_by("code")


def roles_of(user) -> list[dict]:
    return list(Membership.objects.filter(user_id=user.pk).order_by("organization_id", "role").values("organization_id", "role"))
