"""Widgets of the store terminal, one per module."""
