"""The development pack: every file reads cleanly and every gold passage survives intact.

A passage the scorer can only find when 60% of it lies inside one chunk must not be cut by the
loader or the chunker; this is the check that ingest keeps evidence whole.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from triage.chunking import chunk_documents
from triage.ingest import ingest_pack

_QUOTES = {ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u2032\u0060\u00b4"}
_QUOTES.update({ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"})
_QUOTES.update({ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"})
_QUOTES.update({ord(c): None for c in "\u00ad\u200b\u200c\u200d\u2060\ufeff"})


def normalise(text: str) -> str:
    """The scorer's normalisation: NFKC, straight quotes, ASCII hyphens, collapsed space, lower case."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip().lower()


def gold_quotes(pack: Path, doc_name: str | None = None) -> list[str]:
    rows = [
        json.loads(line) for line in (pack / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line
    ]
    return [r["quote"] for r in rows if doc_name is None or r["doc"] == doc_name]


@pytest.fixture(scope="module")
def pack_read():
    from conftest import DEV_PACK

    if not DEV_PACK.exists():
        pytest.fail(f"development pack not found at {DEV_PACK}")
    documents = ingest_pack(DEV_PACK / "docs")
    return DEV_PACK, documents, chunk_documents(documents)


def test_every_document_reads_without_errors(pack_read):
    pack, documents, _ = pack_read
    names = sorted((p.name for p in (pack / "docs").iterdir()), key=str.casefold)
    assert [d.name for d in documents] == names
    assert [d.status for d in documents] == ["ok"] * len(names), [(d.name, d.message) for d in documents]
    pdfs = {d.name: d.page_count for d in documents if d.type == "pdf"}
    assert pdfs == {
        "FGB_Minutes_2025-03-13.pdf": 4,
        "Hollins_Park_CEIAG_Policy_2024-26.pdf": 5,
        "Horizons_Careers_Guidance_SLA_2024-25.pdf": 3,
        "Y10_Work_Experience_Handbook_2025.pdf": 4,
    }


def test_every_gold_quote_lies_inside_one_chunk(pack_read):
    pack, documents, chunks = pack_read
    rows = [
        json.loads(line) for line in (pack / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line
    ]
    by_doc: dict[str, list[str]] = {}
    for chunk in chunks:
        by_doc.setdefault(chunk.doc_name, []).append(normalise(chunk.text))
    whole = [r["quote"] for r in rows if any(normalise(r["quote"]) in c for c in by_doc[r["doc"]])]
    missed = [r["quote"][:70] for r in rows if r["quote"] not in whole]
    assert not missed, missed


def test_running_headers_never_reach_chunks(pack_read):
    _, documents, chunks = pack_read
    for chunk in chunks:
        assert not re.search(r"Page \d+ of \d+", chunk.text), chunk.text
        assert "Uncontrolled when printed" not in chunk.text


def test_chunks_are_passage_sized(pack_read):
    _, _, chunks = pack_read
    words = sorted(len(c.text.split()) for c in chunks)
    median = words[len(words) // 2]
    assert 30 <= median <= 120
    assert words[-1] <= 200
