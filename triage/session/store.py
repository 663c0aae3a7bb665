"""The review session: one SQLite file per assessment, every change committed and audited.

Durability: WAL with synchronous=FULL, and each public write is a single transaction committed
before the method returns, so a decision shown as saved survives a crash or power loss.
Concurrency: a read-write open takes a non-blocking flock on ``<session>.lock``; a second
process gets SessionLocked and may open the file read-only instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import getpass
import hashlib
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from triage.records import OUTCOME_IDS, PROVIDER_TYPES, Assessment, Block, Chunk, Document, MatchResult, Page
from triage.rules import STANDARD_CODES, RulesInput, evaluate, load_rules
from triage.rules.standin import criteria_index_or_standin
from triage.session.schema import SCHEMA_VERSION, migrate

EVIDENCE_KINDS: tuple[str, ...] = (
    "document",
    "learner_voice",
    "partner_statement",
    "staff_interview",
    "observation",
    "other",
)
GATSBY_STATUSES: tuple[str, ...] = ("not_met", "partially_met", "fully_met")
DECISIONS = {"confirm": "confirmed", "reject": "rejected", "confirmed": "confirmed", "rejected": "rejected"}


class SessionError(Exception):
    """A session file cannot be created, opened or written; the message is for the user."""


class SessionLocked(SessionError):
    """Another process has the session open for writing."""


class SessionReadOnly(SessionError):
    """A write was attempted on a session opened read-only."""


@dataclass(frozen=True)
class SessionMeta:
    id: str
    pack_path: str
    provider_type: str
    provider_name: str
    assessor: str
    created_at: str
    model_id: str
    model_hash: str
    criteria_version: str
    rules_version: str
    tool_version: str


@dataclass(frozen=True)
class SuggestionRow:
    id: int
    code: str
    rank: int
    score: float
    chunk_id: str
    doc_id: str
    doc_name: str
    page: int
    start: int
    end: int
    text: str
    decision: str | None  # "confirmed" | "rejected" | None
    note: str
    needs_review: bool
    decided_by: str = ""
    decided_at: str = ""
    active: bool = True
    signals: dict[str, float] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class ManualEvidenceRow:
    id: int
    code: str
    kind: str
    text: str
    doc_id: str | None
    start: int | None
    end: int | None
    note: str
    who: str
    at: str


@dataclass(frozen=True)
class DraftRow:
    id: int
    kind: str
    code: str | None
    suggestion_id: int | None
    text: str
    model: str
    who: str
    at: str


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    who: str
    action: str
    target: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class RetriageSummary:
    kept: int  # suggestions whose (code, passage text) is unchanged: decisions kept
    new: int  # new or changed passages, marked needs_review
    retired: int  # suggestions no longer produced (their decisions stop counting)
    kept_decided: int  # of the kept ones, how many carry a decision
    # Decisions whose passage changed or left the pack: (suggestion id, code, decision). They stop
    # counting, so a confirmed one can lower an outcome; the assessor must be told which.
    lost_decisions: tuple[tuple[int, str, str], ...] = ()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still record something
        return "unknown"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _signals(raw: str | None) -> dict[str, float]:
    """The matcher's signals stored with a suggestion; an unreadable value gives none, not an error."""
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): float(v) for k, v in value.items() if isinstance(v, int | float)}


def _code_key(code: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in code.split("."))
    except ValueError:
        return (99,)


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def new_session_id() -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"


def sessions_dir() -> Path:
    from triage.config import data_dir

    return data_dir() / "sessions"


def _known_codes() -> tuple[str, ...]:
    try:
        return tuple(c.code for c in criteria_index_or_standin().codes)
    except Exception:  # a half-written index must not block the assessor's work
        return STANDARD_CODES


