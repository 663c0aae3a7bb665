"""The SQLite review session and its audit log (issue 5). See docs/ARCHITECTURE.md, "Session API"."""

from triage.session.schema import MIGRATIONS, SCHEMA_VERSION
from triage.session.store import (
    EVIDENCE_KINDS,
    GATSBY_STATUSES,
    AuditRow,
    DraftRow,
    ManualEvidenceRow,
    RetriageSummary,
    Session,
    SessionError,
    SessionLocked,
    SessionMeta,
    SessionReadOnly,
    SuggestionRow,
    new_session_id,
    sessions_dir,
    text_hash,
)

__all__ = [
    "EVIDENCE_KINDS",
    "GATSBY_STATUSES",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "AuditRow",
    "DraftRow",
    "ManualEvidenceRow",
    "RetriageSummary",
    "Session",
    "SessionError",
    "SessionLocked",
    "SessionMeta",
    "SessionReadOnly",
    "SuggestionRow",
    "new_session_id",
    "sessions_dir",
    "text_hash",
]
