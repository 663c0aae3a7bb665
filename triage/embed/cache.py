"""SQLite cache of embeddings keyed by (model id, sha256 of the text).

A re-run over the same pack, or a re-opened session, embeds nothing: only texts the cache
has not seen for this model go to the model.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from triage.config import cache_dir
from triage.embed.base import Embedder, layer_model_id

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model_id TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model_id, text_sha256)
)
"""


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def default_cache_path() -> Path:
    return cache_dir() / "embeddings.sqlite"


class EmbeddingCache:
    """Float32 vectors in one SQLite table. Safe to share between threads of one process."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_many(self, model_id: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            for i in range(0, len(unique), 500):
                part = unique[i : i + 500]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT text_sha256, dim, vector FROM embeddings "
                    f"WHERE model_id = ? AND text_sha256 IN ({marks})",
                    [model_id, *part],
                ).fetchall()
                for key, dim, blob in rows:
                    vec = np.frombuffer(blob, dtype=np.float32)
                    if vec.shape[0] == dim:
                        found[key] = vec
        return found

    def put_many(self, model_id: str, items: Sequence[tuple[str, np.ndarray]]) -> None:
        if not items:
            return
        rows = [
            (model_id, key, int(vec.shape[0]), np.asarray(vec, dtype=np.float32).tobytes())
            for key, vec in items
        ]
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)", rows)
            self._db.commit()

    def count(self, model_id: str | None = None) -> int:
        with self._lock:
            if model_id is None:
                return int(self._db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])
            return int(
                self._db.execute(
                    "SELECT COUNT(*) FROM embeddings WHERE model_id = ?", (model_id,)
                ).fetchone()[0]
            )


def encode_cached(
    embedder: Embedder,
    texts: Sequence[str],
    cache: EmbeddingCache | None,
    *,
    batch_size: int = 32,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    with_layer: bool = False,
) -> np.ndarray:
    """Embed ``texts`` (rows in the same order), reusing and filling the cache.

    Texts are deduplicated first; the uncached ones go to the model in batches so progress
    can be reported and a cancel honoured between batches. With ``with_layer`` each row is the
    sentence vector followed by the embedder's middle-layer view (``encode_with_layer``), both
    cached, under the model id and under ``layer_model_id`` of it.
    """
    ids = [embedder.model_id] + ([layer_model_id(embedder.model_id)] if with_layer else [])
    dim = embedder.dim
    out = np.zeros((len(texts), dim * len(ids)), dtype=np.float32)
    if not texts:
        return out
    encode = embedder.encode_with_layer if with_layer else embedder.encode  # type: ignore[attr-defined]
    keys = [text_key(t) for t in texts]
    known = [cache.get_many(m, keys) if cache is not None else {} for m in ids]
    todo: dict[str, str] = {}
    for key, text in zip(keys, texts, strict=True):
        if key not in todo and any(key not in k for k in known):
            todo[key] = text
    todo_keys = list(todo)
    # Longest first keeps padding waste low inside each batch.
    todo_keys.sort(key=lambda k: -len(todo[k]))
    total = len(todo_keys)
    expect = getattr(embedder, "expect", None)
    if callable(expect):  # lets an embedder choose its runtime by the size of the whole job
        expect(total)
    step = max(batch_size * 2, 64)
    for i in range(0, total, step):
        if cancelled is not None and cancelled():
            raise InterruptedError("embedding cancelled")
        part = todo_keys[i : i + step]
        vecs = encode([todo[k] for k in part], batch_size=batch_size)
        for j, (model_id, found) in enumerate(zip(ids, known, strict=True)):
            fresh = [(key, vec[j * dim : (j + 1) * dim]) for key, vec in zip(part, vecs, strict=True)]
            found.update(fresh)
            if cache is not None:
                cache.put_many(model_id, fresh)
        if progress is not None:
            progress(min(i + step, total), total)
    for i, key in enumerate(keys):
        out[i] = np.concatenate([k[key] for k in known])
    return out
