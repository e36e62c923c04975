"""The web interface for civil-affairs staff: search, themes, cases and comparison.

Server-rendered pages (Flask + Jinja2, autoescaped, no JavaScript) and a JSON
API over the same library calls; the database is opened read-only.
"""

from .app import create_app, serve

__all__ = ["create_app", "serve"]
