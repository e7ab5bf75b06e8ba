"""Varuh: make an organisation's privacy policy executable."""

__version__ = "0.1.0"
