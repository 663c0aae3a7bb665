"""Chat with the evidence pack: retrieval, extractive answers, citation checks (issue 8).

Chat never sets an outcome: it only reads chunks, and what a model writes is stored as a draft.
"""

from triage.chat.answer import (
    EXTRACTED_LABEL,
    Answer,
    Citation,
    Passage,
    answer,
    answer_from_session,
    prepare_session,
)
from triage.chat.citations import check_reply, locate_quote, normalise, parse_reply, quote_occurs
from triage.chat.extractive import sentence_spans
from triage.chat.retrieval import Hit, Retriever, retriever_for

__all__ = [
    "EXTRACTED_LABEL",
    "Answer",
    "Citation",
    "Hit",
    "Passage",
    "Retriever",
    "answer",
    "answer_from_session",
    "check_reply",
    "locate_quote",
    "normalise",
    "parse_reply",
    "prepare_session",
    "quote_occurs",
    "retriever_for",
    "sentence_spans",
]
