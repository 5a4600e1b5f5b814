"""The pickup code as a QR code and a Code 128 barcode, as data URIs for an <img>."""

import base64

import barcode
import segno
from barcode.writer import SVGWriter


def qr_data_uri(code: str) -> str:
    return segno.make(code, micro=False, error="m").svg_data_uri(scale=6, border=2)


def barcode_data_uri(code: str) -> str:
    svg = barcode.get("code128", code, writer=SVGWriter()).render(
        writer_options={"module_height": 15, "quiet_zone": 4, "write_text": False}
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
