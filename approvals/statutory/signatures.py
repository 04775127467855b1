"""Verify a signed copy of a drafted document with pyHanko: it must be the drafted PDF (same document id and
content hash in its metadata, and the drafted bytes followed only by incremental updates: the signature), every
signature intact and valid over it, the certificate valid at the signing time, and its chain ending in a CA of
the trust store (the directory `STATUTORY_TRUST_STORE_DIR`, one PEM or DER certificate per file). Nothing is
fetched from the network: revocation is checked only where the signature carries its own revocation data."""

import io
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from .loops import outside_event_loop
from .models import Verdict
from .pdf import KEYWORD_HASH, KEYWORD_ID

log = logging.getLogger(__name__)
CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der"}
_ID = re.compile(re.escape(KEYWORD_ID) + r"=(\S+)")
_HASH = re.compile(re.escape(KEYWORD_HASH) + r"=([0-9a-f]{64})")


@dataclass(frozen=True)
class Verification:
    verdict: str
    reason: str = ""
    signer: str = ""
    serial: str = ""
    signed_at: datetime | None = None

    @property
    def valid(self) -> bool:
        return self.verdict == Verdict.VALID


def trust_roots() -> list:
    folder = Path(settings.STATUTORY_TRUST_STORE_DIR)
    if not folder.is_dir():
        return []
    files = sorted(str(p) for p in folder.iterdir() if p.suffix.lower() in CERT_SUFFIXES and p.is_file())
    return list(load_certs_from_pemder(files)) if files else []


def open_pdf(data: bytes) -> PdfFileReader:
    """The parsed PDF, or ValueError for an unreadable or encrypted one."""
    if not data.startswith(b"%PDF-"):
        raise ValueError(_("The file is not a PDF."))
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        encrypted = reader.encrypted
        reader.trailer  # noqa: B018 - parse the trailer now, so a broken file fails here
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, OSError) as exc:
        raise ValueError(_("The PDF cannot be read: it is damaged or not a PDF.")) from exc
    if encrypted:
        raise ValueError(_("The PDF is encrypted; upload it without a password."))
    return reader


def embedded_ids(reader: PdfFileReader) -> tuple[str, str] | None:
    """(document id, content hash) that Attesta wrote into the draft's metadata, if any."""
    try:
        trailer = reader.trailer_view
        info = trailer["/Info"] if "/Info" in trailer else None  # noqa: SIM401  (a PDF dictionary, not a dict)
        keywords = str(info.get("/Keywords", "")) if info is not None else ""
    except (PdfError, ValueError, KeyError, TypeError, AttributeError):
        return None
    doc_id, digest = _ID.search(keywords), _HASH.search(keywords)
    return (doc_id.group(1), digest.group(1)) if doc_id and digest else None


def _signer_of(cert) -> tuple[str, str]:
    subject = cert.subject.native
    name = subject.get("common_name") or cert.subject.human_friendly
    return str(name), format(cert.serial_number, "X")


def verify(
    data: bytes, *, draft_pdf: bytes, short_id: str, content_sha256: str, now: datetime | None = None
) -> Verification:
    try:
        reader = open_pdf(data)
    except ValueError as exc:
        return Verification(Verdict.MALFORMED_PDF, str(exc))
    not_ours = Verification(
        Verdict.NOT_OUR_DOCUMENT,
        _("This file is not the document Attesta drafted for this form (or it was changed before signing)."),
    )
    if embedded_ids(reader) != (short_id, content_sha256):
        return not_ours
    signatures = reader.embedded_signatures
    if not signatures:
        return Verification(Verdict.SIGNATURE_INVALID, _("The file carries no digital signature."))
    context = ValidationContext(trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail")
    now = now or timezone.now()
    result = None
    for embedded in signatures:
        try:
            status = outside_event_loop(validate_pdf_signature, embedded, context)
        except Exception as exc:
            log.info("signature validation failed: %s", exc)
            return Verification(Verdict.SIGNATURE_INVALID, _("The signature cannot be validated: it is broken."))
        cert = status.signing_cert
        signer, serial = _signer_of(cert) if cert is not None else ("", "")
        signed_at = status.signer_reported_dt or (
            status.timestamp_validity.timestamp if status.timestamp_validity else None
        )
        facts = {"signer": signer, "serial": serial, "signed_at": signed_at}
        if not (status.intact and status.valid):
            return Verification(
                Verdict.SIGNATURE_INVALID,
                _(
                    "The signature does not match the document: it was changed after signing or the signature is broken."
                ),
                **facts,
            )
        # The signed bytes must be the drafted PDF followed only by incremental updates (the signature itself).
        if not data.startswith(draft_pdf):
            return not_ours
        changed_after = status.coverage != SignatureCoverageLevel.ENTIRE_FILE and (
            status.modification_level is None or status.modification_level > ModificationLevel.LTA_UPDATES
        )
        if status.coverage < SignatureCoverageLevel.ENTIRE_REVISION or changed_after:
            return Verification(Verdict.SIGNATURE_INVALID, _("The document was changed after it was signed."), **facts)
        moment = signed_at or now
        if not (cert.not_valid_before <= moment <= cert.not_valid_after):
            return Verification(
                Verdict.SIGNATURE_INVALID,
                _("The signer's certificate was not valid (expired or not yet valid) when the document was signed."),
                **facts,
            )
        if signed_at is not None and signed_at > now.astimezone(UTC) + settings.STATUTORY_CLOCK_SKEW:
            return Verification(Verdict.SIGNATURE_INVALID, _("The signing time is in the future."), **facts)
        if not status.trusted:
            return Verification(
                Verdict.UNTRUSTED_SIGNER,
                _("The signer's certificate does not chain to a certification authority Attesta trusts."),
                **facts,
            )
        result = Verification(Verdict.VALID, "", **facts)
    return result
