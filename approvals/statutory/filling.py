"""Fill a form's template (policy.FormSpec) from the dossier, the system, the organisations and the step into the
document's content: an ordered list of blocks `{"role", "text"}`. The PDF and the DOCX are drawn from these
blocks, and their texts joined by newlines are the document's source text (hashed into `content_sha256`, and
what the text extracted from the PDF must equal).

Layout of the header block, the number, the place and date, the recipients and the signature block: Decree
30/2020 Appendix I (section numbers in comments)."""

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from accounts.models import Organization

from ..models import Decision, Dossier, DossierStep
from .policy import FormSpec, FormsPolicy

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
GENERIC_SIGNER_TITLE = "ĐẠI DIỆN CỦA CƠ QUAN, TỔ CHỨC"
MOTTO_COUNTRY = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
UNKNOWN = "…"
# Roles drawn in the header's left column, then its right column (Decree 30/2020 App. I, I.1–I.5).
HEADER_LEFT = ("org_parent", "org_name", "number", "subject")
HEADER_RIGHT = ("motto_country", "motto", "place_date")


@dataclass(frozen=True)
class Parties:
    issuer: Organization
    addressee: Organization | None
    step: DossierStep | None


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def vietnamese_date(on: date) -> str:
    """ "ngày 05 tháng 02 năm 2026": days below 10 and the months 1 and 2 take a leading 0 (App. I, I.4)."""
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return f"ngày {on.day:02d} tháng {month} năm {on.year}"


def place_of(org: Organization, default: str) -> str:
    """The place name of the date line: the province the body belongs to (App. I, I.4(a)), else the policy's."""
    node = org
    while node is not None:
        if node.kind == Organization.Kind.PROVINCE:
            return (
                re.sub(r"^(Ủy ban nhân dân|UBND)\s+(tỉnh|thành phố)\s+", "", node.name, flags=re.IGNORECASE).strip()
                or default
            )
        node = node.parent
    return default


def party(dossier: Dossier, name: str | None, step: DossierStep | None) -> Organization | None:
    system = dossier.system
    return {
        None: None, "operator": system.operator, "owner": system.owner, "security_unit": system.security_unit,
        "step": step.organization if step is not None else None,
    }[name]  # fmt: skip


def _conclusion(step: DossierStep | None) -> tuple[str, str]:
    if step is None or step.decision is None:
        return UNKNOWN, UNKNOWN
    comment = (step.comment or "").strip()
    if step.decision == Decision.APPROVED:
        return "phù hợp", comment or "Hồ sơ đề xuất cấp độ đáp ứng yêu cầu theo quy định."
    return f"chưa phù hợp, cụ thể: {comment or UNKNOWN}", comment or UNKNOWN


def values(
    *, policy: FormsPolicy, spec: FormSpec, dossier: Dossier, parties: Parties, signer_title: str,
    request: tuple[str, date] | None, appraiser: Organization | None, requester: Organization | None,
) -> dict[str, str]:  # fmt: skip
    system = dossier.system
    conclusion, comment = _conclusion(parties.step)
    return {
        "issuer_name": parties.issuer.name,
        "issuer_head": signer_title.upper(),
        "addressee_name": parties.addressee.name if parties.addressee else UNKNOWN,
        "system_name": system.name,
        "operator_name": system.operator.name,
        "operator_address": system.operator.address or UNKNOWN,
        "owner_name": system.owner.name,
        "security_unit_name": system.security_unit.name if system.security_unit_id else UNKNOWN,
        "appraiser_name": appraiser.name if appraiser else UNKNOWN,
        "requester_name": requester.name if requester else UNKNOWN,
        "request_number": request[0] if request else UNKNOWN,
        "request_date": request[1].strftime("%d/%m/%Y") if request else UNKNOWN,
        "proposed_level": str(dossier.proposed_level),
        "standard": policy.standard,
        "conclusion": conclusion,
        "appraisal_comment": comment,
    }


def _fill(text: str, vals: dict[str, str]) -> str:
    def one(match):
        key = match.group(1)
        if key not in vals:
            raise KeyError(f"unknown placeholder {{{key}}}")
        return vals[key]

    return PLACEHOLDER.sub(one, text)


def build_content(
    *, policy: FormsPolicy, spec: FormSpec, dossier: Dossier, parties: Parties, number: str, issued_on: date,
    signer_name: str, signer_title: str, short_id: str, verify_url: str, vals: dict[str, str],
) -> list[dict]:  # fmt: skip
    blocks: list[dict] = []

    def add(role: str, text: str) -> None:
        blocks.append({"role": role, "text": nfc(text)})

    issuer = parties.issuer
    if issuer.parent_id:
        add("org_parent", issuer.parent.name.upper())
    add("org_name", issuer.name.upper())
    add("number", f"Số: {number}")
    if spec.subject:
        add("subject", spec.subject)
    add("motto_country", MOTTO_COUNTRY)
    add("motto", MOTTO)
    add("place_date", f"{place_of(issuer, policy.default_place)}, {vietnamese_date(issued_on)}")
    if spec.heading:
        add("title", spec.heading.name)
        add("about", spec.heading.about)
    if spec.authority:
        add("authority", _fill(spec.authority, vals))
    if spec.addressee:
        add("addressee", f"Kính gửi: {vals['addressee_name']}.")
    listed = getattr(dossier.system, "national_security_list", "") == "listed"
    for block in spec.blocks():
        if block.levels is not None and dossier.form_level not in block.levels:
            continue
        if (block.when == "listed" and not listed) or (
            block.when == "list_requested" and not requests_listing(dossier.system)
        ):
            continue
        if block.text == "{legal_bases}":
            for basis in policy.legal_bases:
                add("basis", basis)
        elif block.text == "{attachments}":
            for item in policy.attachments:
                add("list", item)
        else:
            add(block.style, _fill(block.text, vals))
    add("recipients_label", "Nơi nhận:")
    for recipient in spec.recipients:
        add("recipient", f"- {_fill(recipient, vals)}")
    add("sign_title", signer_title.upper())
    add("sign_name", signer_name)
    add("verify", f"Mã xác thực: {short_id}. Kiểm tra văn bản tại {verify_url}")
    return blocks


def requests_listing(system) -> bool:
    """Form 02, footnote 1: the request to put the system on the national-security List is added while the owner's
    proposal is pending and once it is on the List (systems_registry.national_list)."""
    return getattr(system, "national_security_list", "") in ("proposed", "listed")


def source_text(blocks: list[dict]) -> str:
    return "\n".join(b["text"] for b in blocks)


def content_hash(blocks: list[dict]) -> str:
    canonical = json.dumps(blocks, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
