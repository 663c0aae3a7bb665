"""``triage ask SESSION "question"``: answer a question from the pack, with checked citations."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from triage.cli import EXIT_FAILED, UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "ask",
        help="ask a question about the pack; the answer cites its passages",
        description=(
            "Answer a question from the session's evidence pack. Without a language model (the default) "
            "the answer is extracted: the best passages with the sentences that answer highlighted. With "
            "one configured ([llm] in the config file, or TRIAGE_LLM_BASE_URL), the model writes the answer "
            "and every citation it gives is checked against the pack; an answer that fails the check is "
            "withheld. Answers never change a rating or an outcome."
        ),
    )
    p.add_argument("session", metavar="SESSION", help="session .sqlite file, or a session id")
    p.add_argument("question", help="the question, in quotes")
    p.add_argument("--json", action="store_true", help="print the answer, citations and passages as JSON")
    p.add_argument("--no-llm", action="store_true", help="answer by extraction even if an LLM is configured")
    p.add_argument("--top-k", type=int, default=5, metavar="N", help="passages to retrieve (default 5)")
    p.add_argument(
        "--embedder",
        choices=("minilm", "hashing"),
        default="minilm",
        help=argparse.SUPPRESS,  # "hashing" is for plumbing tests only
    )
    p.set_defaults(func=run_ask)


def _session_path(ref: str) -> Path:
    from triage.commands.session import resolve_session_path

    return resolve_session_path(ref)


def _open(ref: str):
    from triage.session import Session, SessionError, SessionLocked

    path = _session_path(ref)
    try:
        return Session.open(path)
    except SessionLocked:
        # The review UI may hold it; reading is enough to answer (the answer is then not kept).
        try:
            return Session.open(path, read_only=True)
        except SessionError as exc:
            raise UserError(str(exc)) from None
    except SessionError as exc:
        raise UserError(str(exc)) from None


def _llm(no_llm: bool):
    if no_llm:
        return None
    from triage.llm import LLMConfigError, client_from_config

    try:
        return client_from_config()
    except LLMConfigError as exc:
        raise UserError(f"the [llm] settings are not usable: {exc}") from None
    except (OSError, ValueError) as exc:  # a broken config file
        raise UserError(f"cannot read the config file: {exc}") from None


def _embedder(name: str):
    from triage.embed import HashingEmbedder, load_default_embedder

    if name == "hashing":
        return HashingEmbedder()
    try:
        return load_default_embedder()
    except (RuntimeError, OSError) as exc:
        raise UserError(f"cannot load the embedding model: {exc}") from None


def _print_citations(answer) -> None:
    if not answer.citations:
        return
    print("\nCitations:" if answer.ok else "\nPassages:")
    for c in answer.citations:
        quote = " ".join(c.quote.split())
        if len(quote) > 240:
            quote = quote[:239] + "\u2026"
        where = f"{c.doc_name}, p. {c.page}" + (f", \u00a7 {c.section}" if c.section else "")
        print(f"  [{c.number}] {where}: \u201c{quote}\u201d")


def run_ask(args: argparse.Namespace) -> int:
    from triage.chat import answer_from_session

    question = " ".join(args.question.split())
    if not question:
        raise UserError("give a question, e.g. triage ask SESSION \"Who is the careers link governor?\"", 2)
    llm = _llm(args.no_llm)
    if llm is not None and llm.is_remote:
        print(f"triage: warning: {llm.remote_warning}; detectable personal data is redacted first",
              file=sys.stderr, flush=True)
    embedder = _embedder(args.embedder)
    stream = llm is not None and not args.json and sys.stdout.isatty()
    streamed = [False]

    def on_token(piece: str) -> None:
        streamed[0] = True
        sys.stdout.write(piece)
        sys.stdout.flush()

    with _open(args.session) as session:
        result = answer_from_session(
            question, session, llm=llm, embedder=embedder, top_k=max(1, args.top_k),
            on_token=on_token if stream else None,
        )
    if args.json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        if streamed[0]:
            print()
            if result.status != "answered":
                print("\n--- the streamed reply above is withheld ---")
        if streamed[0] and result.status == "answered":
            print(result.text.rsplit("\n\n", 1)[-1])  # the "written by" label; the reply is on screen
        else:
            print(result.text)
        _print_citations(result)
        for w in result.warnings:
            if not w.startswith("pack text will leave"):  # already said before the answer
                print(f"triage: note: {w}", file=sys.stderr)
    return EXIT_FAILED if result.status == "failed" else 0