class Session:
    """An open review session. Use :meth:`create` or :meth:`open`; close it (or use ``with``)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, lock_fd: int | None, read_only: bool):
        self.path = path
        self.read_only = read_only
        self._conn = conn
        self._lock_fd = lock_fd
        self._mutex = threading.RLock()  # the TUI writes from worker threads
        self._codes: frozenset[str] | None = None
        self.id = self._meta_value("id")

    # ---- opening and closing -------------------------------------------------------------

    @staticmethod
    def lock_path(path: Path) -> Path:
        return path.with_name(path.name + ".lock")

    @staticmethod
    def _take_lock(path: Path) -> int:
        try:
            fd = os.open(Session.lock_path(path), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise SessionError(
                f"cannot write next to {path} ({exc.strerror}); open it read-only or copy it somewhere writable"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SessionLocked(
                f"session {path} is open in another process; close it there or open it read-only"
            ) from None
        return fd

    @staticmethod
    def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
        if read_only:
            conn = sqlite3.connect(
                f"file:{quote(str(path))}?mode=ro",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
                timeout=10,
            )
        else:
            conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA foreign_keys = ON")
        if not read_only:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise SessionError(f"cannot use write-ahead logging for {path} (journal mode {mode})")
            conn.execute("PRAGMA synchronous = FULL")
        return conn

    @classmethod
    def create(
        cls,
        path: Path | str | None,
        *,
        pack_path: str,
        provider_type: str,
        provider_name: str = "",
        assessor: str = "",
        who: str | None = None,
    ) -> Session:
        """Create a new, empty session file. ``path`` None -> data_dir()/sessions/<id>.sqlite."""
        if provider_type not in PROVIDER_TYPES:
            raise ValueError(f"provider type {provider_type!r} is not one of {', '.join(PROVIDER_TYPES)}")
        session_id = new_session_id()
        path = Path(path) if path else sessions_dir() / f"{session_id}.sqlite"
        if path.exists() and path.stat().st_size > 0:
            raise SessionError(f"{path} already exists; open it instead or choose another --session path")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SessionError(f"cannot create the folder for {path}: {exc.strerror}") from None
        lock_fd = cls._take_lock(path)
        try:
            conn = cls._connect(path, read_only=False)
            migrate(conn)
            from triage import __version__

            try:
                rules_version = load_rules().version
            except Exception:  # a broken rules file is reported when the outcome is computed
                rules_version = ""
            meta = {
                "id": session_id,
                "pack_path": str(pack_path),
                "provider_type": provider_type,
                "provider_name": provider_name,
                "assessor": assessor,
                "created_at": _now(),
                "model_id": "",
                "model_hash": "",
                "criteria_version": "",
                "rules_version": rules_version,
                "tool_version": __version__,
            }
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", meta.items())
            conn.execute(
                "INSERT INTO audit_log(at, who, action, target, old, new) VALUES (?, ?, ?, ?, ?, ?)",
                (meta["created_at"], who or _user(), "create", "session", None, _dump(meta)),
            )
            conn.execute("COMMIT")
        except BaseException:
            os.close(lock_fd)
            raise
        return cls(path, conn, lock_fd, read_only=False)

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False) -> Session:
        """Open an existing session; migrates an older schema when opened read-write."""
        path = Path(path)
        if not path.is_file():
            raise SessionError(f"no session file at {path}")
        lock_fd = None if read_only else cls._take_lock(path)
        conn = None
        try:
            try:
                conn = cls._connect(path, read_only)
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version == 0:
                    # Never run migration 1 on a file we did not create: it may be someone else's database.
                    raise SessionError(f"{path} is not a triage session (no session schema)")
                if version > SCHEMA_VERSION:
                    raise SessionError(
                        f"{path} was written by a newer version of triage (schema {version}); upgrade triage"
                    )
                if version < SCHEMA_VERSION:
                    if read_only:
                        raise SessionError(
                            f"{path} uses an older schema ({version}); open it once read-write to upgrade it"
                        )
                    migrate(conn)
                row = conn.execute("SELECT value FROM meta WHERE key = 'id'").fetchone()
            except sqlite3.DatabaseError as exc:
                raise SessionError(f"{path} is not a readable triage session ({exc})") from None
            if row is None:
                raise SessionError(f"{path} is not a triage session (it has no session id)")
        except BaseException:
            if conn is not None:
                conn.close()
            if lock_fd is not None:
                os.close(lock_fd)
            raise
        return cls(path, conn, lock_fd, read_only)

    def close(self) -> None:
        with self._mutex:
            if self._conn is not None:
                self._conn.close()
                self._conn = None  # type: ignore[assignment]
            if self._lock_fd is not None:
                os.close(self._lock_fd)  # closing the descriptor releases the flock
                self._lock_fd = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Session({str(self.path)!r}, read_only={self.read_only})"

    # ---- plumbing ------------------------------------------------------------------------

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._mutex:
            if self._conn is None:
                raise SessionError("session is closed")
            return self._conn.execute(sql, params).fetchall()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction; the caller appends its audit rows inside it."""
        if self.read_only:
            raise SessionReadOnly(f"session {self.path} is open read-only; no changes can be saved")
        with self._mutex:
            if self._conn is None:
                raise SessionError("session is closed")
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    @staticmethod
    def _audit(
        conn: sqlite3.Connection, who: str | None, action: str, target: str, old: Any, new: Any
    ) -> None:
        conn.execute(
            "INSERT INTO audit_log(at, who, action, target, old, new) VALUES (?, ?, ?, ?, ?, ?)",
            (_now(), who or _user(), action, target, _dump(old), _dump(new)),
        )

    def _meta_value(self, key: str) -> str:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else ""

    def _check_code(self, code: str) -> str:
        if self._codes is None:
            self._codes = frozenset(_known_codes())
        if code not in self._codes:
            raise ValueError(f"unknown code {code!r}; codes run from 1.1 to 8.4 as in the Assessment Guide")
        return code

    @staticmethod
    def _check_section(section: int, what: str = "section") -> int:
        if isinstance(section, bool) or not isinstance(section, int) or not 1 <= section <= 8:
            raise ValueError(f"{what} must be a number from 1 to 8, got {section!r}")
        return section

    # ---- metadata ------------------------------------------------------------------------

    @property
    def meta(self) -> SessionMeta:
        values = {r["key"]: r["value"] for r in self._query("SELECT key, value FROM meta")}
        return SessionMeta(**{f: values.get(f, "") for f in SessionMeta.__dataclass_fields__})

    @property
    def provider_type(self) -> str:
        return self._meta_value("provider_type")

    def set_meta(
        self, *, provider_name: str | None = None, assessor: str | None = None, who: str | None = None
    ) -> None:
        changes = {
            k: v for k, v in (("provider_name", provider_name), ("assessor", assessor)) if v is not None
        }
        with self._write() as conn:
            for key, value in changes.items():
                old = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
                conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))
                self._audit(conn, who, "set_meta", key, old["value"] if old else None, value)

    def set_provider_type(self, provider_type: str, *, who: str | None = None) -> None:
        if provider_type not in PROVIDER_TYPES:
            raise ValueError(f"provider type {provider_type!r} is not one of {', '.join(PROVIDER_TYPES)}")
        with self._write() as conn:
            old = conn.execute("SELECT value FROM meta WHERE key = 'provider_type'").fetchone()["value"]
            conn.execute("UPDATE meta SET value = ? WHERE key = 'provider_type'", (provider_type,))
            self._audit(conn, who, "provider_type", "session", old, provider_type)

    def match_summary(self) -> dict[str, Any]:
        """What the matcher reported beyond the suggestions: missing/weak codes, threshold, best scores."""
        raw = self._meta_value("match")
        return json.loads(raw) if raw else {}

    # ---- documents, chunks and suggestions -------------------------------------------------

    def record_triage(
        self,
        documents: Iterable[Document],
        chunks: Iterable[Chunk],
        result: MatchResult,
        *,
        who: str | None = None,
    ) -> RetriageSummary:
        """Store the pack's documents (full text), chunks and suggestions.

        On a session that already has suggestions this is a re-triage: a suggestion whose code and
        passage text are unchanged keeps its id and decision; new or changed passages are marked
        needs_review; suggestions no longer produced are retired (kept for the audit trail but no
        longer counted). Everything happens in one transaction.
        """
        documents, chunks = list(documents), list(chunks)
        with self._write() as conn:
            # Retired suggestions that carry a decision come back when their passage does (a file
            # left out of one re-triage and restored in the next); decided rows are matched first.
            existing = conn.execute(
                "SELECT s.id, s.code, s.text_hash, s.active, d.decision FROM suggestions s "
                "LEFT JOIN decisions d ON d.suggestion_id = s.id "
                "WHERE s.active = 1 OR d.decision IS NOT NULL "
                "ORDER BY s.code, d.decision IS NULL, s.active DESC, s.rank, s.id"
            ).fetchall()
            retriage = bool(existing)
            old_docs = {r["id"]: r["name"] for r in conn.execute("SELECT id, name FROM documents")}
            conn.execute("DELETE FROM chunks")
            conn.execute("DELETE FROM documents")
            for pos, doc in enumerate(documents):
                conn.execute(
                    "INSERT OR REPLACE INTO documents(id, position, name, path, type, status, message, title, "
                    "size_bytes, page_count, text, pages, blocks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        doc.id,
                        pos,
                        doc.name,
                        doc.path,
                        doc.type,
                        doc.status,
                        doc.message,
                        doc.title,
                        doc.size_bytes,
                        doc.page_count,
                        doc.text,
                        json.dumps([[p.number, p.start, p.end] for p in doc.pages]),
                        json.dumps([[b.kind, b.start, b.end, b.level] for b in doc.blocks]),
                    ),
                )
            chunk_by_hash: dict[str, Chunk] = {}
            for ch in chunks:
                h = text_hash(ch.text)
                chunk_by_hash.setdefault(h, ch)
                conn.execute(
                    "INSERT OR REPLACE INTO chunks(id, doc_id, doc_name, idx, start, end, page_start, page_end, "
                    "heading_path, text, text_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        ch.id,
                        ch.doc_id,
                        ch.doc_name,
                        ch.index,
                        ch.start,
                        ch.end,
                        ch.page_start,
                        ch.page_end,
                        json.dumps(list(ch.heading_path)),
                        ch.text,
                        h,
                    ),
                )

            pool: dict[tuple[str, str], list[sqlite3.Row]] = {}
            for row in existing:
                pool.setdefault((row["code"], row["text_hash"]), []).append(row)
            kept = new = kept_decided = 0
            for s in result.suggestions:
                h = text_hash(s.text)
                fields = (
                    s.chunk_id,
                    s.doc_id,
                    s.doc_name,
                    s.page,
                    s.start,
                    s.end,
                    s.text,
                    h,
                    s.rank,
                    float(s.score),
                    result.model_id,
                    result.criteria_version,
                    json.dumps({k: float(v) for k, v in s.signals.items()}, sort_keys=True),
                )
                match = pool.get((s.code, h))
                if match:
                    row = match.pop(0)
                    if not row["active"]:
                        self._audit_restore(conn, who, row)
                    kept += 1
                    kept_decided += row["decision"] is not None
                    conn.execute(
                        "UPDATE suggestions SET chunk_id = ?, doc_id = ?, doc_name = ?, page = ?, start = ?, "
                        "end = ?, text = ?, text_hash = ?, rank = ?, score = ?, model_id = ?, "
                        "criteria_version = ?, signals = ?, active = 1 WHERE id = ?",
                        (*fields, row["id"]),
                    )
                else:
                    new += 1
                    conn.execute(
                        "INSERT INTO suggestions(chunk_id, doc_id, doc_name, page, start, end, text, text_hash, "
                        "rank, score, model_id, criteria_version, signals, code, needs_review) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (*fields, s.code, int(retriage)),
                    )
            retired = 0
            lost: list[tuple[int, str, str]] = []
            for rows in pool.values():
                for row in rows:
                    moved = chunk_by_hash.get(row["text_hash"])
                    if not row["active"] and moved is None:
                        continue  # retired before, and its passage is still gone
                    if row["decision"] is not None and moved is not None:
                        # The matcher no longer ranks it, but the confirmed/rejected passage is still in
                        # the pack word for word: the assessor's decision stands.
                        kept += 1
                        kept_decided += 1
                        home = next((d for d in documents if d.id == moved.doc_id), None)
                        page = home.page_at(moved.start) if home else moved.page_start
                        if not row["active"]:
                            self._audit_restore(conn, who, row)
                        conn.execute(
                            "UPDATE suggestions SET chunk_id = ?, doc_id = ?, doc_name = ?, page = ?, start = ?, "
                            "end = ?, active = 1 WHERE id = ?",
                            (moved.id, moved.doc_id, moved.doc_name, page, moved.start, moved.end, row["id"]),
                        )
                        continue
                    retired += 1
                    conn.execute("UPDATE suggestions SET active = 0 WHERE id = ?", (row["id"],))
                    if row["decision"] is not None:
                        lost.append((row["id"], row["code"], row["decision"]))
                        self._audit(
                            conn,
                            who,
                            "retire",
                            f"suggestion {row['id']}",
                            {"code": row["code"], "decision": row["decision"]},
                            "passage changed or removed; no longer counted",
                        )
            meta = {
                "model_id": result.model_id,
                "model_hash": result.model_hash,
                "criteria_version": result.criteria_version,
                "match": json.dumps(
                    {
                        "provider_type": result.provider_type,
                        "missing": list(result.missing),
                        "weak": list(result.weak),
                        "best_score": result.best_score,
                        "threshold": result.threshold,
                        "weak_margin": result.weak_margin,
                    },
                    sort_keys=True,
                ),
            }
            conn.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", meta.items())
            summary = RetriageSummary(
                kept=kept,
                new=new,
                retired=retired,
                kept_decided=kept_decided,
                lost_decisions=tuple(sorted(lost)),
            )
            new_docs = {d.id: d.name for d in documents}
            counts = {
                "documents": len(documents),
                "chunks": len(chunks),
                "suggestions": len(result.suggestions),
                "model_id": result.model_id,
            }
            if retriage:
                counts.update(
                    kept=summary.kept,
                    needs_review=summary.new,
                    retired=summary.retired,
                    changed_documents=sorted(n for i, n in new_docs.items() if i not in old_docs),
                )
                self._audit(conn, who, "retriage", "pack", {"documents": sorted(old_docs.values())}, counts)
            else:
                self._audit(conn, who, "triage", "pack", None, counts)
        return summary

    def _audit_restore(self, conn: sqlite3.Connection, who: str | None, row: sqlite3.Row) -> None:
        self._audit(
            conn,
            who,
            "restore",
            f"suggestion {row['id']}",
            "passage changed or removed; no longer counted",
            {"code": row["code"], "decision": row["decision"]},
        )

    def retriage(
        self,
        documents: Iterable[Document],
        chunks: Iterable[Chunk],
        result: MatchResult,
        *,
        who: str | None = None,
    ) -> RetriageSummary:
        """Re-run of the pack: same as :meth:`record_triage` on a session with suggestions."""
        return self.record_triage(documents, chunks, result, who=who)

    def documents(self) -> list[Document]:
        return [self._doc(r) for r in self._query("SELECT * FROM documents ORDER BY position")]

    def document(self, doc_id: str) -> Document:
        rows = self._query("SELECT * FROM documents WHERE id = ?", (doc_id,))
        if not rows:
            raise KeyError(f"no document {doc_id!r} in this session")
        return self._doc(rows[0])

    @staticmethod
    def _doc(r: sqlite3.Row) -> Document:
        return Document(
            id=r["id"],
            name=r["name"],
            path=r["path"],
            type=r["type"],
            status=r["status"],
            message=r["message"],
            text=r["text"],
            pages=tuple(Page(*p) for p in json.loads(r["pages"])),
            blocks=tuple(Block(*b) for b in json.loads(r["blocks"])),
            title=r["title"],
            size_bytes=r["size_bytes"],
        )

    def chunks(self, doc_id: str | None = None) -> list[Chunk]:
        if doc_id is None:
            rows = self._query(
                "SELECT c.* FROM chunks c JOIN documents d ON d.id = c.doc_id ORDER BY d.position, c.idx"
            )
        else:
            rows = self._query("SELECT * FROM chunks WHERE doc_id = ? ORDER BY idx", (doc_id,))
        return [self._chunk(r) for r in rows]

    def chunk(self, chunk_id: str) -> Chunk:
        rows = self._query("SELECT * FROM chunks WHERE id = ?", (chunk_id,))
        if not rows:
            raise KeyError(f"no chunk {chunk_id!r} in this session")
        return self._chunk(rows[0])

    @staticmethod
    def _chunk(r: sqlite3.Row) -> Chunk:
        return Chunk(
            id=r["id"],
            doc_id=r["doc_id"],
            doc_name=r["doc_name"],
            start=r["start"],
            end=r["end"],
            text=r["text"],
            page_start=r["page_start"],
            page_end=r["page_end"],
            heading_path=tuple(json.loads(r["heading_path"])),
            index=r["idx"],
        )

    _SUGGESTION_SQL = (
        "SELECT s.*, d.decision, COALESCE(d.note, '') AS note, COALESCE(d.who, '') AS decided_by, "
        "COALESCE(d.at, '') AS decided_at FROM suggestions s LEFT JOIN decisions d ON d.suggestion_id = s.id"
    )

    @staticmethod
    def _suggestion(r: sqlite3.Row) -> SuggestionRow:
        return SuggestionRow(
            id=r["id"],
            code=r["code"],
            rank=r["rank"],
            score=r["score"],
            chunk_id=r["chunk_id"],
            doc_id=r["doc_id"],
            doc_name=r["doc_name"],
            page=r["page"],
            start=r["start"],
            end=r["end"],
            text=r["text"],
            decision=r["decision"],
            note=r["note"],
            needs_review=bool(r["needs_review"]),
            decided_by=r["decided_by"],
            decided_at=r["decided_at"],
            active=bool(r["active"]),
            signals=_signals(r["signals"]),
        )

    def suggestions(self, code: str | None = None, *, include_retired: bool = False) -> list[SuggestionRow]:
        """Suggestions in code order then rank; retired ones (after a re-triage) only when asked."""
        where, params = [], []
        if code is not None:
            where.append("s.code = ?")
            params.append(code)
        if not include_retired:
            where.append("s.active = 1")
        sql = self._SUGGESTION_SQL + (" WHERE " + " AND ".join(where) if where else "")
        rows = [self._suggestion(r) for r in self._query(sql, params)]
        return sorted(rows, key=lambda s: (_code_key(s.code), not s.active, s.rank, s.id))

    def suggestion(self, suggestion_id: int) -> SuggestionRow:
        rows = self._query(self._SUGGESTION_SQL + " WHERE s.id = ?", (int(suggestion_id),))
        if not rows:
            raise KeyError(f"no suggestion {suggestion_id} in this session")
        return self._suggestion(rows[0])

    # ---- the assessor's inputs -----------------------------------------------------------

    def decide(
        self, suggestion_id: int, decision: str, *, note: str | None = None, who: str | None = None
    ) -> None:
        """Confirm or reject a suggestion; committed before returning.

        ``note=None`` keeps the note already written for this suggestion (changing one's mind must
        not drop it); ``note=""`` clears it.
        """
        if decision not in DECISIONS:
            raise ValueError(f"decision must be 'confirm' or 'reject', got {decision!r}")
        state = DECISIONS[decision]
        who = who or _user()
        with self._write() as conn:
            row = conn.execute(
                "SELECT s.active, s.code, d.decision, d.note FROM suggestions s LEFT JOIN decisions d "
                "ON d.suggestion_id = s.id WHERE s.id = ?",
                (int(suggestion_id),),
            ).fetchone()
            if row is None:
                raise KeyError(f"no suggestion {suggestion_id} in this session")
            if not row["active"]:
                raise ValueError(
                    f"suggestion {suggestion_id} was retired by a re-triage (its passage changed)"
                )
            if note is None:
                note = row["note"] or ""
            conn.execute(
                "INSERT OR REPLACE INTO decisions(suggestion_id, decision, note, who, at) VALUES (?, ?, ?, ?, ?)",
                (int(suggestion_id), state, note, who, _now()),
            )
            conn.execute("UPDATE suggestions SET needs_review = 0 WHERE id = ?", (int(suggestion_id),))
            old = {"decision": row["decision"], "note": row["note"]} if row["decision"] else None
            self._audit(
                conn,
                who,
                "decide",
                f"suggestion {suggestion_id}",
                old,
                {"code": row["code"], "decision": state, "note": note},
            )

    def undo_decision(self, suggestion_id: int, *, who: str | None = None) -> None:
        """Return a suggestion to undecided; the audit log keeps what it was."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT s.code, d.decision, d.note FROM suggestions s LEFT JOIN decisions d "
                "ON d.suggestion_id = s.id WHERE s.id = ?",
                (int(suggestion_id),),
            ).fetchone()
            if row is None:
                raise KeyError(f"no suggestion {suggestion_id} in this session")
            if row["decision"] is None:
                return
            conn.execute("DELETE FROM decisions WHERE suggestion_id = ?", (int(suggestion_id),))
            self._audit(
                conn,
                who,
                "undo",
                f"suggestion {suggestion_id}",
                {"code": row["code"], "decision": row["decision"], "note": row["note"]},
                None,
            )

    def add_manual_evidence(
        self,
        code: str,
        *,
        kind: str,
        text: str,
        doc_id: str | None = None,
        start: int | None = None,
        end: int | None = None,
        note: str = "",
        who: str | None = None,
    ) -> int:
        self._check_code(code)
        if kind not in EVIDENCE_KINDS:
            raise ValueError(f"evidence kind {kind!r} is not one of {', '.join(EVIDENCE_KINDS)}")
        if not text.strip():
            raise ValueError(
                "manual evidence needs some text (a quote or a summary of what was seen or heard)"
            )
        if (start is None) != (end is None) or (
            start is not None and end is not None and not 0 <= start <= end
        ):
            raise ValueError("give both start and end offsets, with start <= end")
        who = who or _user()
        with self._write() as conn:
            if doc_id is not None:
                doc = conn.execute(
                    "SELECT length(text) AS n FROM documents WHERE id = ?", (doc_id,)
                ).fetchone()
                if doc is None:
                    raise KeyError(f"no document {doc_id!r} in this session")
                if end is not None and end > doc["n"]:
                    raise ValueError(f"offset {end} is past the end of the document ({doc['n']} characters)")
            cur = conn.execute(
                "INSERT INTO manual_evidence(code, kind, text, doc_id, start, end, note, who, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (code, kind, text, doc_id, start, end, note, who, _now()),
            )
            evidence_id = int(cur.lastrowid or 0)
            self._audit(
                conn,
                who,
                "evidence_add",
                f"evidence {evidence_id}",
                None,
                {
                    "code": code,
                    "kind": kind,
                    "text": text,
                    "doc_id": doc_id,
                    "start": start,
                    "end": end,
                    "note": note,
                },
            )
        return evidence_id

    def remove_manual_evidence(self, evidence_id: int, *, who: str | None = None) -> None:
        with self._write() as conn:
            row = conn.execute("SELECT * FROM manual_evidence WHERE id = ?", (int(evidence_id),)).fetchone()
            if row is None:
                raise KeyError(f"no manual evidence {evidence_id} in this session")
            conn.execute("DELETE FROM manual_evidence WHERE id = ?", (int(evidence_id),))
            self._audit(
                conn,
                who,
                "evidence_remove",
                f"evidence {evidence_id}",
                {k: row[k] for k in ("code", "kind", "text", "doc_id", "start", "end", "note")},
                None,
            )

    def manual_evidence(self, code: str | None = None) -> list[ManualEvidenceRow]:
        if code is None:
            rows = self._query("SELECT * FROM manual_evidence ORDER BY id")
        else:
            rows = self._query("SELECT * FROM manual_evidence WHERE code = ? ORDER BY id", (code,))
        out = [
            ManualEvidenceRow(
                r["id"],
                r["code"],
                r["kind"],
                r["text"],
                r["doc_id"],
                r["start"],
                r["end"],
                r["note"],
                r["who"],
                r["at"],
            )
            for r in rows
        ]
        return sorted(out, key=lambda e: (_code_key(e.code), e.id))

    def rate(self, code: str, level: str | None, *, who: str | None = None) -> None:
        """Set (or with None, clear) the assessor's level for a code."""
        self._check_code(code)
        if level is not None and level not in OUTCOME_IDS:
            raise ValueError(f"level {level!r} is not one of {', '.join(OUTCOME_IDS)}")
        who = who or _user()
        with self._write() as conn:
            old = conn.execute("SELECT level FROM ratings WHERE code = ?", (code,)).fetchone()
            old_level = old["level"] if old else None
            if old_level == level:
                return
            if level is None:
                conn.execute("DELETE FROM ratings WHERE code = ?", (code,))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO ratings(code, level, who, at) VALUES (?, ?, ?, ?)",
                    (code, level, who, _now()),
                )
            self._audit(conn, who, "rate", f"code {code}", old_level, level)

    def ratings(self) -> dict[str, str]:
        rows = self._query("SELECT code, level FROM ratings")
        return {r["code"]: r["level"] for r in sorted(rows, key=lambda r: _code_key(r["code"]))}

    def override(self, section: int, outcome: str, justification: str, *, who: str | None = None) -> None:
        """Replace a section's computed outcome (best-fit judgement); a justification is required."""
        self._check_section(section)
        if outcome not in OUTCOME_IDS:
            raise ValueError(f"outcome {outcome!r} is not one of {', '.join(OUTCOME_IDS)}")
        if not justification or not justification.strip():
            raise ValueError("an override needs a justification (why the best-fit judgement differs)")
        who = who or _user()
        with self._write() as conn:
            old = conn.execute(
                "SELECT outcome, justification FROM overrides WHERE section = ?", (section,)
            ).fetchone()
            conn.execute(
                "INSERT OR REPLACE INTO overrides(section, outcome, justification, who, at) VALUES (?, ?, ?, ?, ?)",
                (section, outcome, justification.strip(), who, _now()),
            )
            self._audit(
                conn,
                who,
                "override",
                f"section {section}",
                dict(old) if old else None,
                {"outcome": outcome, "justification": justification.strip()},
            )

    def clear_override(self, section: int, *, who: str | None = None) -> bool:
        """Remove the section's override; False when it had none (nothing is logged then)."""
        self._check_section(section)
        with self._write() as conn:
            old = conn.execute(
                "SELECT outcome, justification FROM overrides WHERE section = ?", (section,)
            ).fetchone()
            if old is None:
                return False
            conn.execute("DELETE FROM overrides WHERE section = ?", (section,))
            self._audit(conn, who, "override_clear", f"section {section}", dict(old), None)
            return True

    def overrides(self) -> dict[int, tuple[str, str]]:
        rows = self._query("SELECT section, outcome, justification FROM overrides ORDER BY section")
        return {r["section"]: (r["outcome"], r["justification"]) for r in rows}

    def set_gatsby_status(self, benchmark: int, status: str | None, *, who: str | None = None) -> None:
        """The provider's Gatsby Benchmark indicator status (e.g. from Compass); None clears it."""
        self._check_section(benchmark, "benchmark")
        if status is not None and status not in GATSBY_STATUSES:
            raise ValueError(f"Gatsby status {status!r} is not one of {', '.join(GATSBY_STATUSES)}")
        who = who or _user()
        with self._write() as conn:
            old = conn.execute(
                "SELECT status FROM gatsby_status WHERE benchmark = ?", (benchmark,)
            ).fetchone()
            old_status = old["status"] if old else None
            if old_status == status:
                return
            if status is None:
                conn.execute("DELETE FROM gatsby_status WHERE benchmark = ?", (benchmark,))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO gatsby_status(benchmark, status, who, at) VALUES (?, ?, ?, ?)",
                    (benchmark, status, who, _now()),
                )
            self._audit(conn, who, "gatsby", f"benchmark {benchmark}", old_status, status)

    def gatsby_status(self) -> dict[int, str]:
        return {
            r["benchmark"]: r["status"]
            for r in self._query("SELECT benchmark, status FROM gatsby_status ORDER BY benchmark")
        }

    # ---- LLM drafts (never read by the rules) ----------------------------------------------

    def add_draft(
        self,
        kind: str,
        text: str,
        *,
        code: str | None = None,
        suggestion_id: int | None = None,
        model: str = "",
        who: str | None = None,
    ) -> int:
        if not kind:
            raise ValueError("a draft needs a kind")
        who = who or _user()
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO drafts(kind, code, suggestion_id, text, model, who, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (kind, code, suggestion_id, text, model, who, _now()),
            )
            draft_id = int(cur.lastrowid or 0)
            self._audit(
                conn,
                who,
                "draft",
                f"draft {draft_id}",
                None,
                {"kind": kind, "code": code, "suggestion_id": suggestion_id, "model": model},
            )
        return draft_id

    def drafts(self, code: str | None = None) -> list[DraftRow]:
        if code is None:
            rows = self._query("SELECT * FROM drafts ORDER BY id")
        else:
            rows = self._query("SELECT * FROM drafts WHERE code = ? ORDER BY id", (code,))
        return [
            DraftRow(
                r["id"], r["kind"], r["code"], r["suggestion_id"], r["text"], r["model"], r["who"], r["at"]
            )
            for r in rows
        ]

    # ---- audit and outcome ---------------------------------------------------------------

    def audit_log(self) -> list[AuditRow]:
        return [
            AuditRow(r["id"], r["at"], r["who"], r["action"], r["target"], r["old"], r["new"])
            for r in self._query("SELECT * FROM audit_log ORDER BY id")
        ]

    def rules_input(self) -> RulesInput:
        """The rules' view of the session: confirmed evidence, ratings, overrides, Gatsby statuses."""
        evidence: dict[str, list[str]] = {}
        with self._mutex:
            confirmed = self._query(
                "SELECT s.id, s.code FROM suggestions s JOIN decisions d ON d.suggestion_id = s.id "
                "WHERE s.active = 1 AND d.decision = 'confirmed' ORDER BY s.id"
            )
            manual = self._query("SELECT id, code FROM manual_evidence ORDER BY id")
            unreviewed = self._query(
                "SELECT count(*) AS n FROM suggestions s LEFT JOIN decisions d ON d.suggestion_id = s.id "
                "WHERE s.active = 1 AND d.decision IS NULL"
            )[0]["n"]
            for r in confirmed:
                evidence.setdefault(r["code"], []).append(f"s:{r['id']}")
            for r in manual:
                evidence.setdefault(r["code"], []).append(f"m:{r['id']}")
            return RulesInput(
                provider_type=self.provider_type,
                evidence={c: tuple(ids) for c, ids in evidence.items()},
                ratings=self.ratings(),
                overrides=self.overrides(),
                gatsby=self.gatsby_status(),
                unreviewed=int(unreviewed),
            )

    def assessment(self, *, index: Any = None, rules: Any = None) -> Assessment:
        """evaluate(self.rules_input(), load_index(), load_rules())."""
        return evaluate(self.rules_input(), index or criteria_index_or_standin(), rules or load_rules())

    def integrity_check(self) -> str:
        return str(self._query("PRAGMA integrity_check")[0][0])
