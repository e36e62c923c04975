"""govcase: turn Chinese community-governance case reports into a comparable case database.

The public library API lives in :mod:`pipeline.api`; the ``govcase`` command
(:mod:`pipeline.cli`) is a thin face over it.
"""

__version__ = "0.1.0"
