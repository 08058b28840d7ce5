"""A label as ZPL II for thermal label printers (203 dpi, 4x6 in: 812x1218 dots): the same
template as the PDF, the tracking number as the printer's own Code 128 (``^BC``).

Text goes through ``^FH`` so that ``^``, ``~`` and ``_`` in a name or a tracking number are sent
as hex escapes and can never end a field or start a command; ``^CI28`` makes it UTF-8.
"""

from __future__ import annotations

from reportlab.graphics.barcode.code128 import Code128

from storeapp.services.labels.template import Label

WIDTH, HEIGHT = 812, 1218
MARGIN = 30


def _field(x: int, y: int, text: str, size: int, *, bold: bool = False) -> str:
    font = "^A0N," + (f"{size + 4},{size + 2}" if bold else f"{size},{size}")
    return f"^FO{x},{y}{font}^FH^FD{escape(text)}^FS"


def escape(text: str) -> str:
    """``text`` safe inside ``^FH^FD ... ^FS`` (escape character ``_``)."""
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def render_zpl(label: Label) -> bytes:
    out = ["^XA", "^CI28", f"^PW{WIDTH}", f"^LL{HEIGHT}", "^LH0,0"]
    y = MARGIN
    out.append(_field(MARGIN, y, label.sender_caption.upper(), 20))
    out.append(f"^FO{MARGIN},{y}^FB{WIDTH - 2 * MARGIN},1,0,R^A0N,20,20^FH^FD")
    out[-1] += escape(label.carrier_caption.upper()) + "^FS"
    out.append(f"^FO{MARGIN},{y + 28}^FB{WIDTH - 2 * MARGIN},1,0,R^A0N,44,40^FH^FD")
    out[-1] += escape(label.carrier) + "^FS"
    for index, line in enumerate(label.sender):
        y += 30
        out.append(_field(MARGIN, y, line, 26, bold=index == 0))
    y += 44
    out.append(f"^FO{MARGIN},{y}^GB{WIDTH - 2 * MARGIN},3,3^FS")
    y += 16
    out.append(_field(MARGIN, y, label.recipient_caption.upper(), 20))
    last = len(label.recipient) - 1
    for index, line in enumerate(label.recipient):
        y += 50
        out.append(_field(MARGIN, y, line, 40 if index in (0, last) else 34, bold=True))
    y += 60
    out.append(f"^FO{MARGIN},{y}^GB{WIDTH - 2 * MARGIN},3,3^FS")
    for caption, value in label.facts:
        y += 34
        out.append(_field(MARGIN, y, caption, 26, bold=True))
        if value:
            out.append(f"^FO{MARGIN},{y}^FB{WIDTH - 2 * MARGIN},1,0,R^A0N,22,22^FH^FD")
            out[-1] += escape(value) + "^FS"
    foot = HEIGHT - MARGIN - 300
    out.append(_field(MARGIN, foot, label.tracking_caption.upper(), 20))
    # ^BC: Code 128, 200 dots high, the number printed under it, the printer picks the subsets;
    # the module as wide as the label allows (3 dots at most, 1 at least).
    modules = int(Code128(label.tracking, barWidth=1, quiet=0).width)
    module = max(1, min(3, (WIDTH - 2 * MARGIN) // max(modules, 1)))
    left = MARGIN + (WIDTH - 2 * MARGIN - modules * module) // 2
    out.append(f"^FO{max(left, 0)},{foot + 30}^BY{module},3,200^BCN,200,Y,N,N,A^FH^FD")
    out[-1] += escape(label.tracking) + "^FS"
    out.append("^XZ")
    return ("\n".join(out) + "\n").encode("utf-8")
