"""Registry import from .xlsx, its error report and its template: the three-step pipe of the house style.

openpyxl `read_only` (after core.uploads' hostile-file gate) → each row coerced by its column's kind and validated
by the API's own schemas (SystemCreate / SystemPatch, `extra="forbid"`) and the registry's own rules
(services.RegistryRules, access.EditScope) → applied in one transaction, all rows or none.

Memory stays flat for any number of rows: rows are validated and written in batches of BATCH (the existing systems of
a batch fetched in one query keyed by code); across batches only the codes seen and the parent references are kept.
The columns are REGISTRY_COLUMNS, the same list the export writes, so an export imports back unchanged.
"""

import io
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from accounts.models import Organization
from core import audit
from core.errors import Forbidden, Invalid
from core.legal import Regime
from core.spreadsheets import safe_cell, unquote_cell
from core.uploads import reading_workbook, sha256_of

from . import access, import_reports, services
from .classification import classify, regime_in_force
from .models import IcsGrade, InformationSystem, InfoType, InfrastructureScope, Sector, StateSecretHarm, SystemType
from .schemas import CLASSIFICATION_FIELDS, SystemCreate, SystemPatch
from .selectors import systems_visible_to
from .spreadsheet_columns import REGISTRY_COLUMNS, REGISTRY_SHEET_TITLE, Column, code_of

BATCH = 1000
MAX_DETAILS = 1000  # reported in the response; the marked copy carries up to MAX_MARKED
MAX_MARKED = 20_000
REPORT_DIR = import_reports.DIR
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REQUIRED = ("code", "name", "owner_code", "operator_code", "security_unit_code", "system_type")
CHOICES = {
    "regime": Regime.values, "sector": Sector.values, "system_type": SystemType.values, "info_types": InfoType.values,
    "state_secret_harm": StateSecretHarm.values, "infrastructure_scope": InfrastructureScope.values, "ics_grade": IcsGrade.values,
}  # fmt: skip
TRUE_WORDS = {"true", "1", "có", "co", "yes", "x"}
FALSE_WORDS = {"false", "0", "không", "khong", "no"}
# A model field's key for each column (references are written as codes).
FIELD_OF = {
    "owner_code": "owner_id",
    "operator_code": "operator_id",
    "security_unit_code": "security_unit_id",
    "parent_code": "parent_id",
}
COLUMN_OF_FIELD = {FIELD_OF.get(c.key, c.key): c for c in REGISTRY_COLUMNS}
_KEYS = {c.key: c for c in REGISTRY_COLUMNS}
_MODEL_DEFAULTS = {
    c.key: InformationSystem._meta.get_field(c.key).get_default()
    for c in REGISTRY_COLUMNS
    if c.writable
    and c.kind in ("int", "bool", "choice", "choices", "text")
    and c.key not in REQUIRED
    and c.key != "regime"
}
_TOKEN = import_reports.TOKEN  # dated: `<unix seconds>-<32 hex>`; older copies: 32 hex


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0


class ImportFailed(Invalid):
    """Rows were refused; nothing was saved. `cells` maps (row, column index) to messages for the marked copy."""

    def __init__(self, details: list[dict], total: int, cells: dict):
        shown = details[:MAX_DETAILS]
        if total > len(shown):
            message = gettext(
                "%(total)s problems in the spreadsheet (the first %(shown)s are listed); nothing was imported."
            )
        else:
            message = ngettext(
                "%(total)s problem in the spreadsheet; nothing was imported.",
                "%(total)s problems in the spreadsheet; nothing was imported.",
                total,
            )
        super().__init__(message % {"total": total, "shown": len(shown)}, code="invalid_rows", details=shown)
        self.total = total
        self.cells = cells


@dataclass
class _Row:
    number: int
    values: dict  # column key → coerced value (writable columns present in the sheet only)
    blank: set = field(default_factory=set)


# --- reading -----------------------------------------------------------------------------------------------------------


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return unquote_cell(str(value))


