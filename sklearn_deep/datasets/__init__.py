"""Embedded data and generators (no download) for the demo, tests and examples."""

from .synthetic_language import (
    CAPITALS,
    CATEGORIES,
    LANGUAGES,
    category_precision,
    make_synthetic_language,
    write_analogies,
)

__all__ = ["CAPITALS", "CATEGORIES", "LANGUAGES", "category_precision",
           "make_synthetic_language", "write_analogies"]
