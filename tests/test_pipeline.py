"""triage_pack: real files through the real loaders, chunker and matcher (hashing embedder, no torch)."""

from __future__ import annotations

import docx
import pytest

from triage.embed import EmbeddingCache, HashingEmbedder
from triage.match import split_units, suggest
from triage.match.cues import hedge_score
from triage.pipeline import PackTriage, triage_pack


@pytest.fixture
def small_pack(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "newsletter.txt").write_text(
        "Careers news\n\nEvery Year 10 pupil completed a week of work experience with a local employer in June.\n\n"
        "Uniform reminder: blazers must be worn at all times.\n",
        encoding="utf-8",
    )
    d = docx.Document()
    d.add_heading("Careers policy", level=1)
    d.add_paragraph("Our Careers Leader has two days a week for the role and reports to the Deputy Head.")
    d.add_paragraph("We intend to analyse destinations data next year.")
    d.save(pack / "policy.docx")
    (pack / "broken.pdf").write_bytes(b"not a pdf at all")
    return pack


def test_triage_pack_runs_every_stage(small_pack, tmp_path):
    stages: dict[str, list[tuple[int, int]]] = {}
    with EmbeddingCache(tmp_path / "e.sqlite") as cache:
        out = triage_pack(
            [small_pack],
            provider_type="school",
            embedder=HashingEmbedder(),
            cache=cache,
            progress=lambda s, d, t: stages.setdefault(s, []).append((d, t)),
        )
    assert isinstance(out, PackTriage)
    assert {"ingest", "embed", "match"} <= set(stages)
    assert stages["match"][-1] == (32, 32)
    names = {d.name: d for d in out.documents}
    assert names["broken.pdf"].status == "error"
    assert {c.doc_name for c in out.chunks} == {"newsletter.txt", "policy.docx"}
    for c in out.chunks:
        assert names[c.doc_name].text[c.start : c.end] == c.text
    assert out.result.model_id == "hashing-bow-256"
    assert len(out.result.best_score) == 32


def test_cancel_stops_the_pipeline(small_pack, tmp_path):
    with EmbeddingCache(tmp_path / "e.sqlite") as cache, pytest.raises(InterruptedError):
        triage_pack(
            [small_pack],
            provider_type="school",
            embedder=HashingEmbedder(),
            cache=cache,
            cancelled=lambda: True,
        )


def test_ties_break_by_document_then_offset(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    same = "Every pupil has a guidance interview with a qualified careers adviser."
    for name in ("b_plan.txt", "a_plan.txt"):
        (pack / name).write_text(f"{same}\n\n{same}\n", encoding="utf-8")
    with EmbeddingCache(tmp_path / "e.sqlite") as cache:
        out = triage_pack([pack], provider_type="school", embedder=HashingEmbedder(), cache=cache)
    items = out.result.for_code("8.2")
    assert len({s.score for s in items}) == 1  # four identical passages
    assert [(s.doc_name, s.start) for s in items] == sorted((s.doc_name, s.start) for s in items)
    assert items[0].doc_name == "a_plan.txt"


def test_empty_chunk_list_flags_every_code_missing(tmp_path):
    with EmbeddingCache(tmp_path / "e.sqlite") as cache:
        result = suggest([], [], provider_type="college", embedder=HashingEmbedder(), cache=cache)
    assert len(result.missing) == 32 and result.suggestions == ()


def test_split_units_keeps_sentences_and_joins_fragments():
    text = "The Careers Leader meets governors each term. See p. 4.\nThe post is vacant."
    units = split_units(text)
    assert units[0].startswith("The Careers Leader")
    assert units[-1] == "The post is vacant."
    assert all(len(u.split()) >= 3 for u in units)


def test_split_units_gives_table_cells_not_rows_from_real_documents(tmp_path):
    """Labelled quotes are single cells, so a row must reach the models cell by cell."""
    from triage.chunking import chunk_documents
    from triage.ingest import ingest_pack

    action = "Map the careers programme to the framework and write outcomes for each year group."
    progress = "Not yet started; to be done by July 2026."
    (tmp_path / "plan.md").write_text(
        f"# Action plan\n\n| Action | Progress | Lead |\n| --- | :---: | --- |\n| {action} | {progress} | DF |\n",
        encoding="utf-8",
    )
    doc = docx.Document()
    doc.add_heading("Action plan", level=1)
    table = doc.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ["Action", "Progress", "Lead"], strict=True):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, [action, progress, "DF"], strict=True):
        cell.text = text
    doc.save(tmp_path / "plan.docx")
    for name in ("plan.md", "plan.docx"):
        chunks = [ch for ch in chunk_documents(ingest_pack([tmp_path])) if ch.doc_name == name]
        units = [u for ch in chunks for u in split_units(ch.text)]
        assert action in units, (name, units)
        assert any(u.startswith(progress) for u in units), (name, units)  # "DF" joins it: under four words
        assert not any("|" in u or "---" in u for u in units), (name, units)


def test_split_units_joins_short_cells_and_drops_rule_cells():
    units = split_units("Year | Activity | Outcome\n| --- | --- | --- |\n7 | Every pupil meets six employers at the fair. | Done")
    # "Year", "Activity", "Outcome" and "7" are each under four words, so they join up; the rule
    # row disappears.
    assert units == ["Year Activity Outcome 7", "Every pupil meets six employers at the fair. Done"]


@pytest.mark.parametrize(
    "text",
    [
        "We intend to analyse destinations data next year.",
        "The Enterprise Adviser post has been vacant since July.",
        "Careers learning is not assessed at present.",
        "We have not yet used the questionnaire.",
    ],
)
def test_hedged_sentences_are_flagged(text):
    assert hedge_score(text) == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "Every Year 11 pupil had a guidance interview with a Level 6 adviser.",
        "Destinations were analysed by pupil group and the programme changed as a result.",
    ],
)
def test_practice_is_not_flagged(text):
    assert hedge_score(text) == 0.0


def test_triage_pack_passes_password_and_size_limit_to_ingest(tmp_path):
    from test_ingest_factories import encrypt_pdf, make_pdf

    pack = tmp_path / "locked"
    pack.mkdir()
    plain = make_pdf(tmp_path / "plain.pdf", pages=2)
    encrypt_pdf(plain, pack / "policy.pdf", "s3cret")
    (pack / "big.txt").write_text("careers " * 140_000, encoding="utf-8")

    without = triage_pack([pack], provider_type="school", embedder=HashingEmbedder())
    status = {d.name: d.status for d in without.documents}
    assert status == {"policy.pdf": "error", "big.txt": "ok"}

    unlocked = triage_pack(
        [pack], provider_type="school", embedder=HashingEmbedder(), password="s3cret", max_bytes=2**20
    )
    by_name = {d.name: d for d in unlocked.documents}
    assert by_name["policy.pdf"].status == "ok"
    assert by_name["big.txt"].status == "error" and "limit" in by_name["big.txt"].message
    assert unlocked.chunks and all(c.doc_name == "policy.pdf" for c in unlocked.chunks)
