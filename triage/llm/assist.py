"""LLM help in the review: explain a suggestion, give a second opinion, draft key evidence.

Every reply is stored through ``session.add_draft`` with the model name (the session stamps the
time) and returned as an ``AssistResult``. Drafts and notes are never read by the rules engine, so
nothing a model writes, however it is worded, can change a rating or an outcome.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from triage.chat.citations import quote_occurs
from triage.llm.client import ChatModel, LLMError
from triage.llm.redact import Redactor

Verdict = Literal["yes", "no", "unsure"]
KIND_EXPLANATION = "explanation"
KIND_SECOND_OPINION = "second_opinion"
KIND_KEY_EVIDENCE = "key_evidence"  # the report shows only the assessor's accepted version

_NO_DECISIONS = (
    "You never decide ratings or outcomes and never say whether a section or the Standard is met: "
    "the assessor decides."
)


class LLMNotConfigured(LLMError):
    pass


@dataclass(frozen=True)
class AssistResult:
    kind: str
    text: str  # what the model said (personal-data placeholders restored), trimmed
    model: str
    code: str
    at: str  # UTC, ISO 8601
    suggestion_id: int | None = None
    draft_id: int | None = None  # None when there was no session to store it in
    verdict: Verdict | None = None  # second opinions only
    reason: str = ""
    warnings: tuple[str, ...] = ()
    remote: bool = False


def _client(llm: ChatModel | None) -> ChatModel:
    if llm is not None:
        return llm
    from triage.llm.client import client_from_config

    found = client_from_config()
    if found is None:
        raise LLMNotConfigured(
            "no language model is configured: set base_url in the [llm] table of the config file "
            "or TRIAGE_LLM_BASE_URL (see docs/llm.md)"
        )
    return found


def _provider_type(session: Any, provider_type: str | None) -> str:
    return provider_type or getattr(session, "provider_type", None) or "school"


def _code_text(code: str, provider_type: str) -> str:
    from criteria_index import load_index

    return load_index().text_for(code, provider_type)


def _text_of(item: Any) -> str:
    return item if isinstance(item, str) else str(getattr(item, "text", "") or "")


def _id_of(item: Any) -> int | None:
    value = getattr(item, "id", None)
    return value if isinstance(value, int) else None


def _documents_of(session: Any, items: Sequence[Any]) -> list[str]:
    """The full text of the documents ``items`` come from, where the session can give it."""
    if session is None or not hasattr(session, "document"):
        return []
    texts = []
    for doc_id in dict.fromkeys(getattr(i, "doc_id", None) for i in items):
        if doc_id:
            try:
                texts.append(session.document(doc_id).text)
            except KeyError:
                continue
    return texts


def _ask(
    llm: ChatModel, system: str, user: str, max_tokens: int, context: Sequence[str] = ()
) -> tuple[str, str, Redactor | None]:
    """``context``: whole documents the redactor also learns from, since a table row's passage may
    not hold the header row that marks its name column."""
    redactor = Redactor() if llm.is_remote else None
    if redactor is not None:
        redactor.learn([user, *context])
        user = redactor.redact(user)
        system += " Placeholders such as [NAME-1] stand for removed personal data; keep them as they are."
    completion = llm.complete(
        [{"role": "system", "content": system}, {"role": "user", "content": user}], max_tokens=max_tokens
    )
    text = redactor.restore(completion.text) if redactor else completion.text
    return text.strip(), completion.model or llm.model, redactor


def _store(session: Any, kind: str, text: str, *, code: str, suggestion_id: int | None, model: str) -> int | None:
    if session is None or not hasattr(session, "add_draft"):
        return None
    return int(session.add_draft(kind, text, code=code, suggestion_id=suggestion_id, model=model))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def explain_suggestion(
    session_or_parts: Any,
    suggestion: Any,
    code: str | None = None,
    *,
    llm: ChatModel | None = None,
    provider_type: str | None = None,
) -> AssistResult:
    """A short rationale for why the passage does or does not evidence ``code``, citing its wording.

    ``session_or_parts`` is a Session (the explanation is stored as a draft) or None.
    """
    session = session_or_parts
    code = code or str(getattr(suggestion, "code", ""))
    if not code:
        raise ValueError("explain_suggestion needs the code the passage was suggested for")
    llm = _client(llm)
    wording = _code_text(code, _provider_type(session, provider_type))
    passage = _text_of(suggestion)
    system = (
        "You help an assessor of the Quality in Careers Standard judge suggested evidence. In two or three "
        "sentences, say whether the passage shows the practice the code describes, and why. Quote the code's "
        "wording in double quotes where you rely on it. Say if the passage only states a plan, an intention "
        "or an absence. " + _NO_DECISIONS
    )
    user = f"Code {code}: {wording}\n\nPassage:\n{passage}"
    text, model, redactor = _ask(llm, system, user, 220, _documents_of(session, [suggestion]))
    warnings = tuple(
        f"the explanation quotes \u201c{q}\u201d, which is neither in the code's wording nor in the passage"
        for q in _quotes(text)
        if not (quote_occurs(q, wording) or quote_occurs(q, passage))
    )
    sid = _id_of(suggestion)
    draft_id = _store(session, KIND_EXPLANATION, text, code=code, suggestion_id=sid, model=model)
    return AssistResult(KIND_EXPLANATION, text, model, code, _now(), sid, draft_id, warnings=warnings,
                        remote=llm.is_remote)


_QUOTED = re.compile(r"\"([^\"\n]{3,300})\"|\u201c([^\u201d\n]{3,300})\u201d")


def _quotes(text: str) -> list[str]:
    return [a or b for a, b in _QUOTED.findall(text)]


_VERDICT_WORDS: dict[str, Verdict] = {
    "yes": "yes", "y": "yes", "true": "yes", "supports": "yes", "evidenced": "yes",
    "no": "no", "n": "no", "false": "no", "not evidenced": "no",
    "unsure": "unsure", "uncertain": "unsure", "not sure": "unsure", "unclear": "unsure",
    "maybe": "unsure", "partly": "unsure", "partial": "unsure", "partially": "unsure",
}
_LABELLED = re.compile(
    r"(?im)^[\s*#>_-]*(?:verdict|answer|opinion|decision|second opinion)[\s*_]*[:=\-][\s*_\"']*"
    r"(yes|no|unsure|uncertain|not sure|unclear|maybe|partly|partially)\b"
)
_LEADING = re.compile(r"^[\s*#>_\"'`(\[]*(yes|no|unsure|uncertain|not sure|unclear|maybe|partly|partially)\b",
                      re.IGNORECASE)


def parse_verdict(reply: str) -> tuple[Verdict, str]:
    """The model's yes/no/unsure and its reason; anything that cannot be read for sure is "unsure"."""
    text = reply.strip()
    found: list[Verdict] = []
    reason = ""
    for m in re.finditer(r"\{[^{}]*\}", text):
        try:
            data = json.loads(m.group())
        except ValueError:
            continue
        if isinstance(data, dict):
            for key in ("verdict", "answer", "opinion", "decision"):
                value = data.get(key)
                if isinstance(value, str) and value.strip().lower() in _VERDICT_WORDS:
                    found.append(_VERDICT_WORDS[value.strip().lower()])
                    reason = str(data.get("reason") or data.get("rationale") or "")
                    break
    if not found:
        found += [_VERDICT_WORDS[v.lower()] for v in _LABELLED.findall(text)]
    if not found:
        lead = _LEADING.match(text)
        if lead:
            found.append(_VERDICT_WORDS[lead.group(1).lower()])
            reason = text[lead.end():].lstrip(" \t.,:;-*\n")
    if len(set(found)) != 1:
        return "unsure", " ".join(text.split())[:400]
    if not reason:
        reason = _LABELLED.sub("", text).strip(" \t\n*-:")
    return found[0], " ".join(reason.split())[:400]


