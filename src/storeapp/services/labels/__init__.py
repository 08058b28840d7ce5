"""Carrier labels: one printable label per parcel of a shipped job, from a carrier-neutral
template (``template``: who sends, who receives, the order, the job, parcel n of N, the weight,
the carrier, the tracking number as text and as a Code 128 barcode), drawn as a 4x6 in PDF
(``pdf``) or as ZPL for thermal printers (``zpl``), and written where the settings say
(``printing``). The same job gives the same bytes, so a reprint is the same label.

Submodules are imported by name; this package imports none of them.
"""
