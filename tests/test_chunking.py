"""Chunking: exact offsets, structure, size limits (real MiniLM tokenizer), on generated and real docs."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import triage.chunking as chunking
from triage.chunking import MAX_TOKENS, chunk_document, chunk_documents, count_tokens
from triage.ingest.base import TextBuilder
from triage.records import Document

WORDS = st.sampled_from(
    "careers pupils employers guidance adviser work experience Year 10 the and of a in college "
    "apprenticeship £300 – ‘quoted’ governors Compass+ 95.6% e-mail https://example.org/x?y=1".split()
)
SENTENCE = st.lists(WORDS, min_size=1, max_size=30).map(lambda ws: " ".join(ws).capitalize() + ".")
BLOCK_TEXT = st.lists(SENTENCE, min_size=1, max_size=25).map(" ".join)
KIND = st.sampled_from(["paragraph", "paragraph", "list_item", "table_row", "heading", "furniture"])


def _document(pages: list[list[tuple[str, str, int]]], status: str = "ok") -> Document:
    builder = TextBuilder()
    for page in pages:
        builder.start_page()
        for kind, text, level in page:
            builder.add(kind, text, level)
        builder.end_page()
    out = builder.build()
    return Document(
        id=hashlib.sha256(out.text.encode()).hexdigest(),
        name="gen.pdf",
        path="gen.pdf",
        type="pdf",
        status=status,
        text=out.text,
        pages=out.pages,
        blocks=out.blocks,
    )


PAGES = st.lists(
    st.lists(st.tuples(KIND, BLOCK_TEXT, st.integers(1, 3)), min_size=0, max_size=8), min_size=1, max_size=4
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PAGES)
def test_offsets_structure_and_limits_on_generated_documents(pages):
    doc = _document(pages)
    chunks = chunk_document(doc)
    furniture = [b for b in doc.blocks if b.kind == "furniture"]
    content = [b for b in doc.blocks if b.kind in ("paragraph", "list_item", "table_row")]
    for i, chunk in enumerate(chunks):
        assert chunk.text == doc.text[chunk.start : chunk.end]
        assert chunk.text and chunk.text == chunk.text.strip()
        assert chunk.index == i and chunk.id == f"{doc.id[:16]}:{chunk.start}-{chunk.end}"
        assert chunk.page_start == doc.page_at(chunk.start) and chunk.page_end == doc.page_at(chunk.end - 1)
        assert chunk.page_start == chunk.page_end
        assert not any(f.start < chunk.end and chunk.start < f.end for f in furniture)
        assert count_tokens([chunk.text])[0] + 2 <= 256
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    # Nothing of the content is lost: every content character is inside some chunk.
    for block in content:
        covered = sorted(
            (max(c.start, block.start), min(c.end, block.end))
            for c in chunks
            if c.start < block.end and block.start < c.end
        )
        pos = block.start
        for s, e in covered:
            assert s <= pos or doc.text[pos:s].isspace()
            pos = max(pos, e)
        assert pos >= block.end or doc.text[pos : block.end].isspace()


def test_heading_path_and_merging_of_small_neighbours():
    doc = _document(
        [
            [
                ("title", "Careers Policy", 0),
                ("heading", "Encounters", 1),
                ("paragraph", "Pupils meet employers every year:", 0),
                ("list_item", "Year 7 World of Work Day.", 0),
                ("list_item", "Year 8 Enterprise Challenge.", 0),
                ("heading", "Guidance", 2),
                ("paragraph", "Every Year 11 pupil has an interview.", 0),
            ]
        ]
    )
    chunks = chunk_document(doc)
    assert [c.text for c in chunks] == [
        "Pupils meet employers every year:\n\nYear 7 World of Work Day.\n\nYear 8 Enterprise Challenge.",
        "Every Year 11 pupil has an interview.",
    ]
    assert chunks[0].heading_path == ("Careers Policy", "Encounters")
    assert chunks[1].heading_path == ("Careers Policy", "Encounters", "Guidance")


def test_paragraphs_of_passage_size_are_not_merged():
    para = " ".join(["Pupils take part in a week of work experience and reflect on it afterwards."] * 4)
    doc = _document([[("paragraph", para, 0), ("paragraph", para + " Again.", 0)]])
    assert [c.text for c in chunk_document(doc)] == [para, para + " Again."]


def test_long_paragraph_is_split_at_sentences_with_overlap():
    sentences = [
        f"Sentence {i} says that pupils in Year {i % 11 + 7} met an employer from sector {i}."
        for i in range(60)
    ]
    doc = _document([[("paragraph", " ".join(sentences), 0)]])
    chunks = chunk_document(doc)
    assert len(chunks) >= 3
    for chunk in chunks:
        assert count_tokens([chunk.text])[0] <= MAX_TOKENS
        assert chunk.text.startswith("Sentence ") and chunk.text.endswith(".")
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert b.start < a.end  # one sentence carried over
        assert doc.text[b.start : a.end].count("Sentence ") == 1
    assert chunks[0].start == 0 and chunks[-1].end == len(doc.text)


def test_text_without_sentence_ends_or_spaces_is_still_bounded():
    blob = "x" * 3000 + " " + "https://example.org/" + "a1b2" * 500
    doc = _document([[("paragraph", blob, 0)]])
    chunks = chunk_document(doc)
    assert chunks and all(count_tokens([c.text])[0] <= MAX_TOKENS for c in chunks)
    assert all(c.text == doc.text[c.start : c.end] for c in chunks)


def test_documents_in_error_give_no_chunks():
    doc = _document([[("paragraph", "Some text.", 0)]], status="error")
    assert chunk_document(doc) == []


def test_estimate_when_tokenizer_is_unavailable(monkeypatch):
    monkeypatch.setattr(chunking, "_tokenizer", lambda: None)
    assert count_tokens(["one two three four five"]) == [7]
    doc = _document([[("paragraph", " ".join(["Pupils meet employers."] * 200), 0)]])
    chunks = chunk_document(doc)
    assert len(chunks) > 1 and all(len(c.text.split()) * 1.4 <= MAX_TOKENS for c in chunks)


def test_real_tokenizer_is_used():
    assert chunking._tokenizer() is not None
    # Word pieces, not words: a rare word splits into several pieces.
    assert count_tokens(["Compass+ apprenticeship"])[0] > 2


@pytest.fixture(scope="module")
def dev_documents():
    from conftest import DEV_PACK

    from triage.ingest import ingest_pack

    return ingest_pack(DEV_PACK / "docs")


def test_offsets_on_real_files(dev_documents):
    chunks = chunk_documents(dev_documents)
    by_id = {d.id: d for d in dev_documents}
    assert len(chunks) > 50
    for chunk in chunks:
        doc = by_id[chunk.doc_id]
        assert chunk.text == doc.text[chunk.start : chunk.end]
        assert chunk.doc_name == doc.name
        assert 1 <= chunk.page_start <= chunk.page_end <= doc.page_count
    tokens = count_tokens([c.text for c in chunks])
    assert max(tokens) + 2 <= 256


# ---- real files written by hypothesis, read by the real loaders ------------------------------

LINE = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
    | st.sampled_from(list("\t  -#*.£–’")),
    min_size=0,
    max_size=120,
)


def _check_invariants(doc):
    chunks = chunk_document(doc)
    furniture = [b for b in doc.blocks if b.kind == "furniture"]
    for chunk in chunks:
        assert chunk.text == doc.text[chunk.start : chunk.end]
        assert chunk.text == chunk.text.strip() and chunk.text
        assert not any(f.start < chunk.end and chunk.start < f.end for f in furniture)
        assert count_tokens([chunk.text])[0] + 2 <= 256
    for block in doc.blocks:
        assert 0 <= block.start < block.end <= len(doc.text)
    return chunks


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, min_size=1, max_size=60), st.sampled_from([".txt", ".md"]))
def test_invariant_on_text_files_through_the_loader(lines, suffix):
    import tempfile
    from pathlib import Path

    from triage.ingest import ingest_file

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"generated{suffix}"
        path.write_text("\n".join(lines), encoding="utf-8")
        doc = ingest_file(path)
        assert doc.status in ("ok", "error")
        if doc.status == "ok":
            _check_invariants(doc)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(["Heading 1", "Heading 2", "List Bullet", "Normal", "table"]), BLOCK_TEXT),
        min_size=1,
        max_size=12,
    )
)
def test_invariant_on_docx_files_through_the_loader(parts):
    import tempfile
    from pathlib import Path

    from docx import Document as WordDocument

    from triage.ingest import ingest_file

    word = WordDocument()
    for style, text in parts:
        if style == "table":
            table = word.add_table(rows=2, cols=2)
            for i, cell in enumerate(c for row in table.rows for c in row.cells):
                cell.text = text[i * 20 : i * 20 + 40] or "-"
        else:
            word.add_paragraph(text, style=style)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generated.docx"
        word.save(str(path))
        doc = ingest_file(path)
        assert doc.status == "ok", doc.message
        chunks = _check_invariants(doc)
        assert chunks or all(k.startswith("Heading") for k, _ in parts)