def second_opinion(
    session_or_parts: Any,
    suggestion: Any,
    code: str | None = None,
    *,
    llm: ChatModel | None = None,
    provider_type: str | None = None,
) -> AssistResult:
    """The model's yes/no/unsure on whether the passage evidences the code: a hint beside the score."""
    session = session_or_parts
    code = code or str(getattr(suggestion, "code", ""))
    if not code:
        raise ValueError("second_opinion needs the code the passage was suggested for")
    llm = _client(llm)
    wording = _code_text(code, _provider_type(session, provider_type))
    system = (
        "You give a second opinion on suggested evidence for the Quality in Careers Standard. Does the passage "
        "show, as current practice, what the code describes? Start your reply with exactly one word, yes, no "
        "or unsure, then one sentence of reason. Plans, intentions and absences are not evidence. "
        + _NO_DECISIONS
    )
    user = f"Code {code}: {wording}\n\nPassage:\n{_text_of(suggestion)}"
    text, model, _ = _ask(llm, system, user, 120, _documents_of(session, [suggestion]))
    verdict, reason = parse_verdict(text)
    sid = _id_of(suggestion)
    note = f"{verdict}: {reason}" if reason else verdict
    draft_id = _store(session, KIND_SECOND_OPINION, note, code=code, suggestion_id=sid, model=model)
    return AssistResult(KIND_SECOND_OPINION, text, model, code, _now(), sid, draft_id, verdict, reason,
                        remote=llm.is_remote)


