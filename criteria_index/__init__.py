"""The Quality in Careers Standard as data: sections, the 32 codes, outcomes, glossary, Gatsby
"what good looks like" and the Careers Impact maturity statements.

    from criteria_index import load_index
    idx = load_index()            # the bundled edition, cached
    idx.code("3.4").description
    idx.text_for("5.1", "college")

A new edition of the Standard is a new data directory (see README.md), loaded with
``load_index(path)``; no code changes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from criteria_index.loader import CriteriaDataError, load_edition
from criteria_index.models import (
    Code,
    CriteriaIndex,
    Descriptor,
    DescriptorNote,
    GatsbyBenchmark,
    GlossaryEntry,
    MaturitySubTheme,
    Outcome,
    ProviderType,
    Section,
)

DATA_DIR = Path(__file__).resolve().parent / "data"

__all__ = [
    "DATA_DIR",
    "Code",
    "CriteriaDataError",
    "CriteriaIndex",
    "Descriptor",
    "DescriptorNote",
    "GatsbyBenchmark",
    "GlossaryEntry",
    "MaturitySubTheme",
    "Outcome",
    "ProviderType",
    "Section",
    "load_index",
]


def load_index(path: str | Path | None = None) -> CriteriaIndex:
    """The criteria index for the edition in ``path`` (default: the bundled edition).

    Cached per directory, so every caller shares one validated, immutable index.
    Raises ``CriteriaDataError`` naming the file and item when a data file is broken.
    """
    return _load_cached(str(Path(path).resolve()) if path is not None else str(DATA_DIR))


@lru_cache(maxsize=8)
def _load_cached(path: str) -> CriteriaIndex:
    return load_edition(Path(path))


load_index.cache_clear = _load_cached.cache_clear  # type: ignore[attr-defined]
