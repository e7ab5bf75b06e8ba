"""The HTTP service: JSON API (OpenAPI at /docs), public pages, admin pages, the cookie banner."""
