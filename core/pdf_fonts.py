"""The one font every PDF of the platform sets its text in (manifests, parcel labels).

reportlab's standard fonts (Helvetica) have no Chinese glyphs: a store called 全家信義松仁店 would print
as empty boxes. WenQuanYi Micro Hei covers Traditional and Simplified Chinese as well as Latin, and has
TrueType outlines, which reportlab can embed (it cannot embed the CFF outlines of the Noto CJK .otf
files). The pinned `paperang-p2-fonts-cjk` package ships it, so a machine with only Python needs nothing
else. The font is Apache-2.0 (or GPLv3 with the font exception), so the PDFs may embed it.
"""

from functools import cache
from importlib.resources import files

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
