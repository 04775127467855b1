"""The registry sheet's columns: one list shared by the export and the import, so a round trip is lossless.

Header cells are fixed bilingual strings (officials read Vietnamese first; the English half keeps scripts stable).
Organisations and the parent system are written as codes, not ids, so a workbook moves between installations.
`writable=False` columns are exported for reading and ignored on import (the workflow, not a spreadsheet, sets them).

Cells are for people: a choice is written as its label in the reader's language (`label_of`), a yes/no as Có/Không
or Yes/No; the import reads a label in any language or the API's code back to the code (`code_of`), so an exported
sheet imports back unchanged whatever language it was exported in.
"""

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import pgettext_lazy

from core.legal import Regime

from .models import IcsGrade, InformationSystem, InfoType, InfrastructureScope, Sector, StateSecretHarm, SystemType


@dataclass(frozen=True)
class Column:
    key: str  # the API contract's field name, or `<field>_code` for a reference written as a code
    header: str
    kind: str  # text | int | bool | date | choice | choices (comma-separated list) | org_code | system_code
    writable: bool = True
    width: int = 18


REGISTRY_SHEET_TITLE = "Systems"
REGISTRY_COLUMNS: tuple[Column, ...] = (
    Column("code", "Mã hệ thống / Code", "text", width=20),
    Column("name", "Tên hệ thống / Name", "text", width=40),
    Column("description", "Mô tả / Description", "text", width=40),
    Column("owner_code", "Chủ quản (mã) / Owner code", "org_code"),
    Column("operator_code", "Đơn vị vận hành (mã) / Operating unit code", "org_code"),
    Column("security_unit_code", "Đơn vị chuyên trách ATTT (mã) / Security unit code", "org_code"),
    Column("parent_code", "Thuộc hệ thống (mã) / Part of (code)", "system_code"),
    Column("regime", "Chế độ pháp lý / Regime", "choice"),
    Column("sector", "Lĩnh vực / Sector", "choice"),
    Column("system_type", "Loại hệ thống / System type", "choice"),
    Column("info_types", "Loại thông tin / Information types", "choices", width=30),
    Column("state_secret_harm", "Mức tổn hại bí mật nhà nước / State secret harm", "choice"),
    Column("data_subjects", "Số chủ thể dữ liệu cá nhân / Data subjects", "int"),
    Column("sensitive_data_subjects", "Số chủ thể dữ liệu nhạy cảm / Sensitive data subjects", "int"),
    Column("handles_administrative_procedures", "Thủ tục hành chính / Administrative procedures", "bool"),
    Column("public_service_level", "Mức dịch vụ công / Public service level", "int"),
    Column("conditional_business_service", "Kinh doanh có điều kiện / Conditional business", "bool"),
    Column("infrastructure_scope", "Phạm vi hạ tầng / Infrastructure scope", "choice"),
    Column("requires_24x7", "Vận hành 24/7 / Requires 24x7", "bool"),
    Column("national_e_government", "Chính phủ điện tử quốc gia / National e-government", "bool"),
    Column("ics_grade", "Cấp hệ thống điều khiển / ICS grade", "choice"),
    Column("stores_national_critical_data", "Dữ liệu quốc gia quan trọng / National critical data", "bool"),
    Column("international_gateway", "Cổng kết nối quốc tế / International gateway", "bool"),
    Column("pm_designated_level", "Cấp độ do Thủ tướng chỉ định / PM-designated level", "int"),
    Column("proposed_level", "Cấp độ đề xuất / Proposed level", "int", writable=False),
    Column("approved_level", "Cấp độ được phê duyệt / Approved level", "int", writable=False),
    Column("status", "Trạng thái / Status", "choice", writable=False),
    Column("next_inspection_due", "Hạn kiểm tra tiếp theo / Next inspection due", "date", writable=False),
)
COLUMNS_BY_HEADER = {c.header: c for c in REGISTRY_COLUMNS}

# The choices behind each `choice` / `choices` column.
CHOICE_ENUMS = {
    "regime": Regime, "sector": Sector, "system_type": SystemType, "info_types": InfoType,
    "state_secret_harm": StateSecretHarm, "infrastructure_scope": InfrastructureScope, "ics_grade": IcsGrade,
    "status": InformationSystem.Status,
}  # fmt: skip
YES = pgettext_lazy("spreadsheet yes/no cell", "Yes")
NO = pgettext_lazy("spreadsheet yes/no cell", "No")
LIST_SEPARATOR = ", "


def label_of(key: str, code) -> str:
    """The label of `code` in the active language (the code itself when it is not one of the column's choices)."""
    enum = CHOICE_ENUMS.get(key)
    if enum is None or code in (None, ""):
        return code
    return str(enum(code).label) if code in enum.values else code


def bool_label(value) -> str:
    return str(YES if value else NO)


@cache
def _codes_by_text(key: str) -> dict[str, str]:
    enum = CHOICE_ENUMS[key]
    found = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found.update({" ".join(str(label).split()).casefold(): code for code, label in enum.choices})
    found.update({code.casefold(): code for code in enum.values})  # a code always means itself
    return found


def code_of(key: str, text: str) -> str:
    """The code a cell means: the code itself, or a label in any of the languages; other text is returned as it is,
    for the import's validation to report."""
    if key not in CHOICE_ENUMS:
        return text
    return _codes_by_text(key).get(" ".join(text.split()).casefold(), text)
