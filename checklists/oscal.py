"""Checklist catalogues as OSCAL catalogs (NIST OSCAL, JSON), out and in.

Out: a published version becomes a catalog: one group per section, one control per item. The item's text is the
control's `statement` part, its guidance the `guidance` part, the English texts parts of the same names in the
Attesta namespace, the expected evidence an `assessment-method` (EXAMINE) part, and the legal basis both a
`legal-basis` property and a link to a back-matter citation. The catalogue's own facts (code, regime, level, kind,
English title) are metadata properties in the Attesta namespace; its source is a back-matter resource.

In: an OSCAL catalog (ours or anyone's) or a profile over a published catalogue becomes the dict of the house
format and goes through the same `ChecklistTemplateFile` validation as a YAML, JSON or XLSX file, so every rule
(codes, lengths, limits) holds whatever the format. Problems carry the JSON path in the OSCAL document.

Every document is built with compliance-trestle's OSCAL models and re-validated from its serialised JSON before it
leaves (`render`): an export that does not validate raises instead of being sent. The OSCAL version is trestle's
(`OSCAL_VERSION`, pinned in docs/oscal.md).
"""

from __future__ import annotations

import io
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from pydantic import ValidationError
from trestle.oscal import OSCAL_VERSION, common
from trestle.oscal import catalog as oscal_catalog
from trestle.oscal import profile as oscal_profile

from core.uploads import check_json

from .catalogue import ChecklistTemplateFile, TemplateFileError
from .catalogue.parser import DEFAULT_MAX_BYTES, format_path, load_json, validation_details
from .catalogue.schemas import MAX_ITEMS_PER_SECTION, MAX_SECTIONS

NS = "https://attesta.gov.vn/ns/oscal"
UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, NS)
MEDIA_TYPE = "application/json"
# A foreign catalog names no regime, level or kind: it is imported as a periodic, any-level catalogue of the regime
# in force (Decree 331/2026 from 19/8/2026); its items keep the catalog's own labels.
DEFAULT_REGIME = "decree_331_2026"
DEFAULT_KIND = "periodic"
# Far above the house format's limits (sections x items), so the schema's own message reports a big catalog, while a
# hostile one with millions of tiny controls is stopped before it is flattened.
MAX_CONTROLS = MAX_SECTIONS * MAX_ITEMS_PER_SECTION
_TOKEN = re.compile(r"^[_A-Za-z][-._A-Za-z0-9]*$")
_ITEM_CODE = re.compile(r"^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$")
_TITLE_MAX = 200


class OscalExportError(RuntimeError):
    """A document built from the database does not validate against the OSCAL models: a bug, never sent."""


def stable_uuid(*parts) -> str:
    """The same object always gets the same UUID (v5), so two exports of unchanged data are identical."""
    return str(uuid.uuid5(UUID_NAMESPACE, ":".join(str(p) for p in parts)))


def token(code: str) -> str:
    """An OSCAL identifier for a code: unchanged when it already is one."""
    if _TOKEN.match(code):
        return code
    cleaned = re.sub(r"[^-._A-Za-z0-9]", "-", code)
    return cleaned if _TOKEN.match(cleaned) else f"_{cleaned}"


def one_line(value: str, limit: int | None = None) -> str:
    """Whitespace collapsed (OSCAL titles and property values are one line), cut at a word with an ellipsis."""
    text = " ".join(str(value).split())
    if limit and len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return text


def prop(name: str, value, *, ns: str | None = NS) -> common.Property:
    return common.Property(name=name, value=one_line(value), ns=ns)


def render(model, *, root_model) -> bytes:
    """The model as OSCAL JSON, validated again from the bytes that will be sent (`root_model` is the module's
    `Model`, whose one field names the document kind)."""
    data = model.oscal_serialize_json_bytes(pretty=True)
    try:
        root_model.model_validate_json(data)
    except ValidationError as exc:
        raise OscalExportError(
            f"{type(model).__name__} does not validate: {exc.errors(include_url=False)[:3]}"
        ) from exc
    return data


def metadata(*, title: str, last_modified, version: str, props=None, **extra) -> common.Metadata:
    return common.Metadata(
        title=one_line(title, 500), last_modified=last_modified, version=one_line(version) or "1",
        oscal_version=OSCAL_VERSION, props=props or None, **extra,
    )  # fmt: skip


# --- export ----------------------------------------------------------------------------------------------------------


