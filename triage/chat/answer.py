"""Answers to an assessor's question about the pack, always with checked citations.

Without a language model (the default) the answer is extractive: the best passages with the
sentences that answer highlighted. With one, the model is shown numbered passages and must cite
them as [n] and quote exactly; a reply whose citations fail the check is withheld and the
extracted passages are shown instead. Chat never writes ratings, decisions or outcomes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from triage.chat.citations import check_reply, locate_quote
from triage.chat.extractive import Span, highlight
from triage.chat.retrieval import Hit, retriever_for
from triage.embed.base import Embedder
from triage.embed.cache import EmbeddingCache
from triage.llm.client import ChatModel, LLMError
from triage.llm.redact import Redactor, StreamRestorer
from triage.records import Chunk, Document

Mode = Literal["extractive", "llm"]
Status = Literal["answered", "refused", "failed", "empty"]

EXTRACTED_LABEL = "Extracted from the pack (no language model used)."
LLM_LABEL = "Written by {model} from the cited passages; check them before relying on it."


@dataclass(frozen=True)
class Citation:
    chunk_id: str
    doc_name: str
    page: int
    quote: str  # verbatim text of the chunk (extractive) or the model's checked quote
    number: int = 0  # the [n] the answer text uses
    doc_id: str = ""
    spans: tuple[Span, ...] = ()  # offsets into the chunk text to highlight
    section: str = ""  # the innermost heading above the passage, to help find it in the document


@dataclass(frozen=True)
class Passage:
    """A retrieved passage, kept with every answer so a refused one still shows the evidence."""

    number: int
    chunk: Chunk
    page: int
    score: float
    spans: tuple[Span, ...] = ()  # the sentences that best answer the question, chunk offsets
    sentence_score: float = 0.0  # how well its best sentence answers the question (extractive.highlight)


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    citations: tuple[Citation, ...]
    mode: Mode
    status: Status = "answered"
    model: str = ""
    warnings: tuple[str, ...] = ()
    passages: tuple[Passage, ...] = ()
    redacted: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    withheld_reply: str = ""  # a model reply that failed the check: kept for the record, never shown

    @property
    def ok(self) -> bool:
        return self.status == "answered"

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "status": self.status,
            "mode": self.mode,
            "model": self.model,
            "text": self.text,
            "warnings": list(self.warnings),
            "citations": [
                {"number": c.number, "chunk_id": c.chunk_id, "doc_id": c.doc_id, "doc": c.doc_name,
                 "page": c.page, "section": c.section, "quote": c.quote, "spans": [list(s) for s in c.spans]}
                for c in self.citations
            ],
            "passages": [
                {"number": p.number, "chunk_id": p.chunk.id, "doc": p.chunk.doc_name, "page": p.page,
                 "score": round(p.score, 4), "text": p.chunk.text, "spans": [list(s) for s in p.spans]}
                for p in self.passages
            ],
            "redacted": dict(self.redacted),
            "withheld_reply": self.withheld_reply,
        }


def _section(chunk: Chunk) -> str:
    return chunk.heading_path[-1] if chunk.heading_path else ""


def _page(chunk: Chunk, offset: int, documents: dict[str, Document]) -> int:
    doc = documents.get(chunk.doc_id)
    if doc is not None and doc.pages:
        return doc.page_at(chunk.start + offset)
    return chunk.page_start


def _passages(
    question: str,
    hits: Sequence[Hit],
    documents: dict[str, Document],
    embedder: Embedder | None,
    cache: EmbeddingCache | None = None,
) -> list[Passage]:
    marks = highlight(question, [h.chunk.text for h in hits], embedder, cache=cache)
    out = []
    for n, (hit, (spans, best)) in enumerate(zip(hits, marks, strict=True), 1):
        first = spans[0][0] if spans else 0
        out.append(Passage(n, hit.chunk, _page(hit.chunk, first, documents), hit.score, spans, best))
    return out


def _extractive_citations(passages: Sequence[Passage]) -> tuple[Citation, ...]:
    cites = []
    for p in passages:
        # Highlighted sentences in reading order; the ellipsis marks what lies between them.
        quote = " \u2026 ".join(p.chunk.text[a:b] for a, b in sorted(p.spans)) if p.spans else p.chunk.text
        cites.append(Citation(p.chunk.id, p.chunk.doc_name, p.page, quote, p.number, p.chunk.doc_id, p.spans,
                              _section(p.chunk)))
    return tuple(cites)


def _extract_text(passages: Sequence[Passage]) -> str:
    """The label and the single best sentence of any passage; the cited passages carry the rest.
    The best passage need not hold the best sentence: a policy paragraph about governance can rank
    first while the sentence naming the governor sits in the minutes."""
    lines = [f"{EXTRACTED_LABEL} The cited passages are the closest matches, best first."]
    best = max(passages, key=lambda p: p.sentence_score) if passages else None
    if best is not None and best.spans:
        a, b = best.spans[0]
        lines.append(f"\u201c{' '.join(best.chunk.text[a:b].split())}\u201d [{best.number}]")
    return "\n".join(lines)


def _verify(citations: Sequence[Citation], chunks_by_id: dict[str, Chunk]) -> list[str]:
    """The final gate every answer passes: real chunk, quote inside it, spans inside it."""
    problems = []
    for c in citations:
        chunk = chunks_by_id.get(c.chunk_id)
        if chunk is None:
            problems.append(f"citation [{c.number}] points at no passage of this pack")
        elif c.quote and locate_quote(c.quote, chunk.text) is None:
            problems.append(f"citation [{c.number}] quotes text that is not in {chunk.doc_name}")
        elif any(not (0 <= a < b <= len(chunk.text)) for a, b in c.spans):
            problems.append(f"citation [{c.number}] highlights outside its passage")
    return problems


def _build_messages(question: str, passages: Sequence[tuple[int, str, str]], redacted: bool) -> list[dict[str, str]]:
    rules = [
        "You help an assessor of the Quality in Careers Standard read a school's or college's evidence pack.",
        "Answer only from the numbered passages below. After each statement, cite the passage it comes "
        "from as [n]. When you quote, copy the words exactly inside double quotes and put the citation "
        'straight after, like "the exact words" [2].',
        "If the passages do not answer the question, say so in one sentence.",
        "Do not judge whether any part of the Standard is met and do not give ratings: the assessor decides.",
        "Answer in at most 120 words.",
    ]
    if redacted:
        rules.append("Placeholders such as [NAME-1] or [EMAIL-1] stand for removed personal data: "
                     "copy them as they are and do not guess what they hide.")
    body = "\n\n".join(f"[{n}] ({where})\n{text}" for n, where, text in passages)
    return [
        {"role": "system", "content": " ".join(rules)},
        {"role": "user", "content": f"Passages:\n\n{body}\n\nQuestion: {question}"},
    ]


def _llm_citations(
    reply_numbers: Sequence[int],
    quotes: dict[int, tuple[str, ...]],
    passages: dict[int, Passage],
    documents: dict[str, Document],
) -> tuple[Citation, ...]:
    cites = []
    for n in reply_numbers:
        p = passages[n]
        spans: list[Span] = []
        for q in quotes.get(n, ()):
            where = locate_quote(q, p.chunk.text)
            if where is not None:
                spans.append(where)
        spans = spans or list(p.spans)
        quote = " \u2026 ".join(quotes.get(n, ())) or (
            p.chunk.text[p.spans[0][0] : p.spans[0][1]] if p.spans else ""
        )
        page = _page(p.chunk, spans[0][0], documents) if spans else p.page
        cites.append(Citation(p.chunk.id, p.chunk.doc_name, page, quote, n, p.chunk.doc_id, tuple(spans),
                              _section(p.chunk)))
    return tuple(cites)


@contextmanager
def _embedding_setup(
    embedder: Embedder | None, cache: EmbeddingCache | None
) -> Iterator[tuple[Embedder, EmbeddingCache | None]]:
    """The default embedder and the user's embedding cache where none were given; a cache opened
    here is closed on the way out."""
    if embedder is None:
        from triage.embed import load_default_embedder

        embedder = load_default_embedder()
    own_cache = None
    if cache is None:
        try:
            cache = own_cache = EmbeddingCache()
        except Exception:  # an unwritable cache dir only costs re-embedding
            cache = None
    try:
        yield embedder, cache
    finally:
        if own_cache is not None:
            own_cache.close()


def prepare_session(
    session: Any, *, embedder: Embedder | None = None, cache: EmbeddingCache | None = None
) -> int:
    """Build the session's retrieval index before the first question; returns the passages indexed.

    Embedding every passage is most of a first answer's wait (several seconds on two cores); the
    chat pane calls this while the assessor types. Later answers with the same embedder reuse it.
    """
    with _embedding_setup(embedder, cache) as (embedder_, cache_):
        return len(retriever_for(session.chunks(), embedder_, cache=cache_).chunks)


def answer(
    question: str,
    session: Any = None,
    *,
    chunks: Sequence[Chunk] | None = None,
    documents: Sequence[Document] | None = None,
    embedder: Embedder | None = None,
    llm: ChatModel | None = None,
    top_k: int = 5,
    cache: EmbeddingCache | None = None,
    on_token: Callable[[str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Answer:
    """Answer ``question`` from ``chunks`` (or a session's), citing passages; ``llm`` None = extractive.

    ``on_token`` receives the model's reply as it streams (placeholders already restored); the
    returned Answer is the checked one, which may withhold what was streamed.
    """
    if session is not None:
        return answer_from_session(question, session, llm=llm, embedder=embedder, top_k=top_k,
                                   cache=cache, on_token=on_token, cancelled=cancelled)
    question = " ".join(question.split())
    chunks = list(chunks or ())
    docs = {d.id: d for d in (documents or ())}
    warnings: list[str] = []
    if llm is not None and llm.is_remote:
        warnings.append(getattr(llm, "remote_warning", "") or "pack text will leave this machine")
    if not question:
        return Answer(question, "Ask a question about the pack.", (), "extractive", "empty", warnings=tuple(warnings))
    if embedder is None:
        from triage.embed import load_default_embedder

        embedder = load_default_embedder()
    hits = retriever_for(chunks, embedder, cache=cache).search(question, top_k) if chunks else []
    if not hits:
        return Answer(question, "The session holds no readable text to search.", (), "extractive", "empty",
                      warnings=tuple(warnings))
    if all(h.lexical == 0.0 for h in hits):
        warnings.append("no passage shares a word with the question; these are only the closest in meaning")
    passages = _passages(question, hits, docs, embedder, cache)
    chunks_by_id = {c.id: c for c in chunks}
    extracted = _extractive_citations(passages)
    problems = _verify(extracted, chunks_by_id)
    if problems:  # cannot happen unless offsets are broken; never show an unchecked answer
        return Answer(question, "No answer: " + "; ".join(problems), (), "extractive", "failed",
                      warnings=tuple(warnings), passages=tuple(passages))
    if llm is None:
        return Answer(question, _extract_text(passages), extracted, "extractive", "answered",
                      warnings=tuple(warnings), passages=tuple(passages))
    return _answer_with_llm(question, llm, passages, docs, chunks_by_id, extracted, warnings,
                            on_token=on_token, cancelled=cancelled)


def _answer_with_llm(
    question: str,
    llm: ChatModel,
    passages: list[Passage],
    docs: dict[str, Document],
    chunks_by_id: dict[str, Chunk],
    extracted: tuple[Citation, ...],
    warnings: list[str],
    *,
    on_token: Callable[[str], None] | None,
    cancelled: Callable[[], bool] | None,
) -> Answer:
    redactor = Redactor() if llm.is_remote else None
    if redactor is not None:
        # Whole documents too: a table row's passage may not hold the header that marks its names.
        doc_ids = dict.fromkeys(p.chunk.doc_id for p in passages)
        redactor.learn([question, *(p.chunk.text for p in passages), *(docs[d].text for d in doc_ids if d in docs)])
    send = (lambda t: redactor.redact(t)) if redactor else (lambda t: t)
    numbered = [(p.number, send(f"{p.chunk.doc_name}, page {p.page}"), send(p.chunk.text)) for p in passages]
    messages = _build_messages(send(question), numbered, redactor is not None)
    restorer = StreamRestorer(redactor)
    sink = None
    if on_token is not None:
        def sink(piece: str) -> None:
            ready = restorer.feed(piece)
            if ready:
                on_token(ready)

    fallback = _extract_text(passages)
    redacted = redactor.counts if redactor else {}
    try:
        completion = llm.complete(messages, on_token=sink, cancelled=cancelled, max_tokens=400)
    except LLMError as exc:
        reason = str(exc).rstrip()
        stop = "" if reason.endswith((".", "?", "!", ")")) else "."
        text = f"The language model did not answer: {reason}{stop}\n{fallback}"
        return Answer(question, text, extracted, "llm", "failed", llm.model, tuple(warnings), tuple(passages), redacted)
    if on_token is not None:
        tail = restorer.flush()
        if tail:
            on_token(tail)
    reply = redactor.restore(completion.text) if redactor else completion.text
    reply = reply.strip()
    by_number = {p.number: p for p in passages}
    check = check_reply(reply, {n: p.chunk.text for n, p in by_number.items()}, extra_sources=(question,))
    if check.ok:
        cites = _llm_citations(check.numbers, check.quotes, by_number, docs)
        problems = _verify(cites, chunks_by_id)
        if not problems:
            label = LLM_LABEL.format(model=completion.model)
            return Answer(question, f"{reply}\n\n({label})", cites, "llm", "answered", completion.model,
                          tuple(warnings), tuple(passages), redacted)
        check_problems: tuple[str, ...] = tuple(problems)
    else:
        check_problems = check.problems
    why = "; ".join(check_problems)
    text = (f"The model's answer is withheld because its citations failed the check: {why}.\n"
            f"{fallback}")
    return Answer(question, text, extracted, "llm", "refused", completion.model, tuple(warnings),
                  tuple(passages), redacted, withheld_reply=reply)


_CONFIG = "config"


def answer_from_session(
    question: str,
    session: Any,
    *,
    llm: ChatModel | None | str = _CONFIG,
    embedder: Embedder | None = None,
    top_k: int = 5,
    cache: EmbeddingCache | None = None,
    on_token: Callable[[str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    record: bool = True,
) -> Answer:
    """``answer`` over a review session's chunks; ``llm`` defaults to the configured one, if any.

    A model's checked answer is stored as a draft of kind "chat" (with the model name) when the
    session is writable, so the review keeps what the model said; drafts never reach the rules.
    """
    if isinstance(llm, str):
        from triage.llm.client import client_from_config

        llm = client_from_config()
    with _embedding_setup(embedder, cache) as (embedder_, cache_):
        result = answer(question, chunks=session.chunks(), documents=session.documents(), embedder=embedder_,
                        llm=llm, top_k=top_k, cache=cache_, on_token=on_token, cancelled=cancelled)
    if record and result.mode == "llm" and result.status == "answered" and not getattr(session, "read_only", True):
        try:
            session.add_draft("chat", f"Q: {question}\nA: {result.text}", model=result.model)
        except Exception:  # a locked or read-only session still gets its answer
            pass
    return result
