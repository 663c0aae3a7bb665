"""Answers over real packs: extractive by default, LLM answers only when their citations check out."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from triage.chat import EXTRACTED_LABEL, answer, answer_from_session, locate_quote
from triage.chunking import chunk_documents
from triage.embed import HashingEmbedder
from triage.ingest import ingest_pack
from triage.llm import LLMClient, LLMConfig
from triage.llm.fake_server import FakeChatServer
from triage.records import MatchResult
from triage.session import Session

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DOCS = REPO / "sample_evidence" / "northfield_academy" / "docs"
GOVERNOR_Q = "Who is the link governor for careers?"


@pytest.fixture(scope="module")
def pack():
    docs = ingest_pack([SAMPLE_DOCS])
    chunks = chunk_documents([d for d in docs if d.status in ("ok", "warning")])
    assert len(chunks) > 50
    return docs, chunks


@pytest.fixture(scope="module")
def embedder():
    return HashingEmbedder()


def _check_citations(result, chunks, docs):
    by_id = {c.id: c for c in chunks}
    doc_by_id = {d.id: d for d in docs}
    for c in result.citations:
        chunk = by_id[c.chunk_id]
        assert locate_quote(c.quote, chunk.text) is not None
        assert c.spans and all(0 <= a < b <= len(chunk.text) for a, b in c.spans)
        doc = doc_by_id[chunk.doc_id]
        assert c.page == doc.page_at(chunk.start + c.spans[0][0])


def test_extractive_answer_names_the_link_governor_with_a_citation(pack, embedder):
    docs, chunks = pack
    result = answer(GOVERNOR_Q, chunks=chunks, documents=docs, embedder=embedder)
    assert result.ok and result.mode == "extractive" and result.model == ""
    assert result.text.startswith(EXTRACTED_LABEL)
    assert len(result.citations) == 5 and [c.number for c in result.citations] == [1, 2, 3, 4, 5]
    _check_citations(result, chunks, docs)
    governor = [c for c in result.citations
                if ("Minutes" in c.doc_name or "Policy" in c.doc_name) and "link governor" in c.quote.lower()]
    assert governor, [c.quote for c in result.citations]
    # The highlighted sentence is the one naming her, and it is the chunk's own text at those offsets.
    best = governor[0]
    chunk = next(ch for ch in chunks if ch.id == best.chunk_id)
    a, b = best.spans[0]
    assert chunk.text[a:b] in best.quote and "Okoye" in chunk.text[a:b]
    start, end = locate_quote(best.quote, chunk.text) or (-1, -1)
    assert start == min(s for s, _ in best.spans)
    assert chunk.text[end : max(e for _, e in best.spans)] in ("", ".")  # only a final full stop trimmed


def test_extractive_passages_are_ranked_and_reproducible(pack, embedder):
    docs, chunks = pack
    first = answer("Where is the provider access statement?", chunks=chunks, documents=docs, embedder=embedder)
    again = answer("Where is the provider access statement?", chunks=chunks, documents=docs, embedder=embedder)
    assert first == again
    scores = [p.score for p in first.passages]
    assert scores == sorted(scores, reverse=True)
    top = first.passages[0].chunk
    assert "provider access" in " ".join((*top.heading_path, top.text)).lower()


def test_empty_pack_and_empty_question(embedder):
    assert answer("anything?", chunks=[], documents=[], embedder=embedder).status == "empty"
    assert answer("   ", chunks=[], documents=[], embedder=embedder).status == "empty"


def local_llm(server: FakeChatServer, **kw) -> LLMClient:
    return LLMClient(LLMConfig(server.url, model="fake-model", timeout=5, **kw))


def test_llm_answer_with_good_citations_streams_and_is_shown(pack, embedder):
    docs, chunks = pack
    tokens: list[str] = []
    with FakeChatServer() as server:  # quotes the first sentence of passage [1], as told
        result = answer(GOVERNOR_Q, chunks=chunks, documents=docs, embedder=embedder,
                        llm=local_llm(server), on_token=tokens.append)
    assert result.ok and result.mode == "llm" and result.model == "fake-model"
    assert result.warnings == ()
    assert "".join(tokens) in result.text and len(tokens) > 3
    assert [c.number for c in result.citations] == [1]
    _check_citations(result, chunks, docs)
    cited = result.citations[0]
    chunk = next(ch for ch in chunks if ch.id == cited.chunk_id)
    a, b = cited.spans[0]
    assert chunk.text[a:b].lower() == cited.quote.lower() or locate_quote(cited.quote, chunk.text) == (a, b)
    prompt = server.requests[0]["messages"][1]["content"]
    assert "[1] (" in prompt and "[5] (" in prompt and GOVERNOR_Q in prompt


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("The link governor is Mrs Sandra Okoye [1], as the minutes record [9].", "passage [9]"),
        ('The minutes say "Mr Peter Okoye was appointed link governor" [1].', "is not in passage [1]"),
        ("I think it is probably the headteacher.", "cites no passage"),
    ],
)
def test_llm_answer_failing_the_citation_check_is_withheld(pack, embedder, reply, why):
    docs, chunks = pack
    with FakeChatServer([reply]) as server:
        result = answer(GOVERNOR_Q, chunks=chunks, documents=docs, embedder=embedder, llm=local_llm(server))
    assert result.status == "refused" and not result.ok
    assert "withheld" in result.text and why in result.text
    assert reply not in result.text  # the failed reply is not shown as the answer
    assert result.withheld_reply == reply and all(reply not in w for w in result.warnings)
    assert EXTRACTED_LABEL in result.text and len(result.citations) == 5  # checked passages instead
    _check_citations(result, chunks, docs)


def test_llm_down_falls_back_to_extracted_passages(pack, embedder):
    docs, chunks = pack
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    llm = LLMClient(LLMConfig(f"http://127.0.0.1:{port}/v1", timeout=2))
    result = answer(GOVERNOR_Q, chunks=chunks, documents=docs, embedder=embedder, llm=llm)
    assert result.status == "failed" and "is it running?" in result.text
    assert result.citations and EXTRACTED_LABEL in result.text


LEARNER_RECORD = """Careers guidance record (anonymise before publishing)