def catalog_uuid(template) -> str:
    return stable_uuid("checklist", template.code, template.version)


def build_catalog(template) -> oscal_catalog.Catalog:
    """`template` with its sections and items prefetched (checklists.selectors.checklist_detail)."""
    resources: dict[str, common.Resource] = {}

    def cite(reference: str) -> str:
        rid = stable_uuid("reference", template.code, template.version, reference)
        if rid not in resources:
            resources[rid] = common.Resource(
                uuid=rid, title=one_line(reference, 500), citation=common.Citation(text=one_line(reference)),
                props=[prop("type", "legal-basis")],
            )  # fmt: skip
        return rid

    source_id = stable_uuid("source", template.code, template.version)
    resources[source_id] = common.Resource(
        uuid=source_id, title=one_line(template.source, _TITLE_MAX), description=template.source,
        citation=common.Citation(text=one_line(template.source)), props=[prop("type", "catalogue-source")],
    )  # fmt: skip
    props = [prop("catalogue-code", template.code), prop("regime", template.regime), prop("kind", template.kind)]
    if template.level is not None:
        props.append(prop("level", template.level))
    if template.title_en:
        props.append(prop("title-en", template.title_en))
    groups = []
    for section in template.sections.all():
        group_props = [common.Property(name="label", value=one_line(section.code))]
        if section.title_en:
            group_props.append(prop("title-en", section.title_en))
        controls = [_control(item, cite) for item in section.items.all()]
        groups.append(
            oscal_catalog.Group2(
                id=token(section.code), title=one_line(section.title), props=group_props, controls=controls or None
            )
        )
    return oscal_catalog.Catalog(
        uuid=catalog_uuid(template),
        metadata=metadata(
            title=template.title, last_modified=template.published_at, version=str(template.version), props=props,
            links=[common.Link(href=f"#{source_id}", rel="source")],
        ),
        groups=groups or None,
        back_matter=common.BackMatter(resources=list(resources.values())),
    )  # fmt: skip


def _control(item, cite) -> oscal_catalog.Control:
    parts = [common.Part(id=f"{token(item.code)}_smt", name="statement", prose=item.text)]
    if item.text_en:
        parts.append(
            common.Part(id=f"{token(item.code)}_smt-en", name="statement", ns=NS, class_="en", prose=item.text_en)
        )
    if item.guidance:
        parts.append(common.Part(id=f"{token(item.code)}_gdn", name="guidance", prose=item.guidance))
    if item.guidance_en:
        parts.append(
            common.Part(id=f"{token(item.code)}_gdn-en", name="guidance", ns=NS, class_="en", prose=item.guidance_en)
        )
    if item.evidence:
        parts.append(common.Part(
            id=f"{token(item.code)}_evd", name="assessment-method", ns=NS, props=[prop("method", "EXAMINE", ns=None)],
            parts=[common.Part(name="assessment-objects", ns=NS, prose=e) for e in item.evidence],
        ))  # fmt: skip
    props = [common.Property(name="label", value=one_line(item.code))]
    links = None
    if item.reference:
        props.append(prop("legal-basis", item.reference))
        links = [common.Link(href=f"#{cite(item.reference)}", rel="reference", text=one_line(item.reference))]
    return oscal_catalog.Control(
        id=token(item.code), title=one_line(item.text, _TITLE_MAX), props=props, links=links, parts=parts
    )


def catalog_json(template) -> bytes:
    return render(build_catalog(template), root_model=oscal_catalog.Model)


# --- import ----------------------------------------------------------------------------------------------------------


@dataclass
class _Paths:
    """Where each field of the house-format dict came from in the OSCAL document, to report problems there."""

    fields: dict[str, str] = field(default_factory=dict)

    def where(self, house_path: str) -> str:
        # The longest known prefix: "sections[0].items[2].evidence[1]" → the evidence part of that control.
        candidate = house_path
        while candidate:
            if candidate in self.fields:
                return self.fields[candidate]
            candidate = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", candidate)
        return self.fields.get("", "")


