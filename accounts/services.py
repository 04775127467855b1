from django.db import transaction
from django.utils.translation import gettext as _

from core import audit
from core.errors import Invalid

from .models import Delegation, Membership, Organization, OrganizationClosure, User


def _link_into_tree(org: Organization) -> None:
    rows = [OrganizationClosure(ancestor=org, descendant=org, depth=0)]
    if org.parent_id:
        rows += [
            OrganizationClosure(ancestor_id=link.ancestor_id, descendant=org, depth=link.depth + 1)
            for link in OrganizationClosure.objects.filter(descendant_id=org.parent_id)
        ]
    OrganizationClosure.objects.bulk_create(rows)


@transaction.atomic
def create_organization(
    *, code: str, name: str, kind: str, parent: Organization | None = None, **details
) -> Organization:
    if Organization.objects.filter(code=code).exists():
        raise Invalid.field("code", _("An organisation with code '%(code)s' already exists.") % {"code": code})
    org = Organization.objects.create(code=code, name=name, kind=kind, parent=parent, **details)
    _link_into_tree(org)
    return org


@transaction.atomic
def move_organization(*, org: Organization, new_parent: Organization | None) -> Organization:
    if new_parent is not None and OrganizationClosure.objects.filter(ancestor=org, descendant=new_parent).exists():
        raise Invalid.field("parent_id", _("An organisation cannot be placed under itself or its own descendants."))
    subtree = list(OrganizationClosure.objects.filter(ancestor=org).values_list("descendant_id", "depth"))
    subtree_ids = [d for d, _ in subtree]
    # Drop the links from outside ancestors into the subtree, then re-link under the new parent.
    OrganizationClosure.objects.filter(descendant_id__in=subtree_ids).exclude(ancestor_id__in=subtree_ids).delete()
    org.parent = new_parent
    org.save(update_fields=["parent"])
    if new_parent is not None:
        above = list(OrganizationClosure.objects.filter(descendant=new_parent).values_list("ancestor_id", "depth"))
        OrganizationClosure.objects.bulk_create(
            OrganizationClosure(ancestor_id=a, descendant_id=d, depth=da + dd + 1)
            for a, da in above
            for d, dd in subtree
        )
    return org


@transaction.atomic
def rebuild_closure() -> int:
    """Recompute the whole closure table from `parent` (after bulk loads that bypass the services)."""
    OrganizationClosure.objects.all().delete()
    parents = dict(Organization.objects.values_list("id", "parent_id"))
    rows = []
    for org_id in parents:
        depth, node = 0, org_id
        seen = set()
        while node is not None:
            if node in seen:
                raise Invalid.field("parent_id", _("Organisation %(id)s is in a parent cycle.") % {"id": org_id})
            seen.add(node)
            rows.append(OrganizationClosure(ancestor_id=node, descendant_id=org_id, depth=depth))
            node, depth = parents[node], depth + 1
    OrganizationClosure.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def register_user(*, username: str, full_name: str, password: str, superuser: bool = False) -> tuple[User, bool]:
    """The account named `username`, created with `password` when it does not exist yet (the demo seeder)."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"full_name": full_name, "is_superuser": superuser, "is_staff": superuser}
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user, created


def update_profile(*, user: User, **fields) -> User:
    """Change the account's own settings (`language`, `email`)."""
    unknown = set(fields) - {"language", "email"}
    if unknown:
        raise ValueError(f"not a profile field: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(user, name, value)
    user.save(update_fields=sorted(fields))
    return user


def ensure_membership(*, user: User, organization: Organization, role: str) -> Membership:
    """Set-up data (the demo seeder): the membership exists afterwards; granting one as a user's act is
    `grant_membership`, which audits it."""
    return Membership.objects.get_or_create(user=user, organization=organization, role=role)[0]


@transaction.atomic
def grant_membership(*, actor, user, organization: Organization, role: str) -> Membership:
    membership, created = Membership.objects.get_or_create(user=user, organization=organization, role=role)
    if created:
        audit.record(
            actor=actor,
            action="membership.grant",
            obj=membership,
            data={"user": user.username, "organization": organization.code, "role": role},
        )
    return membership


@transaction.atomic
def revoke_membership(*, actor, membership: Membership) -> None:
    audit.record(
        actor=actor,
        action="membership.revoke",
        obj=membership,
        data={"user": membership.user.username, "organization": membership.organization.code, "role": membership.role},
    )
    membership.delete()


@transaction.atomic
def create_delegation(
    *,
    actor,
    owner: Organization,
    delegate: Organization,
    document_number: str,
    document_date,
    scope: str,
    starts_on,
    ends_on,
) -> Delegation:
    errors = []
    if delegate.pk == owner.pk or not OrganizationClosure.objects.filter(ancestor=owner, descendant=delegate).exists():
        errors.append(
            {"field": "delegate_id", "message": _("A delegation goes to a subordinate organisation of the owner.")}
        )
    if ends_on < starts_on:
        errors.append({"field": "ends_on", "message": _("The term must end on or after its start.")})
    if not document_number.strip():
        errors.append({"field": "document_number", "message": _("The delegation document number is required.")})
    if errors:
        raise Invalid(_("The delegation is not valid."), details=errors)
    delegation = Delegation.objects.create(
        owner=owner, delegate=delegate, document_number=document_number.strip(), document_date=document_date,
        scope=scope, starts_on=starts_on, ends_on=ends_on, created_by=actor,
    )  # fmt: skip
    audit.record(
        actor=actor, action="delegation.create", obj=delegation, data={"owner": owner.code, "delegate": delegate.code}
    )
    return delegation


# --- set-based writers of the national data generator (bench/national_dataset.py) ----------------------------------
# Rows built in memory and inserted in batches: a national registry has tens of thousands of organisations and users.
# The generator calls `rebuild_closure()` after the organisations.


def insert_organizations_batch(organizations: list[Organization]) -> list[Organization]:
    return Organization.objects.bulk_create(organizations)


def insert_users_batch(users: list[User]) -> list[User]:
    return User.objects.bulk_create(users)


def insert_memberships_batch(memberships, *, batch_size: int) -> list[Membership]:
    return Membership.objects.bulk_create(memberships, batch_size=batch_size)
