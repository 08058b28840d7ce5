"""The store's sentences: every text that both the ``storeapp`` command and the terminal UI show.

One home for store sentences
----------------------------
Why an order went where it went, a job's state, why a scan, a pick or a count was refused, how
long ago or how late: each of these is written here once. The command and the screens used to
keep their own copies, and the copies drifted (a span switched to days in one front end and not
in the other); now both call the same function, so they say the same thing, and each text has
one French translation, in ``locale/fr/LC_MESSAGES/common.po`` (``tests/storeapp/test_wording.py``
fails when a text of this package has no entry there, or one with other ``{fields}``).

This package imports no front end: neither ``rich`` nor ``textual`` nor ``storeapp.tui`` nor
``storeapp.cli``. Its functions return plain ``str`` (or small dataclasses of them), translated
through ``storeapp.i18n`` for the active locale; the command adds its Rich styles and the screens
their widgets. That is what lets either front end use it without pulling in the other, and what
keeps this package free of import cycles. Where a sentence tells staff how to act in one front end
(``storeapp sync --once`` against F5), the front end passes that hint in. Texts only one front end
shows stay with it.

Modules: ``figures`` (numbers, amounts, spans, ages, days, distances), ``catalog`` (barcodes and
items named by what was scanned or typed), ``orders`` (routing explanations, alternatives, order
form problems), ``jobs`` (job states and kinds, short-pick reasons, where a job goes, pick
refusals), ``counts`` (count-task reasons, count refusals), ``manager`` (the day's queue and
the sales reports), ``sizes`` (how an offered size fits: same size, sister size, nearby size)
and ``staff`` (who is signed in, sign-in refusals). This module imports none of them: import the
one you need.
"""
