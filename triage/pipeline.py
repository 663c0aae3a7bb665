"""Ingest, chunk and match a pack in one call, reporting progress by stage.

Stages reported through ``progress(stage, done, total)``: "ingest", "embed", "match".
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from triage.chunking import chunk_documents
from triage.embed.base import Embedder
from triage.embed.cache import EmbeddingCache
from triage.ingest import DEFAULT_MAX_BYTES, ingest_pack
from triage.match import suggest
from triage.records import Chunk, Document, MatchResult

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class PackTriage:
    documents: tuple[Document, ...]
    chunks: tuple[Chunk, ...]
    result: MatchResult


def triage_pack(
    inputs: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    provider_type: str,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    embedder: Embedder | None = None,
    cache: EmbeddingCache | None = None,
    password: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> PackTriage:
    """Read the pack, cut it into chunks and suggest evidence for every code.

    Files that cannot be read stay in ``documents`` with their error status; only readable
    documents are chunked. ``cancelled`` is polled between files and embedding batches.
    """
    documents = ingest_pack(
        inputs, max_bytes=max_bytes, password=password, progress=progress, cancelled=cancelled
    )
    if cancelled is not None and cancelled():
        raise InterruptedError("triage cancelled")
    readable = [d for d in documents if d.status in ("ok", "warning") and d.text.strip()]
    chunks = chunk_documents(readable)
    result = suggest(
        documents,
        chunks,
        provider_type=provider_type,
        embedder=embedder,
        cache=cache,
        progress=progress,
        cancelled=cancelled,
    )
    return PackTriage(tuple(documents), tuple(chunks), result)
