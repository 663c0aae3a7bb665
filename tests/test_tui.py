"""Pilot tests: drive the review UI by key presses and check both the database and the widgets."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from test_tui_support import copy_session, fixed_session, goto_code, review_pack, settle, triage_into
from textual.content import Content
from textual.widgets import DataTable, Input, OptionList, Static, TextArea

from triage.embed import HashingEmbedder
from triage.session import Session
from tui.app import ReviewApp
from tui.board import BoardScreen
from tui.error import ErrorModal
from tui.missing import MissingScreen
from tui.outcome import OutcomeScreen
from tui.override import OverrideModal
from tui.queue import ReviewQueueScreen
from tui.source import SourceScreen
from tui.widgets import PassageView, session_meta

SIZE = (100, 32)


@pytest.fixture(scope="module")
def triaged(tmp_path_factory) -> Path:
    """The review pack triaged once per module; each test works on its own copy."""
    return triage_into(tmp_path_factory.mktemp("template") / "pack.sqlite", review_pack())


def cell_text(table: DataTable, row_key: str, column: str) -> str:
    value = table.get_cell(row_key, column)
    return getattr(value, "plain", str(value))


def option_text(options: OptionList, index: int) -> str:
    prompt = options.get_option_at_index(index).prompt
    return getattr(prompt, "plain", str(prompt))


async def test_whole_review_lands_in_the_database(triaged, tmp_path):
    path = copy_session(triaged, tmp_path)
    session = Session.open(path)
    rows = session.suggestions()
    code = next(c for c in dict.fromkeys(r.code for r in rows) if len(session.suggestions(c)) >= 2)
    app = ReviewApp(session, embedder=HashingEmbedder(), export_dir=tmp_path / "out")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        await goto_code(pilot, code)
        queue = app.screen
        assert isinstance(queue, ReviewQueueScreen) and queue.code == code
        first, second = session.suggestions(code)[:2]

        await pilot.press("c")
        await pilot.pause()
        assert session.suggestion(first.id).decision == "confirmed"
        options = queue.query_one(OptionList)
        assert option_text(options, 0).startswith("✓")
        assert options.highlighted == 1  # moved on to the next unreviewed suggestion

        await pilot.press("x")
        await pilot.pause()
        assert session.suggestion(second.id).decision == "rejected"
        assert option_text(options, 1).startswith("✗")

        while options.highlighted:
            await pilot.press("k")
        await pilot.press("u")
        await pilot.pause()
        assert session.suggestion(first.id).decision is None
        assert option_text(options, 0).startswith("·")
        await pilot.press("c")  # confirm it again so the code has evidence
        await pilot.pause()

        await pilot.press("2")
        await pilot.pause()
        assert session.ratings()[code] == "good_progress"
        assert "GP" in queue.query_one("#code-head", Static).render().plain  # type: ignore[attr-defined]

        await pilot.press("escape")
        await pilot.pause()
        board = app.screen.query_one(DataTable)
        assert cell_text(board, code, "rating") == "GP"
        assert cell_text(board, code, "conf") == "1"
        assert cell_text(board, code, "rej") == "1"

        # Override a section: an empty justification is refused, a real one is stored.
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OutcomeScreen)
        section = int(code.split(".")[0])
        table = app.screen.query_one(DataTable)
        while table.cursor_row != section - 1:
            await pilot.press("j")
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, OverrideModal)
        await pilot.press("3")  # fully meeting; focus moves to the justification
        await pilot.pause()
        assert isinstance(app.focused, Input)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OverrideModal), "empty justification must be refused"
        assert "justification" in str(app.screen.query_one("#override-error", Static).render()).lower()
        assert session.overrides() == {}
        await pilot.press(*"learner interviews confirm it")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OutcomeScreen)
        assert session.overrides()[section] == ("fully_meeting", "learner interviews confirm it")
        assert "override" in cell_text(app.screen.query_one(DataTable), str(section), "outcome")
        assessment = session.assessment()
        assert assessment.sections[section - 1].overridden

        # Export the report and the evidence request.
        await pilot.press("e")
        await pilot.pause()
        reports = list((tmp_path / "out").glob("*-report.md"))
        assert reports and reports[0].stat().st_size > 0
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, MissingScreen)
        request = app.screen.query_one(TextArea).text
        assert "Evidence request" in request
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert (tmp_path / "out" / f"{path.stem}-evidence-request.txt").read_text() == request
        assert [d.kind for d in session.drafts()] == ["evidence_request"]
    session.close()

    # Everything is in the file: a second connection sees it, and a reopened app shows it.
    with sqlite3.connect(path) as raw:
        decisions = dict(raw.execute("SELECT suggestion_id, decision FROM decisions"))
    assert decisions == {first.id: "confirmed", second.id: "rejected"}
    again = Session.open(path, read_only=True)
    assert again.ratings() == {code: "good_progress"}
    assert again.overrides()[section][0] == "fully_meeting"
    actions = [a.action for a in again.audit_log()]
    assert actions.count("decide") == 3 and "undo" in " ".join(actions)
    again.close()

    reopened = Session.open(path)
    app = ReviewApp(reopened, embedder=HashingEmbedder())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        board = app.screen.query_one(DataTable)
        assert cell_text(board, code, "conf") == "1"
        assert cell_text(board, code, "rating") == "GP"
    reopened.close()


async def test_new_pack_is_triaged_in_the_background(tmp_path):
    pack = review_pack()
    session = Session.create(tmp_path / "new.sqlite", pack_path=str(pack), provider_type="school")
    app = ReviewApp(session, triage_inputs=[pack], embedder=HashingEmbedder())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.current_mode == "documents"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.triage_running and not app.triage_error
        names = {d.name for d in session.documents()}
        assert names == {p.name for p in pack.iterdir() if p.is_file()}
        table = app.screen.query_one(DataTable)
        assert table.row_count == len(names)
        assert session.suggestions(), "the matcher suggested nothing for the whole pack"
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        assert "reviewed" in app.status_text.plain
    session.close()


class SlowEmbedder(HashingEmbedder):
    """Obeys the Embedder interface but takes its time, so a quit lands mid-triage."""

    def encode(self, texts, batch_size=32):
        time.sleep(0.2)
        return super().encode(texts, batch_size)


async def test_quit_while_triage_runs_exits_cleanly(tmp_path):
    pack = review_pack()
    session = Session.create(tmp_path / "quit.sqlite", pack_path=str(pack), provider_type="school")
    app = ReviewApp(session, triage_inputs=[pack], embedder=SlowEmbedder())
    started = time.monotonic()
    async with app.run_test(size=SIZE) as pilot:
        # Wait for the worker to start rather than a fixed time: on a loaded machine it can still
        # be pending after 0.3 s (seen in a full run beside a model fit).
        worker = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (worker is not None and worker.is_running):
            await pilot.pause(0.05)
            worker = next((w for w in app.workers if w.name == "triage"), None)
        assert worker is not None and worker.is_running
        await pilot.press("q")
    assert worker.is_cancelled
    # The worker thread notices the cancel between units of work and stops.
    deadline = time.monotonic() + 20
    while worker.is_running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not worker.is_running
    assert time.monotonic() - started < 25
    assert session.documents() == []  # nothing half-recorded
    session.close()


async def test_source_viewer_marks_manual_evidence(tmp_path):
    path = fixed_session(tmp_path / "fixed.sqlite")
    session = Session.open(path)
    app = ReviewApp(session, embedder=HashingEmbedder())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await goto_code(pilot, "1.1")
        row = session.suggestions("1.1")[0]
        await pilot.press("s")
        await pilot.pause()
        viewer = app.screen
        assert isinstance(viewer, SourceScreen)
        assert viewer.selected_offsets() == (row.start, row.end)
        await pilot.press("s")  # extend by one sentence
        await pilot.pause()
        start, end = viewer.selected_offsets()
        assert start == row.start and end > row.end
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("ctrl+u", *"5.1 seen at the fair", "enter")
        await pilot.pause()
        marked = session.manual_evidence("5.1")
        assert len(marked) == 1
        doc = session.document(row.doc_id)
        assert marked[0].text == doc.text[start:end]
        assert (marked[0].start, marked[0].end, marked[0].note) == (start, end, "seen at the fair")
    session.close()


async def test_bracketed_document_text_is_not_markup(tmp_path):
    path = fixed_session(tmp_path / "fixed.sqlite")
    session = Session.open(path)
    app = ReviewApp(session, embedder=HashingEmbedder())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await goto_code(pilot, "3.4")
        await pilot.pause()
        passage = app.screen.query_one("#passage", PassageView)
        assert "[planned]" in passage.content.plain
        drawn = "".join(passage.render_line(y).text for y in range(passage.size.height))
        assert "[planned]" in drawn
    session.close()


async def test_help_lists_review_keys(tmp_path):
    path = fixed_session(tmp_path / "fixed.sqlite")
    session = Session.open(path)
    app = ReviewApp(session, embedder=HashingEmbedder())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await goto_code(pilot, "1.1")
        await pilot.press("question_mark")
        await pilot.pause()
        text = app.screen.query_one(Static).render().plain  # type: ignore[attr-defined]
        for words in ("Confirm", "Reject", "Undo", "Note", "Rate"):
            assert words in text
    session.close()


async def test_preread_walks_codes_in_order_with_keys_only(tmp_path):
    path = fixed_session(tmp_path / "fixed.sqlite")
    session = Session.open(path)
    app = ReviewApp(session, embedder=HashingEmbedder())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("p")  # from the first row: pre-read starts at 1.1
        await pilot.pause()
        queue = app.screen
        assert isinstance(queue, ReviewQueueScreen) and queue.preread and queue.code == "1.1"
        await pilot.press("c", "c", "c")  # all three 1.1 suggestions; then it waits for a rating
        await pilot.pause()
        assert queue.code == "1.1"
        await pilot.press("3")  # rating a code in pre-read moves on
        await pilot.pause()
        assert queue.code == "1.2"
        await pilot.press("n")  # 1.2 has one suggestion: skipping past it moves on too
        await pilot.pause()
        assert queue.code == "1.3"
        await pilot.press("n")  # 1.3 has none: n goes straight to the next code
        await pilot.pause()
        assert queue.code == "1.4"
        assert "PRE-READ" in queue.query_one("#code-head", Static).render().plain  # type: ignore[attr-defined]
    assert [r.decision for r in session.suggestions("1.1")] == ["confirmed"] * 3
    assert session.ratings() == {"1.1": "fully_meeting"}
    session.close()


async def test_palette_jumps_to_a_code_and_searches_the_pack(tmp_path):
    path = fixed_session(tmp_path / "fixed.sqlite")
    session = Session.open(path)
    app = ReviewApp(session, embedder=HashingEmbedder())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p", *"go to 3.4")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewQueueScreen) and app.screen.code == "3.4"

        await pilot.press("ctrl+p", *"mock interviews")
        await pilot.pause(0.5)
        await pilot.press("down", "enter")
        await pilot.pause()
        viewer = app.screen
        assert isinstance(viewer, SourceScreen)
        start, end = viewer.selected_offsets()
        assert viewer.doc.text[start:end].lower() == "mock interviews"
    session.close()


async def test_chat_answers_with_citations_and_leaves_review_keys_alone(tmp_path):
    path = fixed_session(tmp_path / "fixed.sqlite")
    session = Session.open(path)
    app = ReviewApp(session, embedder=HashingEmbedder())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.focused, Input)
        # Review keys typed into the question are text, not actions.
        await pilot.press(*"who is the careers leader", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = " ".join(s.render().plain for s in app.screen.query(".chat-a"))  # type: ignore[attr-defined]
        assert "Okafor" in shown
        assert session.suggestions("1.1")[0].decision is None  # the "c" in "careers" confirmed nothing
    session.close()


async def test_own_evidence_from_the_visit_counts_for_the_code(tmp_path):
    path = fixed_session(tmp_path / "fixed.sqlite")
    session = Session.open(path)
    app = ReviewApp(session, embedder=HashingEmbedder())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await goto_code(pilot, "1.3")  # a code the matcher found nothing for
        assert session.assessment().codes[2].status == "missing_evidence"
        await pilot.press("e")
        await pilot.pause()
        await pilot.press(*"staff survey shows confidence", "enter")
        await pilot.pause()
        rows = session.manual_evidence("1.3")
        assert [(r.kind, r.text) for r in rows] == [("learner_voice", "staff survey shows confidence")]
        assert session.assessment().codes[2].status == "evidenced"
        await pilot.press("escape")
        await pilot.pause()
        assert "1 marked" in app.screen.query_one("#code-head", Static).render().plain  # type: ignore[attr-defined]
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(OptionList).focus()
        await pilot.press("delete", "escape")
        await pilot.pause()
        assert session.manual_evidence("1.3") == []
    session.close()


async def test_palette_switches_provider_type(tmp_path):
    path = fixed_session(tmp_path / "fixed.sqlite")
    session = Session.open(path)
    app = ReviewApp(session, embedder=HashingEmbedder())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p", *"provider type: college")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert session.provider_type == "college"
        assert "college" in app.status_text.plain
    assert session.audit_log()[-1].action == "provider_type"
    session.close()


async def test_gatsby_status_and_names_are_recorded(tmp_path):
    path = fixed_session(tmp_path / "fixed.sqlite")
    session = Session.open(path)
    app = ReviewApp(session, embedder=HashingEmbedder())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("j", "G")  # section 2
        await pilot.pause()
        await pilot.press("1")  # not met
        await pilot.pause()
        assert session.gatsby_status() == {2: "not_met"}
        assert cell_text(app.screen.query_one(DataTable), "2", "gatsby") == "not met"
        await pilot.press("ctrl+p", *"set assessor name")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"R Patel", "enter")
        await pilot.pause()
        assert session_meta(session).assessor == "R Patel"
    session.close()


async def test_triage_failure_is_shown_not_raised(tmp_path):
    gone = tmp_path / "pack-that-was-moved"
    session = Session.create(tmp_path / "moved.sqlite", pack_path=str(gone), provider_type="school")
    app = ReviewApp(session, embedder=HashingEmbedder())  # resumes: re-triages from the recorded path
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        assert "pack-that-was-moved" in app.screen.message
        await pilot.press("escape")
        await pilot.pause()
        assert "triage failed" in app.status_text.plain
        await pilot.press("b")  # the rest of the app still works
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    session.close()


async def test_passage_pane_scrolls_to_the_highlighted_span(triaged, tmp_path):
    path = copy_session(triaged, tmp_path)
    session = Session.open(path)
    # A suggestion that starts well into its document, so the pane has to scroll to show it.
    deep = next(r for r in session.suggestions() if r.rank == 1 and r.start > 3000)
    app = ReviewApp(session, embedder=HashingEmbedder())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await goto_code(pilot, deep.code)
        await pilot.pause()
        passage = app.screen.query_one("#passage", PassageView)
        assert passage.scroll_offset.y > 0
        shown = " ".join(passage.render_line(y).text for y in range(passage.size.height))
        first_words = " ".join(deep.text.split()[:4])
        assert first_words in " ".join(shown.split())
        await pilot.press("j")  # the next passage replaces it at once
        await pilot.pause()
        second = session.suggestions(deep.code)[1]
        shown = " ".join(passage.render_line(y).text for y in range(passage.size.height))
        assert " ".join(second.text.split()[:4]) in " ".join(shown.split())
    session.close()


@pytest.mark.parametrize("size", [(140, 40), (100, 32)])
async def test_code_header_keeps_one_height_from_code_to_code(triaged, tmp_path, size):
    """] must not resize the list and passage panes: the header is as tall as the longest code needs."""
    session = Session.open(copy_session(triaged, tmp_path))
    app = ReviewApp(session, embedder=HashingEmbedder(), export_dir=tmp_path / "out")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await goto_code(pilot, "1.1")
        queue = app.screen
        assert isinstance(queue, ReviewQueueScreen)
        head = queue.query_one("#code-head", Static)
        heights, list_tops, clipped = set(), set(), []
        for _ in range(len(app.index.codes) - 1):
            heights.add(head.size.height)
            list_tops.add(queue.query_one(OptionList).region.y)
            text = app.index.text_for(queue.code, session.provider_type)
            if len(Content(text).wrap(head.content_size.width)) + 1 > head.size.height:
                clipped.append(queue.code)
            await pilot.press("right_square_bracket")
            await pilot.pause()
        assert queue.code == "8.4"
        assert len(heights) == 1 and len(list_tops) == 1
        if size[0] >= 110:  # the wide layout's cap (6 lines) fits every code's text at this width
            assert clipped == []
    session.close()
