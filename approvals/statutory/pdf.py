"""The PDF for signing, drawn with fpdf2 (pure Python, installed by `make install`; no system library, browser or
office suite needed) in the embedded DejaVu Serif Condensed, which carries every Vietnamese glyph (fonts/).

Layout per Decree 30/2020 Appendix I: A4, margins top 20 mm, bottom 20 mm, left 30 mm, right 15 mm; the header
block in two columns (issuing body, number and symbol, subject line on the left; the national motto, place and
date on the right); body 13 pt justified with a first-line indent; recipients (left, 12/11 pt) beside the
signature block (right, bold title and name). Text is drawn in the order of the content blocks, so the text a
reader extracts is the document's source text. The document id and content hash are embedded in the PDF's
metadata (Keywords) and the verification id is printed with a QR code."""

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import qrcode
from fpdf import FPDF

# fontTools logs every subsetting step at INFO; the project logs INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSerifCondensed"
LEFT, RIGHT, TOP, BOTTOM = 30.0, 15.0, 20.0, 20.0
PAGE_W = 210.0
HEADER_LEFT_W = 80.0
KEYWORD_ID, KEYWORD_HASH = "attesta-document-id", "attesta-content-sha256"

# role -> (style, size pt, alignment, first-line indent mm)
STYLES = {
    "title": ("B", 14, "C", 0), "about": ("B", 13, "C", 0), "authority": ("B", 13, "C", 0),
    "addressee": ("", 13, "C", 0), "basis": ("I", 13, "J", 10), "para": ("", 13, "J", 10),
    "list": ("", 13, "J", 10), "heading": ("B", 13, "J", 10), "decide": ("B", 14, "C", 0),
    "article": ("B", 13, "J", 10),
}  # fmt: skip
HEADER = {
    "org_parent": ("", 12), "org_name": ("B", 12), "number": ("", 13), "subject": ("", 12),
    "motto_country": ("B", 12), "motto": ("B", 13), "place_date": ("I", 13),
}  # fmt: skip


class _Pdf(FPDF):
    pass


def _new_pdf(*, title: str, short_id: str, content_sha256: str, created: datetime) -> _Pdf:
    pdf = _Pdf(format="A4", unit="mm")
    for style, suffix in (("", ""), ("B", "-Bold"), ("I", "-Italic"), ("BI", "-BoldItalic")):
        pdf.add_font(FONT, style, str(FONT_DIR / f"{FONT}{suffix}.ttf"))
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(True, margin=BOTTOM)
    pdf.set_creation_date(created)
    pdf.set_lang("vi-VN")
    pdf.set_title(title)
    pdf.set_creator("Attesta")
    pdf.set_keywords(f"{KEYWORD_ID}={short_id} {KEYWORD_HASH}={content_sha256}")
    pdf.add_page()
    return pdf


def _column(pdf: _Pdf, blocks: list[dict], x: float, width: float, y: float, rules_after: set[str]) -> float:
    pdf.set_xy(x, y)
    for block in blocks:
        style, size = HEADER[block["role"]]
        pdf.set_font(FONT, style, size)
        pdf.set_x(x)
        pdf.multi_cell(width, size * 0.42, block["text"], align="C", new_x="LEFT", new_y="NEXT")
        if block["role"] in rules_after:
            # The short rule under the body's name and under the motto (App. I, I.2–I.3).
            text_w = min(pdf.get_string_width(block["text"]), width)
            rule_w = text_w if block["role"] == "motto" else min(text_w, width) / 3
            mid = x + width / 2
            pdf.line(mid - rule_w / 2, pdf.get_y() + 0.6, mid + rule_w / 2, pdf.get_y() + 0.6)
            pdf.set_y(pdf.get_y() + 2.5)
    return pdf.get_y()


def _qr(pdf: _Pdf, url: str, x: float, y: float, size: float) -> None:
    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x + c * cell, y + r * cell, cell, cell, style="F")


# Blocks that introduce what follows (a heading, an article's title, "QUYẾT ĐỊNH:") stay with the next block.
KEEP_WITH_NEXT = {"title", "about", "authority", "addressee", "heading", "decide", "article"}
PAGE_H = 297.0
PT_MM = 25.4 / 72
TAIL_GAP, QR_GAP, QR_SIZE, SIGN_ROOM = 6.0, 8.0, 20.0, 24.0


@dataclass(frozen=True)
class _Spacing:
    """The body's spacing (Decree 30/2020 App. I, II.6(e): at least 6 pt between paragraphs, lines between single
    and 1.5 spacing): the regular one, and a tighter one tried when a form barely overflows its page, which only
    closes the lines up towards single spacing and the gap before a heading."""

    line_height: float = 1.25
    paragraph_gap: float = 6 * PT_MM
    heading_gap: float = 2.0


REGULAR, TIGHT = _Spacing(), _Spacing(line_height=1.15, heading_gap=0.0)


def render(
    *, blocks: list[dict], title: str, short_id: str, content_sha256: str, created: datetime, verify_url: str
) -> bytes:
    """Decree 30/2020 Appendix I: the signature block never stands alone on a page. The recipients, the signature
    block and the verification id (the tail) are kept together and with the end of the body: the body is drawn in
    its regular spacing, then in a tighter one (a form that barely overflows), then with a page break before one of
    its last blocks (never right after a heading), so that the tail shares its page with the body's last lines.
    Only where none of these works (a single paragraph longer than a page) does the tail start a page."""
    meta = {"title": title, "short_id": short_id, "content_sha256": content_sha256, "created": created}
    body = [b for b in blocks if b["role"] in STYLES]
    breaks = [i for i in range(len(body) - 1, 0, -1) if body[i - 1]["role"] not in KEEP_WITH_NEXT][:8]
    attempts = [(REGULAR, None), (TIGHT, None), *((spacing, i) for spacing in (REGULAR, TIGHT) for i in breaks)]
    for spacing, break_before in attempts:
        pdf, kept = _draw(blocks, meta, verify_url, spacing, break_before)
        if kept:
            return bytes(pdf.output())
    pdf, _kept = _draw(blocks, meta, verify_url, REGULAR, None)
    return bytes(pdf.output())


