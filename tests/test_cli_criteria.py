"""``triage criteria`` through the real argument parser and the bundled data."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from criteria_index import DATA_DIR, load_index
from triage.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["criteria", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_table_lists_every_section_and_code(capsys):
    code, out, err = run(capsys)
    assert code == 0 and err == ""
    idx = load_index()
    for s in idx.sections:
        assert f"{s.number}. {s.title}" in out
    lines = out.splitlines()
    listed = [ln.split()[0] for ln in lines if ln.startswith("  ") and ln.split()[0][:1].isdigit()]
    assert listed == [c.code for c in idx.codes]
    assert "8 sections, 32 codes" in out


def test_table_with_provider_type_adds_that_wording_only(capsys):
    _, out, _ = run(capsys, "--provider-type", "college")
    flat = " ".join(out.split())
    assert "For College learners, securing at least two meaningful encounters" in flat
    assert "For schools, through a variety of methods" not in flat


def test_single_code_in_full(capsys):
    code, out, err = run(capsys, "3.1")
    assert code == 0 and err == ""
    flat = " ".join(out.split())
    idx = load_index()
    assert " ".join(idx.code("3.1").description.split()) in flat
    for o in idx.outcomes:
        assert o.grid_label in flat
    # a descriptor from each outcome of section 3
    for oid in ("insufficient_progress", "good_progress", "fully_meeting"):
        assert " ".join(idx.section(3).descriptors[oid][0].text.split()) in flat
    assert "1.22 Raising aspirations" in out  # linked glossary term with its text
    assert "Raising and widening aspirations is important" in flat
    assert "Gatsby Benchmark 3" in out and "challenge stereotypical thinking and raise aspirations" in flat
    assert "Careers Impact maturity statements (schools)" in out
    assert "Careers Impact maturity statements (colleges)" in out


def test_single_code_variants_follow_provider_type(capsys):
    _, both, _ = run(capsys, "8.2")
    assert "For schools, this means" in both and "For colleges, this means" in both
    _, school, _ = run(capsys, "8.2", "--provider-type", "special_school")
    assert "For schools, this means" in school and "For colleges, this means" not in school
    assert "Careers Impact maturity statements (colleges)" not in school
    _, wbl, _ = run(capsys, "8.2", "--provider-type", "wbl")
    assert "For colleges, this means" in wbl and "For schools, this means" not in wbl


def test_wrapping_never_splits_hyphenated_words_or_urls(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    _, out, _ = run(capsys, "6.1", "--provider-type", "school")
    assert "work-shadowing or work-experience" in " ".join(out.split())
    assert not re.search(r"\w-\n", out)  # no word broken after its hyphen
    assert "GUIDANCE-NOTE-for-Quality-in-Careers-Assessors-BM6-8.April-2022.pdf" in out


def test_see_also_is_shown(capsys):
    _, out, _ = run(capsys, "1.3")
    assert "See also" in out and "8.1  Ensuring that all learners have access to advice" in " ".join(
        out.split("\n")
    )


def test_json_is_the_whole_index(capsys):
    code, out, _ = run(capsys, "--json")
    assert code == 0
    data = json.loads(out)
    assert len(data["codes"]) == 32
    assert data["codes"][9]["code"] == "2.1" and data["codes"][9]["section"] == 2
    assert all(c["description"] for c in data["codes"])
    assert data["version"] == load_index().version


def test_json_for_one_code(capsys):
    _, out, _ = run(capsys, "5.1", "--json", "--provider-type", "school")
    data = json.loads(out)
    assert data["code"] == "5.1"
    assert data["text_for_provider_type"] == load_index().text_for("5.1", "school")
    assert [d["numeral"] for d in data["section_detail"]["descriptors"]["fully_meeting"]][:2] == ["i", "ii"]
    assert {g["number"] for g in data["glossary"]} == set(data["glossary_refs"])


def test_section_number_shows_the_section(capsys):
    code, out, _ = run(capsys, "7")
    assert code == 0
    assert "Section 7: Encounters with further and higher education" in out
    assert "7.1" in out and "7.2" in out and "provider access" in out


@pytest.mark.parametrize("bad", ["9.9", "1.10", "abc", "3.", "12"])
def test_unknown_code_is_a_clear_usage_error(capsys, bad):
    code, out, err = run(capsys, bad)
    assert code == 2
    assert out == ""
    assert err.startswith("triage: ") and bad in err
    assert "Traceback" not in err


def test_broken_criteria_dir_is_reported_without_traceback(capsys, tmp_path):
    shutil.copytree(DATA_DIR, tmp_path / "ed")
    (tmp_path / "ed" / "glossary.yaml").write_text("version: qic-2023.1\nentries: []\n", encoding="utf-8")
    code, out, err = run(capsys, "--criteria-dir", str(tmp_path / "ed"))
    assert code == 1
    assert "glossary.yaml" in err and "entries: must not be empty" in err
    assert "Traceback" not in err


def test_help_in_a_real_process():
    out = subprocess.run(
        [sys.executable, "-m", "triage.cli", "criteria", "--help"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "--provider-type" in out.stdout and "--json" in out.stdout and "3.4" in out.stdout


def test_source_names_the_guide_and_its_seed_file(capsys):
    _, code, _ = run(capsys, "3.4")
    _, section, _ = run(capsys, "6")
    for out in (code, section):
        source = next(line for line in out.splitlines() if line.startswith("Source: "))
        assert source.startswith("Source: The Quality in Careers Standard: Assessment Guide, January 2023 Edition")
        assert re.search(r"seed file 000_[0-9a-f]{16}\.txt, Appendix 2 template", source)
