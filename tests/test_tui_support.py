"""Shared helpers for the TUI tests (no tests here).

Two kinds of session:
- ``triaged_session``: the sample pack (or the development pack until it is built) through the real
  pipeline with the HashingEmbedder, so the Pilot tests exercise real parsers and a real database.
- ``fixed_session``: a small hand-written pack recorded straight into a real session, so snapshots
  do not move each time the matcher is tuned. Its text holds [brackets] to prove nothing is markup.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from triage.config import shared_dir
from triage.records import Chunk, Document, MatchResult, Page, Suggestion

REPO = Path(__file__).resolve().parent.parent
DEV_PACK_DOCS = shared_dir() / "eval" / "packs" / "hollins_park_school" / "docs"


def review_pack() -> Path:
    """The bundled sample pack once built; the development pack until then."""
    from triage.config import sample_pack_dir

    pack = sample_pack_dir()
    if pack.is_dir() and any(pack.iterdir()):
        return pack
    return DEV_PACK_DOCS


def triage_into(path: Path, pack: Path) -> Path:
    """Run the real pipeline on ``pack`` and record it in a new session at ``path``."""
    from triage.embed import HashingEmbedder
    from triage.pipeline import triage_pack
    from triage.session import Session

    packed = triage_pack([pack], provider_type="school", embedder=HashingEmbedder())
    session = Session.create(path, pack_path=str(pack), provider_type="school", provider_name="Test School")
    session.record_triage(packed.documents, packed.chunks, packed.result)
    session.close()
    return path


async def goto_code(pilot, code: str) -> None:
    """Move the board cursor to ``code`` with j/k and open it with enter, as an assessor would."""
    from textual.widgets import DataTable

    table = pilot.app.screen.query_one(DataTable)
    target = table.get_row_index(code)
    while table.cursor_row != target:
        await pilot.press("j" if table.cursor_row < target else "k")
    await pilot.press("enter")
    await pilot.pause()


async def settle(pilot, timeout: float = 30.0) -> None:
    """Wait until no worker is pending or running, then for the screen to catch up.

    ``app.workers.wait_for_complete()`` raises WorkerFailed when a worker it waits on fails, and
    whether it still holds that worker depends on timing; tests of failures use this instead.
    """
    import time

    from textual.worker import WorkerState

    deadline = time.monotonic() + timeout
    while any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in pilot.app.workers):
        if time.monotonic() > deadline:
            raise AssertionError("workers still running after the timeout")
        await pilot.pause(0.05)
    await pilot.pause()


def copy_session(template: Path, dest_dir: Path) -> Path:
    dest = dest_dir / template.name
    shutil.copyfile(template, dest)
    return dest


POLICY = """Careers Policy 2025 [draft v2]

Leadership
The governing body reviews the careers programme each term. Our link governor for careers, Mr A Shah, meets the Careers Leader every half term and reports to the full board.

The Careers Leader, Ms J Okafor, has two days a week for the role and sits on the senior leadership team.

Destinations
We will analyse destinations data next year [planned].

Encounters
Every pupil in Years 7 to 11 meets at least one employer each year through assemblies, the careers fair and mock interviews.
"""

LOG = """Tutor log, autumn term

Pupils in Year 9 used the careers platform to record their options thinking. Tutors checked records in week 6.

Pupils with SEND had extra guidance meetings with the careers adviser, recorded in their plans.
"""


def _doc(name: str, text: str) -> tuple[Document, list[Chunk]]:
    doc_id = hashlib.sha256(text.encode()).hexdigest()
    doc = Document(
        id=doc_id,
        name=name,
        path=f"/pack/{name}",
        type="txt",
        status="ok",
        text=text,
        pages=(Page(1, 0, len(text)),),
        title=name,
        size_bytes=len(text.encode()),
    )
    chunks, start = [], 0
    for i, para in enumerate(text.split("\n\n")):
        end = start + len(para)
        if para.strip():
            chunks.append(Chunk(Chunk.make_id(doc_id, start, end), doc_id, name, start, end, para, index=i))
        start = end + 2
    return doc, chunks


# (code, document, chunk index within it, score)
FIXED_SUGGESTIONS = [
    ("1.1", 0, 1, 0.82),
    ("1.1", 0, 2, 0.61),
    ("1.1", 1, 1, 0.33),
    ("1.2", 0, 2, 0.77),
    ("3.2", 1, 1, 0.58),
    ("3.3", 1, 1, 0.52),
    ("3.4", 0, 3, 0.41),
    ("5.1", 0, 4, 0.74),
]
# The matcher's signals for some suggestions, by (code, rank): the plan/absence caution reads them.
FIXED_SIGNALS = {("1.1", 2): {"modality": 0.92, "raw": 1.4}, ("1.1", 1): {"modality": 0.12}}
FIXED_MISSING = ("2.2", "7.3")
FIXED_WEAK = ("3.4",)


def fixed_session(path: Path) -> Path:
    from triage.session import Session

    built = [_doc("Careers_Policy_2025.txt", POLICY), _doc("Tutor_Log.txt", LOG)]
    docs = [d for d, _ in built]
    chunks = [c for _, cs in built for c in cs]
    rank: dict[str, int] = {}
    suggestions = []
    for code, d, k, score in FIXED_SUGGESTIONS:
        chunk = built[d][1][k]
        rank[code] = rank.get(code, 0) + 1
        suggestions.append(
            Suggestion(
                code,
                chunk.id,
                chunk.doc_id,
                chunk.doc_name,
                1,
                chunk.start,
                chunk.end,
                chunk.text,
                score,
                rank[code],
                FIXED_SIGNALS.get((code, rank[code]), {}),
            )
        )
    result = MatchResult(
        "school", tuple(suggestions), FIXED_MISSING, FIXED_WEAK, {}, "fixed", "none", "test", 0.5, 0.1
    )
    session = Session.create(
        path, pack_path="/pack/docs", provider_type="school", provider_name="Fixture School"
    )
    session.record_triage(docs, chunks, result)
    session.close()
    return path
