"""Writes to the catalogue: importing a file publishes a new immutable version."""

import hashlib
import re
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role
from core import audit
from core.errors import Forbidden, Invalid, NotFound, TooLarge

from . import selectors
from .catalogue import DATA_DIR, TemplateFileError, parse_template
from .catalogue.parser import FORMAT_BY_SUFFIX, is_oscal
from .mapping import DATA_DIR as MAPPING_DATA_DIR
from .mapping import MappingFileError, parse_mapping, shipped_mapping_paths
from .models import ChecklistItem, ChecklistSection, ChecklistTemplate, MappingPair, RequirementMapping
from .oscal import parse_oscal_template
from .spreadsheets import parse_xlsx_template

IMPORT_ROLES = (Role.SECURITY_UNIT, Role.AUTHORITY)


def can_import(user) -> bool:
    if not user.is_authenticated:
        return False
    return (
        user.is_staff or user.is_superuser or Membership.objects.filter(user_id=user.pk, role__in=IMPORT_ROLES).exists()
    )


def format_for(filename: str) -> str:
    """The parser format from the file name; anything but YAML/JSON/XLSX is refused with a clear message."""
    suffix = Path(filename or "").suffix.lower()
    fmt = "xlsx" if suffix == ".xlsx" else FORMAT_BY_SUFFIX.get(suffix)
    if fmt is None:
        raise Invalid.field("file", _("Only .yaml, .yml, .json and .xlsx checklist files can be imported."))
    return fmt


def import_template(*, actor, data: bytes, filename: str, fmt: str | None = None) -> tuple[ChecklistTemplate, bool]:
    """Parse, validate and publish. Returns (version, created); identical bytes return the existing version."""
    if actor is not None and not can_import(actor):
        raise Forbidden(_("Only staff, designated security units and national authorities may import checklists."))
    fmt = fmt or format_for(filename)
    try:
        # A workbook passes the hostile-file gate (core.uploads) before openpyxl opens it; an OSCAL catalog or
        # profile (a .json file whose key names the model) the JSON gate, then the same schema as every format.
        if fmt == "xlsx":
            parsed = parse_xlsx_template(data)
        elif fmt == "json" and is_oscal(data):
            parsed = parse_oscal_template(data, resolve_checklist=_checklist_by_oscal_href)
        else:
            parsed = parse_template(data, fmt)
    except TemplateFileError as exc:
        if exc.code == "file_too_large":
            raise TooLarge(exc.message, details=exc.details) from None
        raise Invalid(
            _("The checklist file is not valid: %(problem)s") % {"problem": exc.message}, details=exc.details
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    try:
        with transaction.atomic():
            return _publish(actor, parsed, digest, filename)
    except IntegrityError:
        # A concurrent import of the same code took the version number (or the same file won): retry once.
        with transaction.atomic():
            return _publish(actor, parsed, digest, filename)


def _checklist_by_oscal_href(href: str) -> ChecklistTemplate | None:
    """The published version an OSCAL profile imports by its export address (absolute or relative)."""
    match = re.search(r"/checklists/(\d+)/oscal/?$", href or "")
    if match is None:
        return None
    try:
        return selectors.checklist_detail(match.group(1))
    except NotFound:
        return None


def _publish(actor, parsed, digest: str, filename: str) -> tuple[ChecklistTemplate, bool]:
    existing = ChecklistTemplate.objects.filter(code=parsed.code, sha256=digest).first()
    if existing is not None:
        return existing, False
    latest = ChecklistTemplate.objects.filter(code=parsed.code).aggregate(v=Max("version"))["v"] or 0
    template = ChecklistTemplate.objects.create(
        code=parsed.code, version=latest + 1, title=parsed.title, title_en=parsed.title_en, regime=parsed.regime,
        level=parsed.level, kind=parsed.kind, source=parsed.source, source_filename=Path(filename or "").name[:255],
        sha256=digest, item_count=len(parsed.all_items()), published_at=timezone.now(),
        created_by=actor if actor is not None and actor.pk else None,
    )  # fmt: skip
    sections = ChecklistSection.objects.bulk_create(
        [
            ChecklistSection(template=template, code=s.code, title=s.title, title_en=s.title_en, order=i)
            for i, s in enumerate(parsed.sections)
        ]
    )
    if sections[0].pk is None:  # backends without RETURNING on bulk insert
        sections = list(template.sections.order_by("order"))
    items, order = [], 0
    for section, spec in zip(sections, parsed.sections, strict=True):
        for item in spec.items:
            items.append(ChecklistItem(
                template=template, section=section, code=item.code, text=item.text, text_en=item.text_en,
                guidance=item.guidance, guidance_en=item.guidance_en, reference=item.reference,
                evidence=list(item.evidence), order=order,
            ))  # fmt: skip
            order += 1
    ChecklistItem.objects.bulk_create(items, batch_size=500)
    audit.record(
        actor=actor, action="checklist.import", obj=template, revision=template.version,
        data={"code": template.code, "version": template.version, "sha256": digest, "items": len(items), "filename": template.source_filename},
    )  # fmt: skip
    return template, True


def load_shipped(*, actor=None, data_dir: Path = DATA_DIR) -> list[tuple[str, ChecklistTemplate, bool]]:
    """Import every shipped catalogue file; already-loaded files are recognised by their hash."""
    if not data_dir.exists():
        return []
    results = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file() and p.suffix in FORMAT_BY_SUFFIX):
        relative = path.relative_to(data_dir).as_posix()
        try:
            template, created = import_template(actor=None, data=path.read_bytes(), filename=relative)
        except Invalid as exc:
            raise Invalid(f"{relative}: {exc.message}", details=exc.details) from None
        results.append((relative, template, created))
    return results


