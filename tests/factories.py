"""Small builders for rows the demo data does not have. They go through the services, like real users."""

import itertools

from accounts.models import Membership, Organization, Role, User
from accounts.services import create_organization
from systems_registry import services as registry
from systems_registry.schemas import SystemCreate

_seq = itertools.count(1)


def organization(kind=Organization.Kind.UNIT, parent=None, **kwargs) -> Organization:
    n = next(_seq)
    return create_organization(code=kwargs.pop("code", f"ORG{n}"), name=kwargs.pop("name", f"Organisation {n}"), kind=kind, parent=parent, **kwargs)


def user(org=None, role=Role.OPERATOR, **kwargs) -> User:
    n = next(_seq)
    u = User.objects.create_user(username=kwargs.pop("username", f"user{n}"), password="attesta-demo", **kwargs)
    if org is not None:
        Membership.objects.create(user=u, organization=org, role=role)
    return u


def system(actor, owner, operator=None, security_unit=None, classify=True, **fields):
    n = next(_seq)
    data = {
        "code": f"SYS-{n}", "name": f"System {n}", "owner_id": owner.pk,
        "operator_id": (operator or owner).pk, "security_unit_id": (security_unit or owner).pk,
        "system_type": "internal", "info_types": ["personal"], "regime": "decree_331_2026",
    }  # fmt: skip
    data.update(fields)
    created = registry.create_system(actor=actor, data=SystemCreate(**data))
    if classify:
        registry.classify_system(actor=actor, system_id=created.pk)
        created.refresh_from_db()
    return created
