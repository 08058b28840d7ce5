"""The test support library: what tests build, drive and check, shared across test folders.

Test modules import what they need from these modules, never from one another. The conftest
modules hold fixtures only, thin wrappers over this package, and no module ever imports a
conftest (pytest loads them; an import would make a second copy).
``tests/unit/test_test_layout.py`` keeps it that way.
"""