# --- requirement mappings (docs/mappings.md) -----------------------------------------------------------------------


def _published_items(code: str, version: int) -> dict[str, int] | None:
    template = ChecklistTemplate.objects.filter(code=code, version=version).first()
    if template is None:
        return None
    return dict(ChecklistItem.objects.filter(template=template).values_list("code", "pk"))


def import_mapping(*, data: bytes, filename: str) -> tuple[RequirementMapping, bool]:
    """Validate a mapping file against the two published catalogue versions it names and publish it as a new
    immutable version; identical bytes return the existing version. Bad input raises Invalid whose message names
    the file, line and pair of each problem (MappingFileError)."""
    items: dict[tuple[str, int], dict[str, int] | None] = {}

    def items_of(code: str, version: int) -> set[str] | None:
        items[code, version] = _published_items(code, version)
        found = items[code, version]
        return None if found is None else set(found)

    try:
        parsed = parse_mapping(data, filename=filename, items_of=items_of)
    except MappingFileError as exc:
        raise Invalid(exc.message, code="invalid_mapping", details=exc.details) from None
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        existing = RequirementMapping.objects.filter(code=parsed.code, sha256=digest).first()
        if existing is not None:
            return existing, False
        source = ChecklistTemplate.objects.get(code=parsed.source.catalogue, version=parsed.source.version)
        target = ChecklistTemplate.objects.get(code=parsed.target.catalogue, version=parsed.target.version)
        latest = RequirementMapping.objects.filter(code=parsed.code).aggregate(v=Max("version"))["v"] or 0
        mapping = RequirementMapping.objects.create(
            code=parsed.code, version=latest + 1, title=parsed.title, title_en=parsed.title_en,
            source_checklist=source, target_checklist=target, basis=parsed.basis, basis_vi=parsed.basis_vi,
            source_filename=Path(filename or "").name[:255], sha256=digest, pairs_count=len(parsed.pairs),
            published_at=timezone.now(),
        )  # fmt: skip
        source_ids = items[parsed.source.catalogue, parsed.source.version]
        target_ids = items[parsed.target.catalogue, parsed.target.version]
        MappingPair.objects.bulk_create(
            [
                MappingPair(
                    mapping=mapping,
                    source_item_id=source_ids.get(p.source_item),
                    order=order,
                    target_item_id=target_ids.get(p.target_item),
                    relation=p.relation,
                    note=p.note,
                    note_vi=p.note_vi,
                )  # fmt: skip
                for order, p in enumerate(parsed.pairs)
            ],
            batch_size=500,
        )
        audit.record(
            actor=None, action="mapping.import", obj=mapping, revision=mapping.version,
            data={"code": mapping.code, "version": mapping.version, "sha256": digest, "pairs": mapping.pairs_count,
                  "source_checklist_id": source.pk, "target_checklist_id": target.pk, "filename": mapping.source_filename},
        )  # fmt: skip
    return mapping, True


def load_shipped_mappings(*, data_dir: Path = MAPPING_DATA_DIR) -> list[tuple[str, RequirementMapping, bool]]:
    """Publish every shipped mapping file (after the catalogues they name: load_shipped first)."""
    results = []
    for path in shipped_mapping_paths(data_dir):
        relative = path.relative_to(data_dir).as_posix()
        mapping, created = import_mapping(data=path.read_bytes(), filename=relative)
        results.append((relative, mapping, created))
    return results