def parse_oscal_template(data: bytes, *, resolve_checklist=None) -> ChecklistTemplateFile:
    """Validate an OSCAL catalog or profile and turn it into a checklist file. Raises TemplateFileError (422) with the
    JSON path of each problem, or core.errors.TooLarge / Invalid from the upload checks.

    `resolve_checklist(href)` returns the published template (sections and items prefetched) a profile imports, or
    None; without it profiles are refused."""
    check_json(io.BytesIO(data), limit=DEFAULT_MAX_BYTES)
    document = load_json(data)
    if not isinstance(document, dict) or len(document) != 1:
        raise _problem("", _("an OSCAL document is an object with exactly one key, the name of its model"))
    (model_name,) = document
    if model_name == "catalog":
        catalog = _validated(oscal_catalog.Model, document)
        _check_unique_ids(catalog)
        doc, paths = _from_catalog(catalog)
    elif model_name == "profile":
        profile = _validated(oscal_profile.Model, document)
        doc, paths = _from_profile(profile, resolve_checklist)
    else:
        raise _problem(
            model_name,
            _("this is an OSCAL %(model)s; only a catalog or a profile can become a checklist") % {"model": model_name},
        )
    try:
        return ChecklistTemplateFile.model_validate(doc)
    except ValidationError as exc:
        details = [
            {"field": paths.where(d["field"]) or d["field"], "message": d["message"]} for d in validation_details(exc)
        ]
        raise TemplateFileError(f"{len(details)} problem(s) in the OSCAL document", details) from None


def _problem(path: str, message: str) -> TemplateFileError:
    return TemplateFileError(message, [{"field": path, "message": message}])


def _validated(root_model, document: dict):
    try:
        return getattr(root_model.model_validate(document), next(iter(root_model.model_fields)))
    except ValidationError as exc:
        details, seen = [], set()
        for error in exc.errors(include_url=False):
            # Union members show up in the location ("Group1", "function-after[...]"): not part of the JSON path.
            loc = tuple(p for p in error["loc"] if isinstance(p, int) or not (p[:1].isupper() or "[" in p))
            path = format_path(loc)
            if path in seen:
                continue
            seen.add(path)
            details.append({"field": path, "message": error["msg"]})
        # A union member that does not fit reports a shallow error ("controls: extra field") beside the member that
        # fits and names the real problem deeper down: keep the deeper one.
        details = [
            d for d in details if not any(o["field"].startswith((d["field"] + ".", d["field"] + "[")) for o in details)
        ]
        raise TemplateFileError(
            _("the document does not validate as OSCAL %(version)s: %(first)s at %(path)s")
            % {"version": OSCAL_VERSION, "first": details[0]["message"], "path": details[0]["field"]},
            details[:50],
        ) from None


def _controls(items, base: str):
    """(control, its JSON path) in document order, each control followed by its enhancements."""
    for index, control in enumerate(items or []):
        path = f"{base}.controls[{index}]"
        yield control, path
        yield from _controls(control.controls, path)


def _groups(items, base: str, trail: tuple = ()):
    """(group, its JSON path, the groups from the top down to it) in document order."""
    for index, group in enumerate(items or []):
        path = f"{base}.groups[{index}]"
        yield group, path, trail + (group,)
        # trestle splits a group into two union members: one with sub-groups, one with controls.
        yield from _groups(getattr(group, "groups", None), path, trail + (group,))


def _check_unique_ids(catalog) -> None:
    """Control and group ids are unique in the document (profiles and results refer to them); the first repeat is
    reported where it stands. The count is bounded before anything is flattened."""
    seen: dict[str, str] = {}
    everything = [(c, p) for c, p in _controls(catalog.controls, "catalog")]
    for group, gpath, _trail in _groups(catalog.groups, "catalog"):
        everything.append((group, gpath))
        everything.extend(_controls(getattr(group, "controls", None), gpath))
        if len(everything) > MAX_CONTROLS:
            raise _problem(gpath, _("more than %(limit)s controls") % {"limit": MAX_CONTROLS})
    for node, path in everything:
        if node.id is None:
            continue
        if node.id in seen:
            raise _problem(
                f"{path}.id",
                _("duplicate id '%(id)s' (first used at %(first)s)") % {"id": node.id, "first": seen[node.id]},
            )
        seen[node.id] = f"{path}.id"


def _props(items, *, ns=None) -> dict[str, tuple[int, str]]:
    found = {}
    for index, p in enumerate(items or []):
        if (str(p.ns) if p.ns else None) == ns and p.name not in found:
            found[p.name] = (index, p.value)
    return found


