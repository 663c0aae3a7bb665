"""Snapshot tests of the key screens, on a fixed hand-written session so the matcher cannot move them.

Update after an intended change with: .venv/bin/pytest tests/test_tui_snapshots.py --snapshot-update
and look at the report before accepting it.
"""

from __future__ import annotations

import pytest
from test_tui_support import fixed_session

from triage.embed import HashingEmbedder
from triage.session import Session
from tui.app import ReviewApp


@pytest.fixture
def app(tmp_path, monkeypatch):
    # The evidence request is dated by the assessor's last action: pin the clock so the
    # screens do not change at midnight.
    monkeypatch.setattr("triage.session.store._now", lambda: "2026-11-22T12:00:00.000Z")
    session = Session.open(fixed_session(tmp_path / "fixed.sqlite"))
    # Two decisions and a rating so the screens show state, not just an empty session.
    first, second = session.suggestions("1.1")[:2]
    session.decide(first.id, "confirm")
    session.decide(second.id, "reject", note="a plan, not practice")
    session.rate("1.1", "good_progress")
    yield ReviewApp(session, embedder=HashingEmbedder(), export_dir=tmp_path / "out")
    session.close()


def test_board_80x24(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24))


def test_review_queue_80x24(snap_compare, app):
    # 1.1 is the first code row: open it, then move to the third suggestion.
    assert snap_compare(app, terminal_size=(80, 24), press=["j", "enter", "j"])


def test_review_queue_wide(snap_compare, app):
    assert snap_compare(app, terminal_size=(140, 40), press=["j", "enter"])


def test_missing_evidence(snap_compare, app):
    assert snap_compare(app, terminal_size=(100, 30), press=["g"])


def test_outcome_screen(snap_compare, app):
    assert snap_compare(app, terminal_size=(100, 30), press=["o"])


def test_review_queue_with_a_remote_model_and_a_hint(snap_compare, tmp_path, monkeypatch):
    # Configured but never contacted: the hint was stored earlier, as second_opinion() stores it.
    monkeypatch.setenv("TRIAGE_LLM_BASE_URL", "https://llm.example.org/v1")
    session = Session.open(fixed_session(tmp_path / "fixed.sqlite"))
    first = session.suggestions("1.1")[0]
    session.add_draft("second_opinion", "no: a plan, not practice", code="1.1", suggestion_id=first.id,
                      model="fake-model")
    app = ReviewApp(session, embedder=HashingEmbedder())
    try:
        assert snap_compare(app, terminal_size=(120, 30), press=["j", "enter"])
    finally:
        session.close()