Student: Jane Smith, Year 11. Personal guidance interview with the careers adviser on 4 March.
Jane's parent can be reached on 07700 900461 or at jane.parent@example.com; home postcode CB4 7QT.
Agreed actions: apply to Castlebrook College for the Level 3 engineering course and attend the open evening.

| Name | Tutor group | Interview date |
| --- | --- | --- |
| Omar Haddad | 11B | 5 March |
| Lucy Wren | 11C | 6 March |
"""
PRIVATE = ("Jane Smith", "07700 900461", "jane.parent@example.com", "CB4 7QT", "Omar Haddad", "Lucy Wren")


@pytest.fixture(scope="module")
def record_pack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("record_pack")
    (folder / "guidance_records.md").write_text(LEARNER_RECORD, encoding="utf-8")
    docs = ingest_pack([folder])
    return docs, chunk_documents(docs)


def test_remote_llm_gets_redacted_text_and_the_answer_is_restored_locally(record_pack, embedder):
    docs, chunks = record_pack
    q = "What did Jane Smith agree to do after her guidance interview?"
    tokens: list[str] = []
    with FakeChatServer(chunk_chars=3) as server:
        result = answer(q, chunks=chunks, documents=docs, embedder=embedder,
                        llm=local_llm(server, treat_as_remote=True), on_token=tokens.append)
    streamed = "".join(tokens)
    assert "Jane Smith" in streamed and "[NAME-" not in streamed  # restored as it streams
    sent = server.sent_text()
    for value in PRIVATE:
        assert value not in sent, value
    assert "[NAME-1]" in sent and "[EMAIL-1]" in sent and "[PHONE-1]" in sent and "[POSTCODE-1]" in sent
    assert any("pack text will leave this machine" in w for w in result.warnings)
    assert result.redacted["NAME"] >= 3
    # The model quoted placeholders; the assessor sees, and the check used, the original text.
    assert result.ok, result.text
    assert "[NAME-" not in result.text and "Jane Smith" in result.citations[0].quote


def test_a_name_row_away_from_its_table_header_is_still_redacted(interview_table, embedder):
    _, docs, chunks, _ = interview_table
    with FakeChatServer() as server:
        answer("Who wants an apprenticeship in electrical engineering?", chunks=chunks, documents=docs,
               embedder=embedder, llm=local_llm(server, treat_as_remote=True))
    sent = server.sent_text()
    assert "apprenticeship in electrical engineering" in sent and "Priya Okonjo" not in sent


def test_local_llm_gets_the_text_as_is(record_pack, embedder):
    docs, chunks = record_pack
    with FakeChatServer() as server:
        result = answer("Who is Omar Haddad?", chunks=chunks, documents=docs, embedder=embedder,
                        llm=local_llm(server))
    assert "Omar Haddad" in server.sent_text() and result.warnings == ()


def _session(tmp_path, docs, chunks) -> Session:
    s = Session.create(tmp_path / "chat.sqlite", pack_path=str(SAMPLE_DOCS), provider_type="school")
    result = MatchResult("school", (), (), (), {}, "hashing-bow-256", "none", "test", 0.5, 0.05)
    s.record_triage(docs, chunks, result)
    return s


def test_answer_from_session_stores_the_model_reply_as_a_draft(tmp_path, pack, embedder):
    docs, chunks = pack
    with _session(tmp_path, docs, chunks) as s, FakeChatServer() as server:
        extracted = answer_from_session(GOVERNOR_Q, s, llm=None, embedder=embedder)
        assert extracted.mode == "extractive" and s.drafts() == []
        result = answer_from_session(GOVERNOR_Q, s, llm=local_llm(server), embedder=embedder)
        assert result.ok
        drafts = s.drafts()
        assert [(d.kind, d.model) for d in drafts] == [("chat", "fake-model")]
        assert GOVERNOR_Q in drafts[0].text and drafts[0].at
        # The TUI calls answer(question, session): same answer.
        assert answer(GOVERNOR_Q, s, llm=None, embedder=embedder).citations == extracted.citations


def test_answer_from_session_uses_the_configured_llm(tmp_path, pack, embedder, monkeypatch):
    docs, chunks = pack
    with _session(tmp_path, docs, chunks) as s, FakeChatServer() as server:
        monkeypatch.setenv("TRIAGE_LLM_BASE_URL", server.url)
        result = answer_from_session(GOVERNOR_Q, s, embedder=embedder)
        assert result.mode == "llm" and len(server.requests) == 1
        monkeypatch.delenv("TRIAGE_LLM_BASE_URL")
        assert answer_from_session(GOVERNOR_Q, s, embedder=embedder).mode == "extractive"


@pytest.fixture(scope="module")
def minilm():
    from triage.embed import load_default_embedder

    return load_default_embedder()


@pytest.mark.slow
def test_real_model_finds_the_link_governor(pack, minilm):
    docs, chunks = pack
    # Three documents that all mention governors keep the test quick on two cores.
    keep = {d.id for d in docs if d.name.startswith(("LGB_Minutes", "Northfield_Academy_Careers_Policy",
                                                      "Careers_Plan"))}
    chunks = [c for c in chunks if c.doc_id in keep]
    result = answer(GOVERNOR_Q, chunks=chunks, documents=docs, embedder=minilm, top_k=3)
    assert result.ok
    assert any("Okoye" in c.quote and ("Minutes" in c.doc_name or "Policy" in c.doc_name)
               for c in result.citations), [c.quote for c in result.citations]


def test_prepare_session_embeds_the_passages_before_the_first_question(tmp_path, pack):
    """The chat pane's warm-up builds the index; the first answer then embeds only the question
    and the sentences it quotes, never the whole pack again."""
    from test_embed import CountingEmbedder

    from triage.chat import prepare_session

    docs, chunks = pack
    counting = CountingEmbedder(HashingEmbedder())
    with _session(tmp_path, docs, chunks) as s:
        indexed = prepare_session(s, embedder=counting)
        assert indexed == len([c for c in s.chunks() if c.text.strip()])
        assert counting.texts_encoded >= indexed
        before = counting.texts_encoded
        result = answer_from_session(GOVERNOR_Q, s, llm=None, embedder=counting)
        assert result.ok
        assert counting.texts_encoded - before < indexed / 2


def test_a_question_asked_during_the_warm_up_waits_for_the_same_index(pack):
    """Two threads asking for one pack's index embed its passages once, not twice."""
    import threading

    from test_embed import CountingEmbedder

    from triage.chat import retriever_for

    _, chunks = pack
    counting = CountingEmbedder(HashingEmbedder())
    got: list = []
    threads = [threading.Thread(target=lambda: got.append(retriever_for(chunks, counting))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 2 and got[0] is got[1]
    assert counting.texts_encoded == len(got[0].chunks)


def test_who_question_quotes_the_sentence_naming_the_role_holder(pack, embedder):
    # The top passage need not hold the answer: the quoted sentence is the best of any passage,
    # and for "who" the one naming someone beside the role asked about.
    docs, chunks = pack
    result = answer("Who is the Careers Leader?", chunks=chunks, documents=docs, embedder=embedder)
    quoted = result.text.splitlines()[1]
    assert "Priya Desai" in quoted and "Okoye" not in quoted, result.text


def test_who_bonus_prefers_the_role_holder_over_another_named_person():
    from triage.chat.extractive import score_sentences

    sentences = [
        "The link governor, Mrs Sandra Okoye, meets the Careers Leader every half term.",
        "Our Careers Leader, Ms Priya Desai, works three days a week.",
        "The Careers Leader writes the annual plan.",
    ]
    who = score_sentences("Who is the Careers Leader?", sentences, None)
    assert who[1] > who[0] > who[2]
    what = score_sentences("What does the Careers Leader do?", sentences, None)
    assert what[0] == what[1] == what[2]  # no bonus when the question is not "who"
