"""What every PDF of the platform draws with (manifests, parcel labels): its one font, and QR codes.

reportlab's standard fonts (Helvetica) have no Chinese glyphs: a store called 全家信義松仁店 would print
as empty boxes. WenQuanYi Micro Hei covers Traditional and Simplified Chinese as well as Latin, and has
TrueType outlines, which reportlab can embed (it cannot embed the CFF outlines of the Noto CJK .otf
files). The pinned `paperang-p2-fonts-cjk` package ships it, so a machine with only Python needs nothing
else. The font is Apache-2.0 (or GPLv3 with the font exception), so the PDFs may embed it.
"""

from functools import cache
from importlib.resources import files

import segno
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "PickupSans"


def font_path() -> str:
    return str(files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc")


@cache
def pdf_font() -> str:
    """Register the font with reportlab once per process and return its name for `setFont`."""
    # Index 0 of the collection is the proportional face; 1 is its monospaced twin.
    pdfmetrics.registerFont(TTFont(FONT_NAME, font_path(), subfontIndex=0))
    return FONT_NAME


def draw_qr(pdf, text: str, *, x: float, y: float, size: float, border: int = 0) -> None:
    """The QR code of `text` as filled squares (crisp at any print resolution), `size` wide with its
    bottom-left corner at (x, y); `border` modules of quiet zone are kept inside `size`."""
    matrix = segno.make(text, micro=False, error="m").matrix
    module = size / (len(matrix) + 2 * border)
    pdf.setFillGray(0)
    for row, bits in enumerate(matrix):
        for col, bit in enumerate(bits):
            if bit:
                left = x + (col + border) * module
                pdf.rect(left, y + size - (row + 1 + border) * module, module, module, stroke=0, fill=1)