def _coerce(column: Column, value):
    """The cell's value for `column`, or raises ValueError with a message for the person who filled it in."""
    if column.kind == "text":
        return _text(value).strip() if column.key == "code" else _text(value)
    if column.kind == "int":
        if isinstance(value, bool):
            raise ValueError(gettext("must be a whole number"))
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        text = str(value).strip()
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        raise ValueError(gettext("must be a whole number"))
    if column.kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(int(value) if isinstance(value, float) and value.is_integer() else value).strip().lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValueError(gettext("must be TRUE or FALSE (có / không)"))
    if column.kind == "choices":  # codes or labels (the export writes labels in its reader's language)
        return [code_of(column.key, part.strip()) for part in _text(value).split(",") if part.strip()]
    if column.kind == "choice":
        return code_of(column.key, _text(value).strip())
    return _text(value).strip()  # org_code, system_code


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _map_headers(header: tuple) -> tuple[dict[int, Column], list[dict]]:
    by_text = {c.header.casefold(): c for c in REGISTRY_COLUMNS}
    by_key = {c.key.casefold(): c for c in REGISTRY_COLUMNS}
    columns, errors, seen = {}, [], set()
    for index, cell in enumerate(header):
        if _blank(cell):
            continue
        text = " ".join(str(cell).split()).casefold()
        column = by_text.get(text) or by_key.get(text)
        letter = get_column_letter(index + 1)
        if column is None:
            message = gettext("Unknown column '%(column)s'.") % {"column": str(cell)[:80]}
            errors.append({"row": 1, "column": letter, "message": message, "_col": index})
        elif column.key in seen:
            errors.append(
                {"row": 1, "column": column.header, "message": gettext("This column appears twice."), "_col": index}
            )
        else:
            seen.add(column.key)
            if column.writable:
                columns[index] = column
    if "code" not in seen:
        message = gettext("The column '%(column)s' is required.") % {"column": _KEYS["code"].header}
        errors.append({"row": 1, "column": "A", "message": message, "_col": 0})
    return columns, errors


def _sheet(workbook):
    return workbook[REGISTRY_SHEET_TITLE] if REGISTRY_SHEET_TITLE in workbook.sheetnames else workbook.worksheets[0]


# --- the import --------------------------------------------------------------------------------------------------------


def import_limits() -> tuple[int, int]:
    return settings.REGISTRY_IMPORT_MAX_ROWS, settings.REGISTRY_IMPORT_MAX_COLUMNS


def too_many_rows(limit: int) -> Invalid:
    message = gettext("The sheet has more than %(limit)s rows of systems; split it into several files.") % {
        "limit": limit
    }
    return Invalid(message, code="too_many_rows", details=[{"field": "file", "message": message}])


def refuse_claimed_size(sheet) -> None:
    """Refuse, before a row is read, a sheet whose own <dimension> claims more rows or columns than the limits (an
    8 MB sheet of a million empty-looking rows costs nothing to refuse here). An unsized sheet, or one that lies,
    is stopped by the row count while reading."""
    max_rows, max_columns = import_limits()
    claimed_rows, claimed_columns = sheet.max_row or 0, sheet.max_column or 0
    if claimed_rows > max_rows + 1:
        raise too_many_rows(max_rows)
    if claimed_columns > max_columns:
        message = gettext("The sheet has %(columns)s columns; the registry sheet has at most %(limit)s.") % {
            "columns": claimed_columns, "limit": max_columns}  # fmt: skip
        raise Invalid(message, code="too_many_columns", details=[{"field": "file", "message": message}])


