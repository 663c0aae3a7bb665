"""The criteria index against the seed documents it was built from, and its validation."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from criteria_index import DATA_DIR, CriteriaDataError, load_index
from triage.config import shared_dir

SEEDS = shared_dir() / "seeds"
GUIDE = SEEDS / "000_41ce958438621bb3.txt"
TOOLKIT = SEEDS / "002_06ea8cbf3046990d.txt"
MATURITY_SEEDS = {"school": SEEDS / "003_1a65c385b3ce9f50.txt", "college": SEEDS / "004_d09117aab9f99d89.txt"}

OUTCOMES = ("insufficient_progress", "good_progress", "fully_meeting")


def normalise(text: str) -> str:
    """What a reader sees: no tags, link targets, emphasis marks, bullets or layout whitespace."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.replace("\\(", "(").replace("\\)", ")")
    text = re.sub(r"[*•|]", " ", text)
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r"\s+\)", ")", text)
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> list[str]:
    return normalise(text).split(" ")


def in_order_with_few_breaks(
    needle: str, haystack: list[str], max_breaks: int, *, ordered: bool = True
) -> bool:
    """True if needle's words occur in haystack in order as at most max_breaks + 1 contiguous runs.

    A statement split across a page or a table row is contiguous on each side of the split, so a
    dropped, added or changed word anywhere else adds runs and fails. ``ordered=False`` is for
    grids extracted row by row across columns, where a cell's lines interleave with its neighbours'.
    """
    hay = " " + " ".join(haystack) + " "
    rest = words(needle)
    pos, runs = 0, 0
    while rest:
        k = 0
        while k < len(rest) and hay.find(" " + " ".join(rest[: k + 1]) + " ", pos) >= 0:
            k += 1
        if k == 0:
            return False
        phrase = " " + " ".join(rest[:k]) + " "
        if ordered:
            pos = hay.find(phrase, pos) + len(phrase) - 1
        rest = rest[k:]
        runs += 1
    return runs <= max_breaks + 1


@pytest.fixture(scope="module")
def idx():
    return load_index()


