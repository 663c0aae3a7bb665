"""Shared fixtures. Area-specific fixtures live in the area's own test modules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from triage.config import shared_dir

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
SHARED = shared_dir()
DEV_PACK = SHARED / "eval" / "packs" / "hollins_park_school"
SAMPLE_PACK = REPO / "sample_evidence" / "northfield_academy"


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """Keep sessions, caches and config of a test run out of the user's home."""
    base = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("TRIAGE_CACHE_DIR", str(base / "cache"))
    monkeypatch.setenv("TRIAGE_CONFIG", str(base / "no-config.toml"))


@pytest.fixture
def dev_pack() -> Path:
    if not DEV_PACK.exists():
        pytest.fail(f"development pack not found at {DEV_PACK}")
    return DEV_PACK


@pytest.fixture
def sample_pack() -> Path:
    return SAMPLE_PACK


@pytest.fixture
def interview_table(tmp_path):
    """A Markdown table of learners with rows long enough that the last one, Priya Okonjo's, lands
    in a passage without the header row that marks the name column. Returns (folder, docs, chunks, row)."""
    from triage.chunking import chunk_documents
    from triage.ingest import ingest_pack

    note = "followed up by the adviser with a call home and a written summary of the options discussed " * 3
    folder = tmp_path / "interview_pack"
    folder.mkdir()
    rows = "".join(f"| Learner {i} | 10A | {note} |\n" for i in range(3))
    (folder / "interviews.md").write_text(
        "| Name | Tutor group | Notes |\n| --- | --- | --- |\n" + rows
        + f"| Priya Okonjo | 11D | had her guidance interview and wants an apprenticeship in electrical engineering; {note} |\n",
        encoding="utf-8",
    )
    docs = ingest_pack([folder])
    chunks = chunk_documents(docs)
    row = next(c for c in chunks if "Priya Okonjo" in c.text)
    assert "Tutor group" not in row.text  # the header row is in another passage
    return folder, docs, chunks, row
