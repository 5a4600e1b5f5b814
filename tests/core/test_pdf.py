"""The PDFs' font draws Chinese glyphs, where Helvetica prints a row of identical boxes (tofu)."""

import io

from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from core.pdf import pdf_font
from tests.pdfs import bitmap, embedded_fonts, ink, page_text

STORE = "全家信義松仁店"


def one_line(text: str, font: str) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(120 * mm, 20 * mm))
    pdf.setFont(font, 24)
    pdf.drawString(5 * mm, 7 * mm, text)
    pdf.save()
    return out.getvalue()


def glyph_shapes(font: str) -> set[bytes]:
    """The rendered bitmap of each character of the store's name alone: a missing glyph draws the same box."""
    return {bitmap(one_line(char, font)) for char in STORE}


def test_helvetica_prints_the_store_name_as_tofu():
    # the failure the PDF font exists to prevent, seen the way the checks below see it
    assert len(glyph_shapes("Helvetica")) == 1
    assert page_text(one_line(STORE, "Helvetica")) != STORE


def test_the_pdf_font_draws_each_chinese_character_as_its_own_glyph():
    # when
    data = one_line(STORE, pdf_font())
    # then
    assert len(glyph_shapes(pdf_font())) == len(STORE)
    assert ink(data) > 1000
    assert page_text(data) == STORE


def test_the_font_travels_inside_the_pdf():
    fonts = embedded_fonts(one_line(STORE, pdf_font()))
    assert [name for name in fonts if name.startswith("WenQuanYiMicroHei")], fonts
