"""The session database schema as an ordered list of migrations (PRAGMA user_version)."""

from __future__ import annotations

import sqlite3

_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE documents (
    id TEXT PRIMARY KEY,              -- sha256 of the file's bytes
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    size_bytes INTEGER NOT NULL DEFAULT 0,
    page_count INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL DEFAULT '',
    pages TEXT NOT NULL DEFAULT '[]',   -- JSON [[number, start, end], ...]
    blocks TEXT NOT NULL DEFAULT '[]'   -- JSON [[kind, start, end, level], ...]
);
CREATE TABLE chunks (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    doc_name TEXT NOT NULL,
    idx INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    page_start INTEGER NOT NULL,
    page_end INTEGER NOT NULL,
    heading_path TEXT NOT NULL DEFAULT '[]',
    text TEXT NOT NULL,
    text_hash TEXT NOT NULL
);
-- Suggestions keep their own copy of the passage so the audit trail survives a re-triage that
-- drops the chunk; active = 0 marks one retired by a re-triage.
CREATE TABLE suggestions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL,
    chunk_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    doc_name TEXT NOT NULL,
    page INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    rank INTEGER NOT NULL,
    score REAL NOT NULL,
    model_id TEXT NOT NULL,
    criteria_version TEXT NOT NULL,
    signals TEXT NOT NULL DEFAULT '{}',
    needs_review INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE decisions (
    suggestion_id INTEGER PRIMARY KEY REFERENCES suggestions(id),
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
    note TEXT NOT NULL DEFAULT '',
    who TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE manual_evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    doc_id TEXT,
    start INTEGER,
    end INTEGER,
    note TEXT NOT NULL DEFAULT '',
    who TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE ratings (
    code TEXT PRIMARY KEY,
    level TEXT NOT NULL CHECK (level IN ('insufficient_progress', 'good_progress', 'fully_meeting')),
    who TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE overrides (
    section INTEGER PRIMARY KEY,
    outcome TEXT NOT NULL CHECK (outcome IN ('insufficient_progress', 'good_progress', 'fully_meeting')),
    justification TEXT NOT NULL CHECK (length(trim(justification)) > 0),
    who TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE gatsby_status (
    benchmark INTEGER PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('not_met', 'partially_met', 'fully_met')),
    who TEXT NOT NULL,
    at TEXT NOT NULL
);
-- LLM output is kept apart: the rules never read this table.
CREATE TABLE drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    code TEXT,
    suggestion_id INTEGER,
    text TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    who TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    old TEXT,
    new TEXT
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"""

_V2 = """
CREATE INDEX suggestions_by_code ON suggestions(code, active, rank);
CREATE INDEX manual_evidence_by_code ON manual_evidence(code);
CREATE INDEX chunks_by_doc ON chunks(doc_id, idx);
"""

# Append only: each entry upgrades user_version i to i + 1. Never edit a shipped one.
MIGRATIONS: tuple[str, ...] = (_V1, _V2)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring ``conn`` up to SCHEMA_VERSION, one transaction per step. Returns the old version."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    for version in range(current, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return current


def _split(script: str) -> list[str]:
    """Statements of a migration script; triggers keep their inner ';' (sqlite3.complete_statement)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not buf.strip():
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
