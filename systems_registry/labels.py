"""Registry values as people read them: information types by their labels, and legal citations in the page's
language. The policy files cite in one stable form ("Decree 331/2026 Art. 13.2(b)"); a Vietnamese page writes the
same reference the Vietnamese way ("điểm b khoản 2 Điều 13 Nghị định 331/2026/NĐ-CP", Decree 30/2020 Appendix I)."""

import re

from django.utils import translation

from .models import InfoType

_DOCUMENTS = {
    "Decree": ("Nghị định", "/NĐ-CP"),
    "Circular": ("Thông tư", ""),
    "Law": ("Luật", ""),
    "Decision": ("Quyết định", ""),
}
_CITATION = re.compile(
    r"^(?P<doc>Decree|Circular|Law|Decision) (?P<number>\d+/\d{4})(?: Art\. (?P<ref>\d+(?:\.\d+)?(?:\([a-zđ]\))?))?"
    r"(?: \((?P<note>[^)]*)\))?$"
)
_UNMET = re.compile(r"^nationwide scope, Art\. (?P<ref>\d+\.\d+) not met$")
_NOTES = {
    "the Decree provides for a Prime Minister's decision at level 5 only": "Nghị định chỉ quy định Thủ tướng Chính phủ quyết định cấp độ 5"
}
_REF = re.compile(r"^(?P<article>\d+)(?:\.(?P<clause>\d+))?(?:\((?P<point>[a-zđ])\))?$")


def _ref_vi(ref: str) -> str:
    m = _REF.match(ref)
    parts = []
    if m["point"]:
        parts.append(f"điểm {m['point']}")
    if m["clause"]:
        parts.append(f"khoản {m['clause']}")
    parts.append(f"Điều {m['article']}")
    return " ".join(parts)


def citation(text: str, language: str | None = None) -> str:
    """`text` as cited on a page in `language` (the active one by default); a form this does not know stays as is."""
    language = language or translation.get_language() or "vi"
    if not text or not language.startswith("vi"):
        return text
    m = _CITATION.match(text.strip())
    if m is None:
        return text
    name, suffix = _DOCUMENTS[m["doc"]]
    cited = f"{name} {m['number']}{suffix}"
    if m["ref"]:
        cited = f"{_ref_vi(m['ref'])} {cited}"
    if m["note"]:
        unmet = _UNMET.match(m["note"])
        note = f"phạm vi toàn quốc, không đáp ứng {_ref_vi(unmet['ref'])}" if unmet else _NOTES.get(m["note"])
        if note is None:
            return text
        cited += f" ({note})"
    return cited


def info_type_labels(codes) -> str:
    return ", ".join(str(InfoType(c).label) if c in InfoType.values else c for c in codes or [])
