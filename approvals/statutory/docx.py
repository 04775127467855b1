"""The DOCX for those who must edit before signing (python-docx): the same content blocks and Decree 30/2020
Appendix I layout as the PDF, in Times New Roman (the font Decree 30 names; Word supplies it on the officials'
machines). An edited DOCX is no longer the drafted document: it is signed on paper and its scan recorded."""

import io

from docx import Document as WordDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.shared import Mm, Pt

from .pdf import HEADER, KEEP_WITH_NEXT, STYLES

FONT = "Times New Roman"
ALIGN = {"C": WD_ALIGN_PARAGRAPH.CENTER, "J": WD_ALIGN_PARAGRAPH.JUSTIFY, "L": WD_ALIGN_PARAGRAPH.LEFT}


def _para(container, text: str, *, style: str = "", size: float = 13, align: str = "C", indent_mm: float = 0):
    p = container.add_paragraph()
    p.alignment = ALIGN[align]
    p.paragraph_format.space_after = Pt(3)
    if indent_mm:
        p.paragraph_format.first_line_indent = Mm(indent_mm)
    run = p.add_run(text)
    run.font.name, run.font.size = FONT, Pt(size)
    run.bold, run.italic = "B" in style, "I" in style
    return p


def render(*, blocks: list[dict], title: str) -> bytes:
    doc = WordDocument()
    doc.core_properties.title = title
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = (
        Mm(20),
        Mm(20),
        Mm(30),
        Mm(15),
    )
    header = doc.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    header.autofit = False
    left, right = header.rows[0].cells
    # The motto needs the wider column to stay on one line (Decree 30/2020 App. I, I.1).
    left.width, right.width = Mm(68), Mm(104)
    header.columns[0].width, header.columns[1].width = Mm(68), Mm(104)  # the grid LibreOffice reads
    for cell, roles in (
        (left, ("org_parent", "org_name", "number", "subject")),
        (right, ("motto_country", "motto", "place_date")),
    ):
        cell.paragraphs[0].text = ""
        for block in (b for b in blocks if b["role"] in roles):
            style, size = HEADER[block["role"]]
            _para(cell, block["text"], style=style, size=size)
    body = [b for b in blocks if b["role"] in STYLES]
    for index, block in enumerate(body):
        style, size, align, indent = STYLES[block["role"]]
        p = _para(doc, block["text"], style=style, size=size, align=align, indent_mm=indent)
        # Decree 30/2020 App. I: the signature block never stands alone on a page. The body's last paragraph keeps
        # with the recipients and signature table that follows it, a heading with the paragraph under it.
        p.paragraph_format.keep_with_next = block["role"] in KEEP_WITH_NEXT or index == len(body) - 1
    footer = doc.add_table(rows=1, cols=2)
    row_properties = footer.rows[0]._tr.get_or_add_trPr()
    row_properties.append(OxmlElement("w:cantSplit"))  # the recipients and the signature block stay on one page
    recipients, signature = footer.rows[0].cells
    recipients.paragraphs[0].text = signature.paragraphs[0].text = ""
    for block in blocks:
        if block["role"] == "recipients_label":
            _para(recipients, block["text"], style="BI", size=12, align="L")
        elif block["role"] == "recipient":
            _para(recipients, block["text"], size=11, align="L")
        elif block["role"] == "sign_title":
            _para(signature, block["text"], style="B", size=13)
            for _ in range(4):
                _para(signature, "", size=13)
        elif block["role"] == "sign_name":
            _para(signature, block["text"], style="B", size=13)
    for cell in (recipients, signature):
        for p in cell.paragraphs:  # the table keeps with the verification line under it
            p.paragraph_format.keep_with_next = True
    for block in (b for b in blocks if b["role"] == "verify"):
        _para(doc, block["text"], style="I", size=10, align="L")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
