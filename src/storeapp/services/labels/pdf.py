"""A label as a one-page PDF of 4x6 in (102x152 mm), the size carriers' label printers take,
with the tracking number as a Code 128 barcode (reportlab draws it; no font or image is
embedded). Deterministic: the same label gives the same bytes (``invariant``), so a reprint is
byte for byte the label first printed and tests compare files.
"""

from __future__ import annotations

import io

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from storeapp.services.labels.template import Label

PAGE = (4 * inch, 6 * inch)
MARGIN = 12.0
BAR_HEIGHT = 72.0
"""Points; the bars of the barcode and nothing else on the page are this tall."""
WIDEST_BAR = 1.4
"""Points per module at most (0.49 mm): wider bars would not make short numbers read better."""
QUIET = 10
"""Modules of white either side of the bars, as Code 128 asks."""
REGULAR, BOLD = "Helvetica", "Helvetica-Bold"


def barcode(tracking: str, width: float) -> Code128:
    """The tracking number's Code 128 symbol fitted to ``width`` points (quiet zones included)."""
    probe = Code128(tracking, barWidth=1.0, barHeight=BAR_HEIGHT, quiet=0)
    modules = probe.width + 2 * QUIET
    module = min(WIDEST_BAR, width / modules)
    return Code128(
        tracking,
        barWidth=module,
        barHeight=BAR_HEIGHT,
        quiet=1,
        lquiet=QUIET * module,
        rquiet=QUIET * module,
    )


def _fitted(canvas: Canvas, text: str, font: str, size: float, width: float) -> None:
    """Set ``font`` at ``size``, smaller when ``text`` would not fit in ``width`` points (a long
    street name shrinks rather than runs off the label)."""
    wide = stringWidth(text, font, size)
    canvas.setFont(font, size if wide <= width else size * width / wide)


def render_pdf(label: Label, title: str) -> bytes:
    """The label's PDF; ``title`` names the document (the job and parcel)."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=PAGE, invariant=1, pageCompression=0)
    canvas.setTitle(title)
    canvas.setCreator("storeapp")
    width, height = PAGE
    inner = width - 2 * MARGIN
    top = height - MARGIN

    # Sender (left) and carrier (right).
    y = top - 8
    canvas.setFont(REGULAR, 7)
    canvas.drawString(MARGIN, y, label.sender_caption.upper())
    canvas.drawRightString(width - MARGIN, y, label.carrier_caption.upper())
    _fitted(canvas, label.carrier, BOLD, 14, inner * 0.42)
    canvas.drawRightString(width - MARGIN, y - 16, label.carrier)
    y -= 4
    for index, line in enumerate(label.sender):
        y -= 10
        _fitted(canvas, line, BOLD if index == 0 else REGULAR, 9, inner * 0.55)
        canvas.drawString(MARGIN, y, line)
    y -= 10
    canvas.line(MARGIN, y, width - MARGIN, y)

    # Recipient: the largest text of the label.
    y -= 12
    canvas.setFont(REGULAR, 7)
    canvas.drawString(MARGIN, y, label.recipient_caption.upper())
    last = len(label.recipient) - 1
    for index, line in enumerate(label.recipient):
        y -= 17
        main = index in (0, last)
        _fitted(canvas, line, BOLD if main else REGULAR, 14 if main else 12, inner)
        canvas.drawString(MARGIN, y, line)
    y -= 12
    canvas.line(MARGIN, y, width - MARGIN, y)

    # Order, job, parcel, weight.
    for caption, value in label.facts:
        y -= 12
        _fitted(canvas, caption, BOLD, 9, inner * 0.4 if value else inner)
        canvas.drawString(MARGIN, y, caption)
        if value:
            _fitted(canvas, value, REGULAR, 8, inner * 0.6)
            canvas.drawRightString(width - MARGIN, y, value)

    # The tracking number, as bars and as text, at the foot of the page.
    symbol = barcode(label.tracking, inner)
    foot = MARGIN + 30
    symbol.drawOn(canvas, MARGIN + (inner - symbol.width) / 2, foot)
    _fitted(canvas, label.tracking, BOLD, 12, inner)
    canvas.drawCentredString(width / 2, foot - 16, label.tracking)
    canvas.setFont(REGULAR, 7)
    canvas.drawString(MARGIN, foot + BAR_HEIGHT + 6, label.tracking_caption.upper())
    canvas.showPage()
    canvas.save()
    return out.getvalue()