def _prose(part) -> str:
    """A part's prose and its sub-parts', paragraph after paragraph."""
    texts = [part.prose.strip()] if part.prose and part.prose.strip() else []
    for sub in part.parts or []:
        text = _prose(sub)
        if text:
            texts.append(text)
    return "\n\n".join(texts)


def _slug(title: str) -> str:
    ascii_title = (
        unicodedata.normalize("NFKD", title.replace("đ", "d").replace("Đ", "D")).encode("ascii", "ignore").decode()
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:64].strip("-")
    return slug if len(slug) >= 2 else "oscal-catalog"


def _template_fields(catalog, paths: _Paths) -> dict[str, Any]:
    meta = catalog.metadata
    ours = _props(meta.props, ns=NS)
    for key, name in (
        ("code", "catalogue-code"),
        ("regime", "regime"),
        ("kind", "kind"),
        ("level", "level"),
        ("title_en", "title-en"),
    ):
        if name in ours:
            paths.fields[key] = f"catalog.metadata.props[{ours[name][0]}].value"
    paths.fields["title"] = "catalog.metadata.title"
    doc: dict[str, Any] = {
        "schema_version": 1,
        "code": ours["catalogue-code"][1] if "catalogue-code" in ours else _slug(meta.title),
        "title": meta.title,
        "title_en": ours["title-en"][1] if "title-en" in ours else meta.title,
        "regime": ours["regime"][1] if "regime" in ours else DEFAULT_REGIME,
        "kind": ours["kind"][1] if "kind" in ours else DEFAULT_KIND,
        "level": None,
    }
    if "level" in ours:
        level = ours["level"][1]
        doc["level"] = int(level) if level.isdigit() else level
    source = None
    for index, resource in enumerate((catalog.back_matter.resources or []) if catalog.back_matter else []):
        if _props(resource.props, ns=NS).get("type", (0, ""))[1] == "catalogue-source" and resource.description:
            source = resource.description
            paths.fields["source"] = f"catalog.back-matter.resources[{index}].description"
            break
    if source is None:
        # Stored with the version, in the importer's language, like the rest of what they publish.
        source = _("OSCAL catalog “%(title)s”, version %(version)s, UUID %(uuid)s") % {
            "title": one_line(meta.title), "version": meta.version, "uuid": catalog.uuid,
        }  # fmt: skip
        paths.fields["source"] = "catalog.metadata"
    doc["source"] = source
    return doc


def _item(control, path: str, paths: _Paths, house: str) -> dict[str, Any]:
    label = _props(control.props).get("label")
    code = label[1] if label and _ITEM_CODE.match(label[1]) else control.id
    paths.fields[house] = path
    paths.fields[f"{house}.code"] = f"{path}.props[{label[0]}].value" if label and code == label[1] else f"{path}.id"
    item: dict[str, Any] = {"code": code}
    statement = guidance = None
    for index, part in enumerate(control.parts or []):
        part_ns = str(part.ns) if part.ns else None
        key = None
        if part.name == "statement":
            key = "text" if part_ns is None else ("text_en" if part_ns == NS else None)
        elif part.name == "guidance":
            key = "guidance" if part_ns is None else ("guidance_en" if part_ns == NS else None)
        elif part.name == "assessment-method" and part_ns == NS:
            item["evidence"] = [_prose(p) for p in part.parts or [] if p.name == "assessment-objects"]
            paths.fields[f"{house}.evidence"] = f"{path}.parts[{index}]"
            continue
        if key and key not in item:
            item[key] = _prose(part)
            paths.fields[f"{house}.{key}"] = f"{path}.parts[{index}].prose"
            statement = item[key] if key == "text" else statement
            guidance = item[key] if key == "guidance" else guidance
    title = control.title.strip()
    if statement is None:
        item["text"] = title
        paths.fields[f"{house}.text"] = f"{path}.title"
    elif not statement.startswith(title.rstrip("…")) and not one_line(statement).startswith(title.rstrip("…")):
        # A foreign control's title names it ("Segregation of duties"); the checklist item has only its text.
        item["text"] = f"{title}: {statement}"
    legal = _props(control.props, ns=NS).get("legal-basis")
    if legal:
        item["reference"] = legal[1]
        paths.fields[f"{house}.reference"] = f"{path}.props[{legal[0]}].value"
    return item


