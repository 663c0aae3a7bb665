"""`triage review` argument handling: which session opens, and errors a person can read."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui_support import fixed_session

from triage.cli import UserError, main
from triage.commands.review import open_or_create
from triage.config import sample_pack_dir
from triage.session import Session


def test_missing_pack_is_a_readable_error(tmp_path, capsys):
    code = main(["review", str(tmp_path / "no-such-pack")])
    err = capsys.readouterr().err
    assert code == 2
    assert "does not exist" in err and "Traceback" not in err


def test_missing_session_file_is_a_readable_error(tmp_path, capsys):
    code = main(["review", str(tmp_path / "gone.sqlite")])
    assert code == 2
    assert "no session file" in capsys.readouterr().err


def test_pack_creates_a_session_to_triage(tmp_path):
    pack = tmp_path / "docs"
    pack.mkdir()
    (pack / "policy.txt").write_text("Careers policy.\n", encoding="utf-8")
    session, inputs = open_or_create([pack], session_path=tmp_path / "s.sqlite", provider_type="college")
    try:
        assert inputs == [pack.resolve()]
        assert session.provider_type == "college"
        assert session.path == tmp_path / "s.sqlite"
    finally:
        session.close()
    # The same --session path again resumes instead of starting over.
    again, inputs = open_or_create([pack], session_path=tmp_path / "s.sqlite")
    again.close()
    assert inputs == []


def test_session_file_resumes_and_can_switch_provider_type(tmp_path):
    path = fixed_session(tmp_path / "fixed.sqlite")
    session, inputs = open_or_create([path], provider_type="wbl")
    try:
        assert inputs == [] and session.provider_type == "wbl"
        assert session.suggestions()
    finally:
        session.close()


def test_session_open_elsewhere_is_refused_with_a_message(tmp_path):
    path = fixed_session(tmp_path / "fixed.sqlite")
    holder = Session.open(path)
    try:
        with pytest.raises(UserError, match="cannot open session"):
            open_or_create([path])
    finally:
        holder.close()


@pytest.mark.skipif(not sample_pack_dir().is_dir(), reason="sample pack not built")
def test_no_argument_reuses_the_latest_sample_session(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(tmp_path / "data"))
    first, inputs = open_or_create([])
    assert inputs == [sample_pack_dir().resolve()]
    first_path = Path(first.path)
    first.close()
    second, inputs = open_or_create([])
    second.close()
    assert inputs == [] and Path(second.path) == first_path


@pytest.mark.skipif(not sample_pack_dir().is_dir(), reason="sample pack not built")
def test_naming_the_sample_pack_resumes_too_unless_new(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(tmp_path / "data"))
    first, _ = open_or_create([sample_pack_dir()])
    first_path = Path(first.path)
    first.close()
    again, inputs = open_or_create([sample_pack_dir()])  # what `make run` does
    again.close()
    assert inputs == [] and Path(again.path) == first_path
    fresh, inputs = open_or_create([sample_pack_dir()], new=True)
    fresh.close()
    assert inputs and Path(fresh.path) != first_path
