"""Scoring, calibration and missing/weak flags: which passages evidence which code.

``suggest(documents, chunks, *, provider_type, ...) -> MatchResult`` is the public entry point;
``scorer_payload(result)`` gives the JSON the evaluation scorer reads.
"""

from triage.match.queries import CodeQueries, QueryDataError, QuerySet, load_queries
from triage.match.suggest import (
    DEFAULT_PARAMS,
    ScoringParams,
    calibrate,
    evidence_model,
    listed,
    scorer_payload,
    split_units,
    suggest,
)

__all__ = [
    "DEFAULT_PARAMS",
    "CodeQueries",
    "QueryDataError",
    "QuerySet",
    "ScoringParams",
    "calibrate",
    "evidence_model",
    "listed",
    "load_queries",
    "scorer_payload",
    "split_units",
    "suggest",
]