class _Importer:
    def __init__(self, actor):
        self.actor = actor
        self.scope = access.EditScope(actor)
        self.orgs = dict(Organization.objects.values_list("code", "id"))
        self.regime_default = regime_in_force(timezone.localdate())
        self.now = timezone.now()
        self.result = ImportResult()
        self.details: list[dict] = []
        self.cells: dict[tuple[int, int], list[str]] = {}
        self.total_errors = 0
        self.column_index: dict[str, int] = {}
        self.seen_codes: set[str] = set()
        self.parent_refs: list[tuple[int, str, str | None]] = []  # (row, code, parent code or None to clear)
        self.touched: set[int] = set()
        self.parent_ids = set(
            InformationSystem.objects.filter(parent__isnull=False).values_list("parent_id", flat=True).distinct()
        )
        self.level_changes: list[list] = []

    def error(self, row: int, key: str | None, message: str, *, col: int | None = None) -> None:
        self.total_errors += 1
        column = _KEYS.get(key) if key else None
        if col is None:
            col = self.column_index.get(key, 0) if key else 0
        name = column.header if column is not None else get_column_letter(col + 1)
        if len(self.details) < MAX_DETAILS:
            self.details.append({"row": row, "column": name, "message": message})
        if len(self.cells) < MAX_MARKED:
            self.cells.setdefault((row, col), []).append(message)

    def run(self, workbook, *, filename: str, sha256: str) -> ImportResult:
        sheet = _sheet(workbook)
        refuse_claimed_size(sheet)
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise Invalid(gettext("The spreadsheet is empty: the first row must hold the column headers."), code="invalid_rows",
                          details=[{"row": 1, "column": "A", "message": gettext("no header row")}])  # fmt: skip
        columns, header_errors = _map_headers(header)
        if header_errors:
            # Refused before any row is read, and no marked copy is written: the header alone says it all.
            details = [{k: v for k, v in err.items() if k != "_col"} for err in header_errors[:MAX_DETAILS]]
            raise Invalid(gettext("The header row is not the registry's: fix the columns named below."), code="invalid_header",
                          details=details)  # fmt: skip
        self.column_index = {c.key: i for i, c in columns.items()}
        max_rows = import_limits()[0]
        batch: list[_Row] = []
        for number, values in enumerate(rows, start=2):
            if number > max_rows + 1:
                raise too_many_rows(max_rows)  # an unsized sheet, or one whose claim was a lie
            row = self.read_row(number, values, columns)
            if row is not None:
                batch.append(row)
            if len(batch) >= BATCH:
                self.apply_batch(batch)
                batch = []
        if batch:
            self.apply_batch(batch)
        if self.total_errors:
            self.fail()
        self.apply_parents()
        if self.total_errors:
            self.fail()
        self.reclassify_composites()
        audit.record(
            actor=self.actor, action="system.import", object_type="informationsystem",
            data={"created": self.result.created, "updated": self.result.updated, "filename": filename[:255], "sha256": sha256,
                  "level_changes": self.level_changes},
        )  # fmt: skip
        return self.result

    def fail(self):
        raise ImportFailed(self.details, self.total_errors, self.cells)

    def read_row(self, number: int, cells: tuple, columns: dict[int, Column]) -> _Row | None:
        if all(_blank(v) for v in cells):
            return None
        row = _Row(number=number, values={})
        for index, column in columns.items():
            value = cells[index] if index < len(cells) else None
            if _blank(value):
                row.blank.add(column.key)
                continue
            try:
                row.values[column.key] = _coerce(column, value)
            except ValueError as exc:
                self.error(
                    number,
                    column.key,
                    gettext("The value '%(value)s' %(problem)s.") % {"value": str(value)[:60], "problem": exc},
                )
        for key in REQUIRED:
            if key in row.blank:
                self.error(number, key, gettext("This cell may not be blank."))
        code = row.values.get("code")
        if code:
            if code in self.seen_codes:
                self.error(
                    number, "code", gettext("The code '%(code)s' appears on more than one row.") % {"code": code}
                )
            self.seen_codes.add(code)
        return row

    def payload(self, row: _Row, existing: InformationSystem | None) -> dict:
        """The row as the API's field names: codes resolved to ids, blanks to the field's default."""
        data = {}
        for key, value in row.values.items():
            if key == "parent_code":
                continue
            if key in FIELD_OF:
                org_id = self.orgs.get(value)
                if org_id is None:
                    self.error(row.number, key, gettext("No organisation with code '%(code)s'.") % {"code": value})
                    continue
                data[FIELD_OF[key]] = org_id
            else:
                data[key] = value
        for key in row.blank:
            if key in _MODEL_DEFAULTS:
                data[key] = _MODEL_DEFAULTS[key]
            elif key == "regime" and existing is None:
                data["regime"] = self.regime_default
        if existing is None and "regime" not in data:
            data["regime"] = self.regime_default
        return data

    def apply_batch(self, batch: list[_Row]) -> None:
        codes = [r.values["code"] for r in batch if r.values.get("code")]
        existing = {s.code: s for s in InformationSystem.objects.filter(code__in=codes)}
        prepared = []
        for row in batch:
            code = row.values.get("code")
            if not code:
                continue
            system = existing.get(code)
            if system is not None and not self.scope.can_edit(operator_id=system.operator_id, owner_id=system.owner_id):
                self.error(
                    row.number,
                    "code",
                    gettext("The system '%(code)s' exists and you may not change it.") % {"code": code},
                )
                continue
            before = self.total_errors
            data = self.payload(row, system)
            if self.total_errors > before:
                continue
            try:
                values = (SystemPatch(**data).model_dump(exclude_unset=True) if system is not None
                          else SystemCreate(**data).model_dump(exclude_none=True))  # fmt: skip
            except ValidationError as exc:
                for err in exc.errors():
                    key = str(err["loc"][0]) if err["loc"] else "code"
                    column = COLUMN_OF_FIELD.get(key)
                    self.error(row.number, column.key if column else None, err["msg"])
                continue
            prepared.append((row, system, values))
        org_fields = ("owner_id", "operator_id", "security_unit_id")
        org_ids = {v[f] for _, _, v in prepared for f in org_fields if f in v}
        org_ids |= {getattr(s, f) for _, s, _ in prepared if s is not None for f in org_fields}
        rules = services.RegistryRules(self.actor, org_ids)
        valid = []
        for row, system, values in prepared:
            problems = (rules.org_errors(values, instance=system) + rules.secret_errors(values, instance=system)
                        + rules.designation_errors(values, instance=system))  # fmt: skip
            for problem in problems:
                self.error(row.number, COLUMN_OF_FIELD[problem["field"]].key, problem["message"])
            if not problems:
                valid.append((row, system, values))
        if self.total_errors:
            return  # keep validating the rest of the file, write nothing more
        self.write(valid)

    def write(self, valid) -> None:
        creates, updates, update_fields = [], [], set()
        for row, system, values in valid:
            if "parent_code" in row.values or "parent_code" in row.blank:
                parent_code = row.values.get("parent_code")
                if parent_code is not None or (system is not None and system.parent_id is not None):
                    self.parent_refs.append((row.number, values["code"], parent_code))
            if system is None:
                system = InformationSystem(created_by=self.actor, **values)
                services.set_classification(system, classify(services._inputs(system), system.regime), now=self.now)
                creates.append(system)
                continue
            self.result.updated += 1
            changed = {k for k, v in values.items() if getattr(system, k) != v}
            if not changed:
                continue
            for key in changed:
                setattr(system, key, values[key])
            update_fields |= changed
            previous = system.proposed_level
            if changed & {*CLASSIFICATION_FIELDS, "regime"} or system.proposed_level is None:
                self.touched.add(system.pk)
                if system.pk not in self.parent_ids:
                    services.set_classification(system, classify(services._inputs(system), system.regime), now=self.now)
                    update_fields |= set(services.CLASSIFICATION_OUTPUTS)
                    if previous != system.proposed_level:
                        self.level_changes.append([system.code, previous, system.proposed_level])
            system.updated_at = self.now
            updates.append((system, previous))
        services.save_systems_batch(actor=self.actor, creates=creates, updates=updates, fields=update_fields)
        self.result.created += len(creates)

    def apply_parents(self) -> None:
        if not self.parent_refs:
            return
        wanted = {code for _, code, _ in self.parent_refs} | {p for _, _, p in self.parent_refs if p}
        pks, visible = {}, set()
        wanted_list = sorted(wanted)
        for start in range(0, len(wanted_list), 500):
            chunk = wanted_list[start : start + 500]
            pks.update(InformationSystem.objects.filter(code__in=chunk).values_list("code", "pk"))
            visible.update(systems_visible_to(self.actor).filter(code__in=chunk).values_list("code", flat=True))
        graph = dict(InformationSystem.objects.filter(parent__isnull=False).values_list("pk", "parent_id"))
        changes = {}
        for number, code, parent_code in self.parent_refs:
            if parent_code is not None and parent_code not in visible:
                self.error(number, "parent_code", gettext("No system with code '%(code)s'.") % {"code": parent_code})
                continue
            parent = pks[parent_code] if parent_code else None
            if graph.get(pks[code]) != parent:
                changes[pks[code]] = (number, parent)
        for pk, (_, parent) in changes.items():
            if parent is None:
                graph.pop(pk, None)
            else:
                graph[pk] = parent
        for pk, (number, parent) in changes.items():
            node, steps = parent, 0
            while node is not None and steps <= len(graph):
                if node == pk:
                    self.error(
                        number, "parent_code", gettext("A system cannot be a part of itself or of one of its parts.")
                    )
                    break
                node, steps = graph.get(node), steps + 1
        if self.total_errors:
            return
        services.move_parts_batch(
            actor=self.actor, moves={pk: parent for pk, (_, parent) in changes.items()}, now=self.now
        )
        self.touched |= set(changes)
        self.parent_graph = graph

    def reclassify_composites(self) -> None:
        """A system with parts takes the highest level of them (as classify_system does): recompute the composites
        among the touched systems and every ancestor of a touched system, through the service's own path."""
        if not self.touched:
            return
        graph = getattr(self, "parent_graph", None)
        if graph is None:
            graph = dict(InformationSystem.objects.filter(parent__isnull=False).values_list("pk", "parent_id"))
        has_parts = set(graph.values())
        todo = {pk for pk in self.touched if pk in has_parts}
        for pk in self.touched:
            node, seen = graph.get(pk), set()
            while node is not None and node not in seen:
                seen.add(node)
                todo.add(node)
                node = graph.get(node)
        for system in InformationSystem.objects.filter(pk__in=todo).order_by("pk"):
            if system.proposed_level is None and system.pk not in self.touched:
                continue
            previous = system.proposed_level
            services._store(self.actor, system, services.compute_classification(system))
            if previous != system.proposed_level:
                self.level_changes.append([system.code, previous, system.proposed_level])


