"""The review queue warns when a suggested passage reads like a plan or an absence.

The warning comes from the matcher's stored signals (the learned plan/absence model), read back
from a real session database; it is a prompt to read closely and changes no decision."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui_support import fixed_session, goto_code
from textual.widgets import OptionList, Static

from triage.embed import HashingEmbedder
from triage.match import modality
from triage.session import Session
from tui.app import ReviewApp
from tui.queue import ReviewQueueScreen


@pytest.fixture
def session_path(tmp_path) -> Path:
    return fixed_session(tmp_path / "fixed.sqlite")


def test_signals_survive_the_session_database(session_path):
    session = Session.open(session_path)
    try:
        first, second = session.suggestions("1.1")[:2]
    finally:
        session.close()
    assert first.signals == {"modality": pytest.approx(0.12)}
    assert second.signals["modality"] == pytest.approx(0.92)
    assert modality.caution(first.signals) == ""
    assert "plan or an absence" in modality.caution(second.signals)
    assert modality.caution({}) == ""


async def test_queue_marks_the_passage_that_reads_like_a_plan(session_path):
    session = Session.open(session_path)
    app = ReviewApp(session, embedder=HashingEmbedder())
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.pause()
        await goto_code(pilot, "1.1")
        queue = app.screen
        assert isinstance(queue, ReviewQueueScreen)
        options = queue.query_one(OptionList)
        lines = [options.get_option_at_index(i).prompt.plain for i in range(options.option_count)]  # type: ignore[union-attr]
        assert "plan/absence?" not in lines[0]
        assert "plan/absence?" in lines[1]
        meta = queue.query_one("#passage-meta", Static)
        assert options.highlighted == 0
        assert "read closely" not in meta.render().plain  # type: ignore[attr-defined]
        await pilot.press("j")
        await pilot.pause()
        assert options.highlighted == 1
        assert "reads like a plan or an absence: read closely" in meta.render().plain  # type: ignore[attr-defined]
    assert all(s.decision is None for s in session.suggestions("1.1"))  # a warning decides nothing
