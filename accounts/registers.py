"""The register of outgoing documents: every body that issues a document (a decision, a submission, an official
letter, a report) numbers it from its own register, one gap-free sequence per body and calendar year
(Decree 30/2020 Art. 15.1), displayed as number/kind-body, e.g. `15/QĐ-UBND` (Appendix I Part I.3).

`take_number` is the only writer of `RegisterEntry` and `RegisterCounter`. It runs in the caller's transaction
(a savepoint inside it, or its own transaction when there is none), so a number exists exactly when the document
it numbers was committed: a rolled-back issue leaves no gap. The per-(body, year) counter row is locked with
SELECT … FOR UPDATE, so two issuers never get the same number on PostgreSQL."""

import datetime
import re
from functools import cache
from pathlib import Path
from typing import Literal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field

from core import policy_files
from core.errors import Invalid

from .models import Organization, RegisterCounter, RegisterEntry

POLICY_FILE = Path(__file__).resolve().parent / "policies" / "document_kinds.yaml"
NUMBER_MAX_LENGTH = RegisterEntry._meta.get_field("number").max_length


class DocumentKindSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    symbol: str = Field(max_length=10)
    name_vi: str = Field(min_length=1)
    name_en: str = Field(min_length=1)


class DocumentKindsPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1]
    version: str = Field(min_length=1, max_length=40)
    basis: str = Field(min_length=1)
    number_min_digits: int = Field(ge=1, le=6)
    kinds: dict[str, DocumentKindSpec] = Field(min_length=1)


@cache
def policy() -> DocumentKindsPolicy:
    return policy_files.load(POLICY_FILE, DocumentKindsPolicy)


def organization_symbol(org: Organization) -> str:
    return (org.document_symbol or org.code).strip()


def format_number(*, sequence: int, kind: str, org_symbol: str) -> str:
    spec = policy().kinds[kind]
    digits = str(sequence).zfill(policy().number_min_digits)
    return f"{digits}/{spec.symbol}-{org_symbol}" if spec.symbol else f"{digits}/{org_symbol}"


def _normalise(number: str) -> str:
    return re.sub(r"\s+", "", number)


def take_number(
    *, organization_id: int, kind: str, issued_on: datetime.date, number: str | None = None
) -> RegisterEntry:
    """The next number of the body's register for `issued_on`'s year, or the caller's `number` checked unique in
    that register. Raises `Invalid` naming the field (`kind`, `organization_id`, `number`)."""
    if kind not in policy().kinds:
        raise Invalid.field("kind", _("Unknown document kind '%(kind)s'.") % {"kind": kind})
    org = Organization.objects.filter(pk=organization_id).only("id", "code", "document_symbol").first()
    if org is None:
        raise Invalid.field("organization_id", _("The issuing body does not exist."))
    year = issued_on.year
    with transaction.atomic():
        if number is not None:
            return _record_given_number(org, kind, issued_on, number)
        # get_or_create retries its read when a concurrent creator wins the insert; the lock then serialises.
        RegisterCounter.objects.get_or_create(organization_id=org.pk, year=year)
        counter = RegisterCounter.objects.select_for_update().get(organization_id=org.pk, year=year)
        taken = set(
            RegisterEntry.objects.filter(organization_id=org.pk, year=year, sequence__isnull=True).values_list(
                "number", flat=True
            )
        )
        sequence = counter.last_sequence + 1
        display = format_number(sequence=sequence, kind=kind, org_symbol=organization_symbol(org))
        # A number recorded by hand may already read like the next one: skip it rather than issue it twice.
        while display in taken:
            sequence += 1
            display = format_number(sequence=sequence, kind=kind, org_symbol=organization_symbol(org))
        entry = RegisterEntry.objects.create(
            organization_id=org.pk, year=year, sequence=sequence, kind=kind,
            kind_symbol=policy().kinds[kind].symbol, number=display, issued_on=issued_on,
        )  # fmt: skip
        counter.last_sequence = sequence
        counter.save(update_fields=["last_sequence"])
        return entry


def _record_given_number(org: Organization, kind: str, issued_on: datetime.date, number: str) -> RegisterEntry:
    display = _normalise(number)
    if not display:
        raise Invalid.field("number", _("The document number cannot be empty."))
    if len(display) > NUMBER_MAX_LENGTH:
        raise Invalid.field("number", _("The document number is too long."))
    used = _("Number %(number)s is already used in the register of %(organization)s for %(year)s.") % {
        "number": display, "organization": org.code, "year": issued_on.year,
    }  # fmt: skip
    # Lock the year's counter so a concurrent auto-number cannot take the same display number meanwhile.
    RegisterCounter.objects.get_or_create(organization_id=org.pk, year=issued_on.year)
    RegisterCounter.objects.select_for_update().get(organization_id=org.pk, year=issued_on.year)
    if RegisterEntry.objects.filter(organization_id=org.pk, year=issued_on.year, number=display).exists():
        raise Invalid.field("number", used)
    try:
        with transaction.atomic():
            return RegisterEntry.objects.create(
                organization_id=org.pk, year=issued_on.year, sequence=None, kind=kind,
                kind_symbol=policy().kinds[kind].symbol, number=display, issued_on=issued_on,
            )  # fmt: skip
    except IntegrityError:
        raise Invalid.field("number", used) from None


def entries_of(organization_id: int, year: int):
    """The register as the body's clerk reads it (Decree 30/2020 Art. 16), in issue order."""
    return RegisterEntry.objects.filter(organization_id=organization_id, year=year).order_by("sequence", "id")
