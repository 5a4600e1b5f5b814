"""Look at a PDF as a printer would: rasterise its pages (pdfium), read its text and its fonts."""

import re

import pypdfium2 as pdfium


def page_count(data: bytes) -> int:
    return len(pdfium.PdfDocument(data))


def page_size_mm(data: bytes, index: int = 0) -> tuple[float, float]:
    width, height = pdfium.PdfDocument(data)[index].get_size()
    return round(width / 72 * 25.4, 1), round(height / 72 * 25.4, 1)


def page_text(data: bytes, index: int = 0) -> str:
    return pdfium.PdfDocument(data)[index].get_textpage().get_text_range()


def ink(data: bytes, index: int = 0, scale: float = 2) -> int:
    """How many pixels of the page print dark: what a glyph, a bar or a box puts on paper."""
    image = pdfium.PdfDocument(data)[index].render(scale=scale, grayscale=True).to_pil()
    return sum(image.histogram()[:128])


def bitmap(data: bytes, index: int = 0, scale: float = 2) -> bytes:
    return pdfium.PdfDocument(data)[index].render(scale=scale, grayscale=True).to_pil().tobytes()


def embedded_fonts(data: bytes) -> set[str]:
    """The names of the fonts whose outlines travel inside the PDF (a TrueType `FontFile2` each)."""
    names = set()
    for descriptor in re.findall(rb"<<[^<>]*/Type /FontDescriptor[^<>]*>>", data):
        if b"/FontFile2" in descriptor:
            names.add(re.search(rb"/FontName /(\S+)", descriptor).group(1).decode().split("+")[-1])
    return names