def first_sentence(text: str) -> str:
    flat = " ".join(text.split()).strip("\"' ")
    flat = re.sub(r"^(?:key evidence|summary|draft)\s*[:\-]\s*", "", flat, flags=re.IGNORECASE)
    m = re.search(r"(?<!\b[A-Z])(?<!\b(?:Mr|Ms|Dr|St))(?<!\bMrs)[.!?](?=\s+[A-Z\"\u201c])", flat)
    return flat[: m.end()] if m else flat


def draft_key_evidence(
    code: str,
    passages: Sequence[Any] | None = None,
    *,
    session: Any = None,
    llm: ChatModel | None = None,
    provider_type: str | None = None,
) -> AssistResult:
    """One sentence summarising the confirmed evidence for ``code``, for the assessor to edit or accept.

    ``passages`` are texts or rows with ``.text``; by default the session's confirmed suggestions and
    document passages for the code.
    """
    if passages is None:
        if session is None:
            raise ValueError("draft_key_evidence needs passages or a session")
        passages = [r for r in session.suggestions(code) if r.decision == "confirmed"]
        passages += [m for m in session.manual_evidence(code) if getattr(m, "text", "")]
    texts = [t for t in (_text_of(p) for p in passages) if t.strip()]
    if not texts:
        raise ValueError(f"code {code} has no confirmed evidence to summarise")
    llm = _client(llm)
    wording = _code_text(code, _provider_type(session, provider_type))
    system = (
        "You draft the key-evidence line of a Quality in Careers Standard assessment report. Write exactly one "
        "plain sentence naming what the confirmed evidence shows for the code, using only the passages. "
        + _NO_DECISIONS
    )
    body = "\n\n".join(f"- {t}" for t in texts[:8])
    user = f"Code {code}: {wording}\n\nConfirmed evidence:\n{body}"
    text, model, _ = _ask(llm, system, user, 120, _documents_of(session, passages))
    sentence = first_sentence(text)
    draft_id = _store(session, KIND_KEY_EVIDENCE, sentence, code=code, suggestion_id=None, model=model)
    return AssistResult(KIND_KEY_EVIDENCE, sentence, model, code, _now(), None, draft_id, remote=llm.is_remote)