def _tail_height(pdf: _Pdf, blocks: list[dict], text_w: float) -> float:
    recipients = 0.0
    for block in blocks:
        if block["role"] in ("recipients_label", "recipient"):
            label = block["role"] == "recipients_label"
            pdf.set_font(FONT, "BI" if label else "", 12 if label else 11)
            recipients += pdf.multi_cell(text_w * 0.48, 5, block["text"], dry_run=True, output="HEIGHT")
    signature = SIGN_ROOM
    pdf.set_font(FONT, "B", 13)
    for block in (b for b in blocks if b["role"] in ("sign_title", "sign_name")):
        signature += pdf.multi_cell(text_w * 0.55, 6, block["text"], dry_run=True, output="HEIGHT")
    pdf.set_font(FONT, "I", 10)
    verify = 4 + sum(
        pdf.multi_cell(text_w - 24, 4.5, b["text"], dry_run=True, output="HEIGHT")
        for b in blocks
        if b["role"] == "verify"
    )
    return TAIL_GAP + max(recipients, signature) + QR_GAP + max(QR_SIZE, verify)


def _draw(
    blocks: list[dict], meta: dict, verify_url: str, spacing: _Spacing, break_before: int | None
) -> tuple[_Pdf, bool]:
    """Draw the document; the second value says whether the tail shares its page with the end of the body."""
    pdf = _new_pdf(**meta)
    text_w = PAGE_W - LEFT - RIGHT
    left = [b for b in blocks if b["role"] in ("org_parent", "org_name", "number", "subject")]
    right = [b for b in blocks if b["role"] in ("motto_country", "motto", "place_date")]
    # The header block may use the page's width beyond the body's margins, so the motto fits on one line.
    right_x = LEFT + HEADER_LEFT_W - 14
    # The subject line (V/v) sits under the number on the left (App. I, I.5(b)); the date under the motto.
    end_left = _column(pdf, left, LEFT - 12, HEADER_LEFT_W - 2, TOP, {"org_name"})
    end_right = _column(pdf, right, right_x, PAGE_W - 8 - right_x, TOP, {"motto"})
    pdf.set_y(max(end_left, end_right) + 6)
    body = [b for b in blocks if b["role"] in STYLES]
    for index, block in enumerate(body):
        if index == break_before and pdf.get_y() > TOP + 1:
            pdf.add_page()
        style, size, align, indent = STYLES[block["role"]]
        pdf.set_font(FONT, style, size)
        if block["role"] in ("title", "decide", "addressee") and pdf.get_y() > TOP + 1:
            pdf.ln(spacing.heading_gap)
        with pdf.text_columns(text_align=align, line_height=spacing.line_height, l_margin=LEFT, r_margin=RIGHT) as cols:
            with cols.paragraph(first_line_indent=indent, bottom_margin=spacing.paragraph_gap) as par:
                par.write(block["text"])
    # The tail: recipients (left) and the signature block (right) side by side (App. I, I.7–I.9), then the QR code.
    body_page, body_end = pdf.page, pdf.get_y()
    # On a page after the first, at least two of the body's lines stand above the tail (no widowed last word).
    two_lines = 2 * STYLES["para"][1] * PT_MM * spacing.line_height
    kept = (body_page == 1 or body_end >= TOP + two_lines) and (
        body_end + _tail_height(pdf, blocks, text_w) <= PAGE_H - BOTTOM
    )
    if not kept:
        pdf.add_page()
    recipients = [b for b in blocks if b["role"] in ("recipients_label", "recipient")]
    signature = [b for b in blocks if b["role"] in ("sign_title", "sign_name")]
    top = pdf.get_y() + TAIL_GAP
    pdf.set_xy(LEFT, top)
    for block in recipients:
        label = block["role"] == "recipients_label"
        pdf.set_font(FONT, "BI" if label else "", 12 if label else 11)
        pdf.set_x(LEFT)
        pdf.multi_cell(text_w * 0.48, 5, block["text"], align="L", new_x="LEFT", new_y="NEXT")
    end_recipients = pdf.get_y()
    sign_x = LEFT + text_w * 0.45
    pdf.set_xy(sign_x, top)
    for block in signature:
        pdf.set_font(FONT, "B", 13)
        if block["role"] == "sign_name":
            pdf.set_y(pdf.get_y() + SIGN_ROOM)  # room for the signature and the seal
        pdf.set_x(sign_x)
        pdf.multi_cell(text_w * 0.55, 6, block["text"], align="C", new_x="LEFT", new_y="NEXT")
    y = max(end_recipients, pdf.get_y()) + QR_GAP
    _qr(pdf, verify_url, LEFT, y, QR_SIZE)
    pdf.set_xy(LEFT + 24, y + 4)
    pdf.set_font(FONT, "I", 10)
    for block in (b for b in blocks if b["role"] == "verify"):
        pdf.multi_cell(text_w - 24, 4.5, block["text"], align="L", new_x="LEFT", new_y="NEXT")
    return pdf, kept and pdf.page == body_page