def _from_catalog(catalog) -> tuple[dict, _Paths]:
    """Sections are the groups that hold controls (a nested group's title keeps its parents'), items the controls
    with their enhancements; controls outside any group form a first section."""
    paths = _Paths()
    doc = _template_fields(catalog, paths)
    sections = []

    def add_section(code, title, title_en, path, items):
        house = f"sections[{len(sections)}]"
        paths.fields[house] = path
        section = {"code": code, "title": title, "items": []}
        if title_en:
            section["title_en"] = title_en
        for control, cpath in items:
            section["items"].append(_item(control, cpath, paths, f"{house}.items[{len(section['items'])}]"))
        sections.append(section)

    if catalog.controls:
        add_section("C", catalog.metadata.title, "", "catalog.controls", _controls(catalog.controls, "catalog"))
    for group, gpath, trail in _groups(catalog.groups, "catalog"):
        if not getattr(group, "controls", None):
            continue
        label = _props(group.props).get("label")
        code = label[1] if label and _ITEM_CODE.match(label[1]) else (group.id or f"G{len(sections) + 1}")
        title = " / ".join(one_line(g.title) for g in trail)
        title_en = _props(group.props, ns=NS).get("title-en")
        add_section(
            code,
            title if len(trail) > 1 else group.title,
            title_en[1] if title_en else "",
            gpath,
            _controls(group.controls, gpath),
        )
    doc["sections"] = sections
    paths.fields["sections"] = "catalog.groups"
    return doc, paths


def _from_profile(profile, resolve_checklist) -> tuple[dict, _Paths]:
    """A profile over one published catalogue (imported by its `/api/v1/checklists/{id}/oscal` address): the chosen
    controls, in the catalogue's order, as a new catalogue line named by the profile."""
    if len(profile.imports) != 1:
        raise _problem("profile.imports", _("a profile must import exactly one catalogue"))
    imp = profile.imports[0]
    template = resolve_checklist(imp.href) if resolve_checklist else None
    if template is None:
        message = _("'%(href)s' is not the OSCAL address of a published checklist (…/checklists/<id>/oscal)") % {
            "href": imp.href
        }
        raise _problem("profile.imports[0].href", message)
    catalog = build_catalog(template)
    wanted = None
    if imp.include_controls:
        wanted = set()
        for index, selector in enumerate(imp.include_controls):
            wanted.update(selector.with_ids or [])
            if selector.matching:
                raise _problem(
                    f"profile.imports[0].include-controls[{index}].matching",
                    _("pattern matching is not supported; list the ids"),
                )
    excluded = {i for selector in imp.exclude_controls or [] for i in (selector.with_ids or [])}
    known = {control.id for group in catalog.groups or [] for control in group.controls or []}
    unknown = sorted(((wanted or set()) | excluded) - known)
    if unknown:
        raise _problem("profile.imports[0]", _("unknown control ids: %(ids)s") % {"ids": ", ".join(unknown[:20])})
    kept_groups = []
    for group in catalog.groups or []:
        kept = [c for c in group.controls or [] if (wanted is None or c.id in wanted) and c.id not in excluded]
        if kept:
            kept_groups.append(group.model_copy(update={"controls": kept}))
    paths = _Paths()
    doc = _template_fields(catalog, _Paths())
    doc.update(title=profile.metadata.title, code=_slug(profile.metadata.title))
    ours = _props(profile.metadata.props, ns=NS)
    if "catalogue-code" in ours:
        doc["code"] = ours["catalogue-code"][1]
    if "title-en" in ours:
        doc["title_en"] = ours["title-en"][1]
    doc["source"] = template.source + "\n\n" + _("OSCAL profile “%(title)s” (UUID %(uuid)s) over %(code)s version %(version)s.") % {
        "title": one_line(profile.metadata.title), "uuid": profile.uuid, "code": template.code, "version": template.version,
    }  # fmt: skip
    for key in ("code", "title", "title_en", "source"):
        paths.fields[key] = "profile.metadata"
    sections = []
    for group in kept_groups:
        house = f"sections[{len(sections)}]"
        paths.fields[house] = "profile.imports[0]"
        label = _props(group.props)["label"][1]
        title_en = _props(group.props, ns=NS).get("title-en")
        items = [_item(c, "profile.imports[0]", _Paths(), "") for c in group.controls]
        section = {"code": label, "title": group.title, "items": items}
        if title_en:
            section["title_en"] = title_en[1]
        sections.append(section)
    doc["sections"] = sections
    paths.fields["sections"] = "profile.imports[0]"
    return doc, paths
