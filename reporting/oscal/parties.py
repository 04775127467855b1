"""What the three documents share: organisations and people as OSCAL parties, dates as OSCAL date-times."""

from datetime import date, datetime, time

from django.utils import timezone
from trestle.oscal import common

from checklists.oscal import one_line, prop, stable_uuid


def org_uuid(org) -> str:
    return stable_uuid("organization", org.pk)


def user_uuid(user) -> str:
    return stable_uuid("user", user.pk)


def org_party(org) -> common.Parties:
    return common.Parties(
        uuid=org_uuid(org), type="organization", name=one_line(org.name), short_name=one_line(org.code),
        props=[prop("organization-code", org.code)],
    )  # fmt: skip


def user_party(user) -> common.Parties:
    return common.Parties(
        uuid=user_uuid(user),
        type="person",
        name=one_line(user.full_name or user.username),
        props=[prop("username", user.username)],
    )


def parties(orgs=(), users=()) -> list[common.Parties]:
    """Each organisation and person once, in the order given."""
    seen, result = set(), []
    for party in [org_party(o) for o in orgs if o is not None] + [user_party(u) for u in users if u is not None]:
        if party.uuid not in seen:
            seen.add(party.uuid)
            result.append(party)
    return result


def role(role_id: str, title: str) -> common.Role:
    return common.Role(id=role_id, title=one_line(title))


def responsible(role_id: str, party_uuids: list[str]) -> common.ResponsibleParty | None:
    return common.ResponsibleParty(role_id=role_id, party_uuids=party_uuids) if party_uuids else None


def moment(value) -> datetime:
    """An aware date-time: a datetime as it is, a date as the end of that day in the server's time zone."""
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, date):
        return timezone.make_aware(datetime.combine(value, time(23, 59, 59)))
    return timezone.now()


__all__ = ["moment", "org_party", "parties", "prop", "responsible", "role", "user_party", "user_uuid"]