def _may_import(actor) -> bool:
    scope = access.EditScope(actor)
    return scope.everything or bool(scope.operators or scope.owners)


may_import_systems = _may_import  # the boolean twin the pages use to offer the import or not


def import_systems(*, actor, fileobj, filename: str = "") -> ImportResult:
    """Upsert systems by code from an .xlsx; every row valid or nothing saved (ImportFailed lists each problem by
    row and column). Hostile files are refused before they are opened (core.uploads)."""
    if not _may_import(actor):
        raise Forbidden(gettext("Only operating units and system owners may import systems."))
    with reading_workbook(fileobj) as workbook, transaction.atomic():
        sha256 = sha256_of(fileobj)
        return _Importer(actor).run(workbook, filename=filename or getattr(fileobj, "name", "") or "", sha256=sha256)


# --- the marked copy ---------------------------------------------------------------------------------------------------


def build_error_report(*, actor, fileobj, failure: ImportFailed) -> str | None:
    """A copy of the uploaded sheet with each refused cell filled red and commented, plus an "Errors" sheet; stored
    under imports/<uploader>/ and returned as a token only its uploader can download with (report_path)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    red = PatternFill(fill_type="solid", start_color="FFC7CE", end_color="FFC7CE")
    out = Workbook(write_only=True)
    with reading_workbook(fileobj) as source:
        sheet = _sheet(source)
        sheet.reset_dimensions()
        target = out.create_sheet(sheet.title[:31])
        marked_rows = {row for row, _ in failure.cells}
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number not in marked_rows:
                target.append([safe_cell(v) for v in values])
                continue
            width = max(len(values), 1 + max(col for row, col in failure.cells if row == number))
            cells = []
            for col in range(width):
                value = values[col] if col < len(values) else None
                cell = WriteOnlyCell(target, value=safe_cell(value))
                messages = failure.cells.get((number, col))
                if messages:
                    cell.fill = red
                    cell.comment = Comment("\n".join(messages)[:2000], "Attesta")
                cells.append(cell)
            target.append(cells)
    errors = out.create_sheet("Errors")
    errors.append([WriteOnlyCell(errors, value=v) for v in ("Dòng / Row", "Cột / Column", "Lỗi / Problem")])
    for (row, col), messages in sorted(failure.cells.items()):
        for message in messages:
            errors.append([row, get_column_letter(col + 1), safe_cell(message)])
    buffer = io.BytesIO()
    out.save(buffer)
    if not import_reports.make_room(actor.pk, buffer.tell()):
        return None  # larger than the uploader's whole quota: the answer's details are all they get
    token = import_reports.new_token()
    default_storage.save(report_path(actor, token), ContentFile(buffer.getvalue()))
    return token


def report_path(actor, token: str) -> str:
    """Where an uploader's marked copy lives; the user's id in the path is what keeps it theirs."""
    if not _TOKEN.match(token or ""):
        raise Invalid.field("token", gettext("Not a report token."))
    return f"{REPORT_DIR}/{actor.pk}/{token}.xlsx"


def open_report(actor, token: str):
    """The uploader's marked copy while it is kept (import_reports), or NotFound: for anyone else, for a token that
    never existed and for a copy past its retention alike."""
    try:
        path = report_path(actor, token)
    except Invalid:
        raise import_reports.gone() from None
    if import_reports.expired(import_reports.made_at(token)) or not default_storage.exists(path):
        raise import_reports.gone()
    try:
        return default_storage.open(path, "rb")
    except FileNotFoundError:  # swept between the two calls
        raise import_reports.gone() from None


# --- the template ------------------------------------------------------------------------------------------------------

INSTRUCTIONS = (
    ("Hướng dẫn nhập danh mục hệ thống thông tin", "How to fill in the registry import"),
    ("Mỗi dòng của trang «Systems» là một hệ thống; cột «Mã hệ thống» xác định hệ thống: mã đã có thì cập nhật, mã mới thì tạo mới.",
     "Each row of the “Systems” sheet is one system, identified by its code: an existing code is updated, a new code is created."),
    ("Đơn vị (chủ quản, vận hành, chuyên trách ATTT) và hệ thống cha ghi bằng mã.",
     "Organisations (owner, operating unit, security unit) and the parent system are written as codes."),
    ("Loại thông tin: nhiều giá trị cách nhau bằng dấu phẩy, ví dụ: public, personal.",
     "Information types: several values separated by commas, e.g. public, personal."),
    ("Cột Có/Không: TRUE/FALSE (hoặc có/không, 1/0). Ô trống nhận giá trị mặc định.",
     "Yes/no columns: TRUE/FALSE (or có/không, 1/0). A blank cell takes the default."),
    ("Các cột cấp độ, trạng thái, hạn kiểm tra chỉ để đọc và được bỏ qua khi nhập.",
     "Level, status and inspection-due columns are read-only and ignored on import."),
    ("Nếu có lỗi, không dòng nào được lưu; tải bản có đánh dấu lỗi để sửa và nhập lại.",
     "If any row is wrong nothing is saved; download the marked copy, fix it and import again."),
)  # fmt: skip


def build_template(actor) -> bytes:
    """An empty registry sheet with the headers, drop-down lists for the choice and yes/no columns (lists on a hidden
    "Lists" sheet, which also holds the organisation codes the user may pick) and a bilingual instructions sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from .forms import organizations_for_forms

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = REGISTRY_SHEET_TITLE
    lists = workbook.create_sheet("Lists")
    lists.sheet_state = "hidden"
    info = workbook.create_sheet("Instructions")
    org_codes = list(organizations_for_forms(actor).values_list("code", flat=True))
    list_columns = {key: values for key, values in CHOICES.items() if key != "info_types"}
    list_columns["bool"] = ["TRUE", "FALSE"]
    list_columns["org_code"] = org_codes or [""]
    ranges = {}
    for index, (name, values) in enumerate(list_columns.items(), start=1):
        letter = get_column_letter(index)
        lists.cell(row=1, column=index, value=name)
        for offset, value in enumerate(values, start=2):
            lists.cell(row=offset, column=index, value=safe_cell(value))
        ranges[name] = f"Lists!${letter}$2:${letter}${len(values) + 1}"
    for index, column in enumerate(REGISTRY_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        source = ranges.get(column.key) or ranges.get(column.kind if column.kind in ("bool", "org_code") else "")
        if source and column.writable:
            validation = DataValidation(
                type="list", formula1=source, allow_blank=True, showErrorMessage=column.kind != "org_code"
            )
            validation.error = "Chọn một giá trị trong danh sách / Pick a value from the list"
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{BATCH * 10}")
    sheet.freeze_panes = "B2"
    info.column_dimensions["A"].width = 80
    info.column_dimensions["B"].width = 80
    for vi, en in INSTRUCTIONS:
        info.append([vi, en])
    info.append([])
    info.append(["Cột", "Column / allowed values"])
    for column in REGISTRY_COLUMNS:
        allowed = ", ".join(CHOICES.get(column.key, ())) or {
            "bool": "TRUE, FALSE",
            "int": "số nguyên / whole number",
        }.get(column.kind, "")
        note = "" if column.writable else " (read-only / chỉ đọc)"
        info.append([column.header, f"{column.key}{note}: {allowed}".rstrip(": ")])
    info["A1"].font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
