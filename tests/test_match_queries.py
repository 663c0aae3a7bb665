"""The criterion queries data: complete, valid, and not copied from any labelled pack."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from criteria_index import load_index
from triage.config import shared_dir
from triage.match.pack_classifier import read_jsonl
from triage.match.queries import QueryDataError, _load_cached, load_queries, normalised, word_runs

REPO = Path(__file__).resolve().parent.parent
LABELLED = [
    shared_dir() / "eval" / "packs" / "hollins_park_school",
    *sorted((REPO / "sample_evidence").glob("*/")),
]


def test_every_code_has_queries_and_exemplars():
    qs = load_queries()
    assert set(qs.codes) == {c.code for c in load_index().codes}
    for code, cq in qs.codes.items():
        assert len(cq.queries) >= 2, code
        assert len(cq.keywords) >= 5, code
        assert len(cq.positives) >= 4, code
        assert len(cq.near_misses) >= 2, code
    assert len(qs.background) >= 10
    assert re.fullmatch(r"\d{4}\.\d{2}-\d+", qs.version)


def test_variants_only_add_for_their_provider_type():
    cq = load_queries().code("5.1")
    school_q, _, _ = cq.for_provider("school")
    college_q, college_p, _ = cq.for_provider("college")
    special_q, _, _ = cq.for_provider("special_school")
    assert set(cq.queries) < set(school_q) and set(cq.queries) < set(college_q)
    assert set(school_q) != set(college_q)
    assert set(school_q) <= set(special_q)  # special schools are read with the school wording
    assert len(college_p) > len(cq.positives)


def test_exemplars_are_not_copied_from_labelled_packs():
    quotes = [
        f" {normalised(row['quote'])} "
        for pack in LABELLED
        for name in ("gold.jsonl", "near_misses.jsonl")
        for row in read_jsonl(pack / name)
    ]
    if not quotes:
        pytest.fail("no labelled packs found to compare against")
    for text in load_queries().written_texts():
        # No run of 8 whole words from an exemplar appears in a labelled passage (quotes are padded
        # with spaces, so "completes a" does not match inside "completes at").
        for g in word_runs(text):
            assert not any(f" {g} " in q for q in quotes), (
                f"exemplar shares wording with a labelled pack: {g!r}"
            )


def test_malformed_files_are_refused_with_the_file_named(tmp_path):
    (tmp_path / "a.yaml").write_text('version: "1"\ncodes:\n  "1.1":\n    queries: [q]\n', encoding="utf-8")
    with pytest.raises(QueryDataError, match=r"a\.yaml: code 1\.1.*positive"):
        _load_cached(str(tmp_path))
    (tmp_path / "a.yaml").write_text(
        'version: "1"\ncodes:\n  "1.1":\n    queries: [q]\n    positives: [p]\n    sizes: [x]\n',
        encoding="utf-8",
    )
    with pytest.raises(QueryDataError, match="unknown keys"):
        _load_cached(str(tmp_path) + "/")
    (tmp_path / "a.yaml").write_text(
        'version: "1"\ncodes:\n  "1.1":\n    queries: [q]\n    positives: [p]\n', encoding="utf-8"
    )
    (tmp_path / "b.yaml").write_text('version: "2"\nbackground: [x]\n', encoding="utf-8")
    with pytest.raises(QueryDataError, match="disagree on version"):
        _load_cached(str(tmp_path) + "//")


def test_word_runs_are_whole_lower_case_words():
    runs = word_runs("One, two three-four five six SEVEN eight nine.")
    assert runs == {"one two three four five six seven eight", "two three four five six seven eight nine"}
    assert word_runs("far too short to hold eight") == set()
    # Padded on both sides, a run ending "completes a" does not match inside "completes at".
    run = "the careers leader checks that every pupil completes a"
    assert (
        f" {run} "
        not in f" {normalised('The Careers Leader checks that every pupil completes at least one')} "
    )
