"""Consent with proof: give, withdraw, check, history, receipts, one-click withdrawal links.

The Python API is varuh.consent.engine; the CLI (`varuh consent …`) and the HTTP API
(/api/v1/consents) are thin surfaces over it.
"""
