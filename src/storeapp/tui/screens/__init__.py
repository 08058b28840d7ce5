"""Screens of the store terminal, one per module."""