@pytest.fixture(scope="module")
def guide_text() -> str:
    return normalise(GUIDE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def section5_words() -> list[str]:
    raw = GUIDE.read_text(encoding="utf-8")
    return words(raw[raw.index("5. Making judgements") : raw.index("APPENDICES")])


# ---- shape -----------------------------------------------------------------------------------


def test_32_codes_in_order_and_sections(idx):
    codes = [c.code for c in idx.codes]
    expected_sizes = {1: 9, 2: 2, 3: 7, 4: 3, 5: 3, 6: 2, 7: 2, 8: 4}
    expected = [f"{s}.{n}" for s, size in expected_sizes.items() for n in range(1, size + 1)]
    assert codes == expected
    assert [len(idx.codes_in(s)) for s in range(1, 9)] == list(expected_sizes.values())
    assert all(c.section == int(c.code.split(".")[0]) for c in idx.codes)
    assert [s.number for s in idx.sections] == list(range(1, 9))
    assert idx.version == "qic-2023.1"


def test_no_empty_text_anywhere(idx):
    for c in idx.codes:
        assert c.description.strip() and c.source.strip(), c.code
    for s in idx.sections:
        assert s.title and s.source and s.descriptor_heading
        assert set(s.descriptors) == set(OUTCOMES)
        for oid in OUTCOMES:
            assert len(s.descriptors[oid]) >= 3, (s.number, oid)
            for d in s.descriptors[oid]:
                assert d.text.strip() and d.source.strip(), (s.number, oid, d.numeral)
    for g in idx.glossary:
        assert g.term and g.text and g.source
    for b in idx.gatsby:
        assert b.title and b.what_good_looks_like and all(b.what_good_looks_like)
    for m in idx.maturity:
        assert m.title and len(m.statements) == 4 and m.source
        assert all(m.statements) or m.note, m.number  # a blank cell of the source grid must be explained
    for o in idx.outcomes:
        assert o.label and o.grid_label and o.summary_note and o.meaning and o.source


def test_every_link_resolves(idx):
    codes = {c.code for c in idx.codes}
    glossary = {g.number for g in idx.glossary}
    sections = {s.number for s in idx.sections}
    for c in idx.codes:
        assert set(c.see_also) <= codes - {c.code}
        assert set(c.glossary_refs) <= glossary
    for s in idx.sections:
        assert s.gatsby_benchmark in {b.number for b in idx.gatsby}
        for items in [*s.descriptors.values(), *s.notes.values()]:
            for d in items:
                assert set(d.glossary_refs) <= glossary
    for b in idx.gatsby:
        assert b.section in sections
    for m in idx.maturity:
        assert set(m.sections) <= sections
        # every theme names its benchmarks except the college grid's theme 1
        assert m.sections or (m.provider_kind, m.theme) == ("college", 1), (m.provider_kind, m.number)
    # the guide's own cross-references
    assert idx.code("1.3").see_also == ("8.1",)
    assert idx.code("8.1").see_also == ("1.3",)
    assert idx.code("1.4").see_also == ("4.3",)


def test_glossary_links_follow_the_terms(idx):
    assert "1.9" in idx.code("1.2").glossary_refs  # Careers Leader
    assert "1.18" in idx.code("5.1").glossary_refs  # meaningful encounter
    assert "1.15" in idx.code("2.1").glossary_refs  # impartial
    assert "1.4" in idx.code("2.1").glossary_refs  # career and labour market information
    assert {"1.26", "1.27"} <= set(idx.code("6.1").glossary_refs)  # work experience, work shadowing
    good = idx.section(1).descriptors["good_progress"]
    assert good[1].glossary_refs == ("1.25", "1.9", "1.10", "1.2")  # four (q.v.) terms, in order
    # every "(q.v.)" in a descriptor is linked to at least one glossary entry
    for s in idx.sections:
        for items in [*s.descriptors.values(), *s.notes.values()]:
            for d in items:
                if "(q.v.)" in d.text:
                    assert d.glossary_refs, (s.number, d.text[:60])


# ---- wording against the seeds ---------------------------------------------------------------


def test_every_code_wording_is_in_the_guide(idx, guide_text):
    for c in idx.codes:
        for part in (c.description, c.school_text, c.college_text):
            if part:
                assert normalise(part) in guide_text, f"{c.code}: {part[:70]!r} not found in the guide"


def test_every_descriptor_is_in_section_5(idx, section5_words):
    for s in idx.sections:
        for oid in OUTCOMES:
            for d in s.descriptors[oid]:
                # a statement may straddle a page break and a bullet list: allow two breaks
                assert in_order_with_few_breaks(d.text, section5_words, 2), (s.number, oid, d.numeral)
        for notes in s.notes.values():
            for n in notes:
                assert in_order_with_few_breaks(f"{n.label}: {n.text}", section5_words, 2)


def test_descriptor_wording_spot_checks(idx):
    s1 = idx.section(1).descriptors
    assert s1["insufficient_progress"][0].text == (
        "The concept of a ‘careers programme’ is missing or difficult to discern."
    )
    # split across a page in the guide; must read as one statement
    assert s1["good_progress"][2].text == (
        "Elements of ring-fencing the careers programme are in place to protect it from competing "
        "priorities and other resource constraints."
    )
    assert (
        s1["fully_meeting"][2].text == "The resourcing and prioritising of the careers programme is secure."
    )
    assert [d.numeral for d in s1["insufficient_progress"]] == ["i", "ii", "iii", "iv", "v", "vi", "vii"]
    s6 = idx.section(6).descriptors["fully_meeting"][0].text
    assert "• learning providers in rural catchment areas" in s6  # sub-bullets stay with their statement
    assert s6.count("•") == 2
    s7 = idx.section(7).descriptors["insufficient_progress"][1].text
    assert s7.endswith(
        "the level of support for appropriate post 16+ options (q.v.) is no more than adequate."
    )
    s8 = idx.section(8)
    assert [n.label for n in s8.notes["good_progress"]] == ["Note 1", "Note 2"]
    assert s8.descriptors["fully_meeting"][2].text == (
        "The learning provider meets the Gatsby Benchmark performance indicator for this Benchmark."
    )
    assert len(idx.section(4).descriptors["good_progress"]) == 6
    assert idx.section(4).descriptors["insufficient_progress"][5].text == (
        "The learning provider does not meet the Gatsby Benchmark performance indicator for this Benchmark."
    )


@pytest.mark.parametrize(
    ("code", "start", "end"),
    [
        ("1.1", "Ensuring that the governing body provides clear strategic advice", "(taking full account of current statutory duties)"),
        ("2.2", "Engaging with and informing parents and carers", "for the benefit of their child's career development"),
        ("3.4", "Analysing student destinations data for Key Stage 4 & Key Stage 5", "to make improvements to the careers programme"),
        ("4.3", "Implementing effective ways of teaching, learning and assessing", "careers-related learning of learners"),
        ("5.1", "Securing meaningful encounters with employers and employees", "for every learner."),
        ("6.2", "Ensuring that evidence affirms that experiences have clear learning objectives", "by learners and key stakeholders"),
        ("7.1", "Securing meaningful encounters for learners with providers", "learning opportunities open to them"),
        ("8.4", "Where externally provided careers advice and guidance is secured", "determined by the Career Development Institute"),
    ],
)  # fmt: skip
def test_code_wording_spot_checks(idx, code, start, end):
    text = idx.code(code).description
    assert text.startswith(start) and text.endswith(end)


def test_tags_and_pipes_are_gone(idx):
    texts = [c.description + c.school_text + c.college_text for c in idx.codes]
    texts += [d.text for s in idx.sections for ds in s.descriptors.values() for d in ds]
    texts += [g.text for g in idx.glossary]
    for t in texts:
        assert not re.search(r"</?(p|i|u|ul|li)\b|\]\(|\t|<http", t), t[:80]
    assert "all staff" in idx.code("1.3").description  # was <u>all staff</u>
    assert idx.code("1.3").description.endswith("– see also 8.1)")


# ---- variants by provider type ----------------------------------------------------------------


def test_variant_sentences_are_separate_fields(idx):
    with_school = {c.code for c in idx.codes if c.school_text}
    with_college = {c.code for c in idx.codes if c.college_text}
    assert with_school == {"5.1", "6.1", "7.1", "8.2"}
    assert with_college == {"4.1", "5.1", "6.1", "7.1", "8.2"}
    assert all(idx.code(c).school_text.startswith("For schools") for c in with_school)
    assert all(idx.code(c).college_text.lower().startswith("for college") for c in with_college)


def test_text_for_picks_the_variant(idx):
    code = idx.code("8.2")
    for pt in ("school", "special_school"):
        text = idx.text_for("8.2", pt)
        assert (
            text.startswith(code.description) and code.school_text in text and code.college_text not in text
        )
    for pt in ("college", "wbl"):
        text = idx.text_for("8.2", pt)
        assert code.college_text in text and code.school_text not in text
    assert idx.text_for("4.1", "school") == idx.code("4.1").description
    assert "English and Maths" in idx.text_for("4.1", "wbl")
    assert idx.text_for("3.4", "college") == idx.text_for("3.4", "school") == idx.code("3.4").description
    with pytest.raises(ValueError, match="unknown provider type"):
        idx.text_for("3.4", "university")
    assert [p.id for p in idx.provider_types] == ["school", "special_school", "college", "wbl"]


# ---- outcomes, glossary, Gatsby, maturity -------------------------------------------------------


def test_outcomes_match_the_guide(idx, guide_text):
    assert [o.id for o in idx.outcomes] == list(OUTCOMES)
    ins, good, full = idx.outcomes
    assert ins.citation == "" and good.citation and full.citation
    assert "on any single section of the eight elements" in ins.meaning
    assert '"making good progress"' in good.citation and "“fully meeting”" in full.citation
    assert full.meaning.startswith("“Fully meeting” means")
    for o in idx.outcomes:
        assert normalise(o.grid_label) in guide_text
        assert normalise(o.summary_note) in guide_text
        assert normalise(o.citation) in guide_text
    assert good.summary_note.startswith("Evidence of good progress")
    assert idx.outcome("fully_meeting") is full
    with pytest.raises(KeyError):
        idx.outcome("outstanding")


def test_glossary_has_27_entries_from_appendix_1(idx, guide_text):
    assert [g.number for g in idx.glossary] == [f"1.{n}" for n in range(1, 28)]
    assert idx.glossary_entry("1.7").term == "Careers adviser"
    assert idx.glossary_entry("1.18").text.startswith("An encounter becomes meaningful if it has explicit")
    for g in idx.glossary:
        for line in g.text.splitlines():
            line = re.sub(r"^Theme \d: ", "", line)  # the 1.8 theme table, one theme per line
            # each line is one paragraph or bullet of the guide (a page break may split one: 1.13)
            assert in_order_with_few_breaks(line, guide_text.split(" "), 1), (g.number, line[:60])


def test_gatsby_what_good_looks_like(idx):
    toolkit = normalise(TOOLKIT.read_text(encoding="utf-8"))
    assert [b.number for b in idx.gatsby] == list(range(1, 9))
    assert [b.section for b in idx.gatsby] == list(range(1, 9))
    for b in idx.gatsby:
        assert normalise(b.title) in toolkit
        for st in b.what_good_looks_like:
            assert normalise(st) in toolkit, (b.number, st[:60])
    assert any("at least two visits to universities" in s for s in idx.benchmark(7).what_good_looks_like)


def test_maturity_statements_come_from_the_careers_impact_seeds(idx):
    kinds = {m.provider_kind for m in idx.maturity}
    assert kinds == {"school", "college"}
    for kind, path in MATURITY_SEEDS.items():
        # a word hyphenated at a line end ("well-" / "timed") reads as one word
        seed = words(re.sub(r"(\w)-\s*\n\s*(?=\w)", r"\1-", path.read_text(encoding="utf-8")))
        subs = [m for m in idx.maturity if m.provider_kind == kind]
        assert {m.theme for m in subs} == set(range(1, 7)), kind
        for m in subs:
            for st in filter(None, m.statements):
                if kind == "college":  # extracted cell by cell: each statement reads straight through
                    assert in_order_with_few_breaks(st, seed, 0), (kind, m.number, st[:60])
                else:  # extracted row by row across the columns, so a cell's lines interleave
                    assert in_order_with_few_breaks(st, seed, 30, ordered=False), (kind, m.number, st[:60])
    assert idx.maturity_for(8, "school") and all(8 in m.sections for m in idx.maturity_for(8))


# ---- API behaviour --------------------------------------------------------------------------


def test_lookups_and_errors(idx):
    assert idx.code("3.4").section == 3
    assert idx.section(3).title == "Addressing the needs of each student"
    assert [c.code for c in idx.codes_in(7)] == ["7.1", "7.2"]
    with pytest.raises(KeyError, match="codes run 1.1-8.4"):
        idx.code("9.1")
    with pytest.raises(KeyError):
        idx.section(9)
    with pytest.raises(KeyError):
        idx.glossary_entry("1.28")


def test_records_are_frozen_and_index_is_cached(idx):
    with pytest.raises(dataclasses.FrozenInstanceError):
        idx.code("1.1").description = "changed"  # type: ignore[misc]
    assert load_index() is load_index()
    assert load_index(DATA_DIR) is load_index()


def test_to_json_round_trips(idx):
    data = json.loads(json.dumps(idx.to_json()))
    assert data["version"] == idx.version
    assert [c["code"] for c in data["codes"]] == [c.code for c in idx.codes]
    first = data["codes"][0]
    assert {
        "code",
        "section",
        "description",
        "school_text",
        "college_text",
        "see_also",
        "glossary_refs",
    } <= set(first)
    assert len(data["sections"]) == 8 and len(data["glossary"]) == 27
    assert data["sections"][0]["descriptors"]["good_progress"][0]["numeral"] == "i"


# ---- validation of broken data ------------------------------------------------------------------


@pytest.fixture
def edition_copy(tmp_path) -> Path:
    target = tmp_path / "edition"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_copied_edition_loads_separately(edition_copy):
    copy = load_index(edition_copy)
    assert copy is not load_index()
    assert copy.version == load_index().version
    assert [c.code for c in copy.codes] == [c.code for c in load_index().codes]


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        ("standard.yaml", lambda d: d["codes"][2].update(see_also=["9.9"]), r"standard\.yaml: code 1\.3\.see_also: code '9\.9'"),
        ("standard.yaml", lambda d: d["codes"][5].update(description="  "), r"code 1\.6\.description: must not be empty"),
        ("standard.yaml", lambda d: d["codes"].pop(3), r"code 1\.5: codes in a section must run"),
        ("standard.yaml", lambda d: d["codes"][0].update(glossary_refs=["1.99"]), r"code 1\.1\.glossary_refs: glossary entry '1\.99'"),
        ("standard.yaml", lambda d: d["codes"][0].update(code=1.1), r"codes\[0\]: code 1\.1 must be quoted text"),
        ("standard.yaml", lambda d: d["codes"][0].update(descripton="typo"), r"codes\[0\]: unknown key\(s\) descripton"),
        ("standard.yaml", lambda d: d["sections"][2]["descriptors"]["good_progress"][1].update(numeral="iii"), r"section 3\.descriptors\.good_progress\[1\]: numeral"),
        ("standard.yaml", lambda d: d["sections"][0]["descriptors"].pop("fully_meeting"), r"section 1\.descriptors: must have exactly"),
        ("standard.yaml", lambda d: d["outcomes"][0].update(citation="Congratulations"), r"outcome 'insufficient_progress'"),
        ("standard.yaml", lambda d: d["outcomes"].reverse(), r"outcomes: must be insufficient_progress"),
        ("glossary.yaml", lambda d: d.update(version="qic-2099.1"), r"glossary\.yaml: version"),
        ("glossary.yaml", lambda d: d["entries"][1].update(number="1.1"), r"glossary entry 1\.1: number used twice"),
        ("gatsby.yaml", lambda d: d["benchmarks"][0].update(section=12), r"gatsby\.yaml: benchmark 1: section 12"),
    ],
)  # fmt: skip
def test_broken_data_is_rejected_naming_file_and_item(edition_copy, file, change, message):
    _edit(edition_copy / file, change)
    with pytest.raises(CriteriaDataError, match=message):
        load_index(edition_copy)


def test_invalid_yaml_and_missing_files_are_clear(edition_copy):
    (edition_copy / "standard.yaml").write_text("version: [unclosed\n", encoding="utf-8")
    with pytest.raises(CriteriaDataError, match=r"standard\.yaml: not valid YAML"):
        load_index(edition_copy)
    (edition_copy / "glossary.yaml").unlink()
    with pytest.raises(CriteriaDataError, match=r"glossary\.yaml: criteria data file not found"):
        load_index(edition_copy)
    with pytest.raises(CriteriaDataError, match="directory not found"):
        load_index(edition_copy / "nowhere")


def test_maturity_file_must_hold_four_statements(edition_copy):
    files = sorted(edition_copy.glob("maturity_*.yaml"))
    assert files, "maturity data files are missing"
    _edit(files[0], lambda d: d["themes"][0]["sub_themes"][0]["statements"].pop())
    with pytest.raises(
        CriteriaDataError, match=r"maturity_\w+\.yaml: sub-theme 1\.1\.statements: must hold the four"
    ):
        load_index(edition_copy)
