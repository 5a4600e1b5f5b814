"""Read a label PDF's barcodes the way a scanner would: rasterise the page and decode what is printed."""

import pypdfium2 as pdfium
import zxingcpp


def printed_codes(data: bytes, index: int = 0) -> dict[str, str]:
    """The text each barcode on the page decodes to, by symbology ('Code128', 'QRCode')."""
    # 203 dpi: what a thermal label printer puts on paper.
    image = pdfium.PdfDocument(data)[index].render(scale=203 / 72, grayscale=True).to_pil()
    return {result.format.name: result.text for result in zxingcpp.read_barcodes(image)}
