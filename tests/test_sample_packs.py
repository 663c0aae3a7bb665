"""The bundled sample packs: gold labels agree with the documents as real parsers read them, and the
builder reproduces the committed files byte for byte."""

from __future__ import annotations

import html.parser
import importlib.util
import json
import re
import shutil
import sys
import unicodedata
from pathlib import Path

import docx
import pytest
import yaml
from pypdf import PdfReader

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_evidence"
PACKS = sorted(p for p in SAMPLES.iterdir() if (p / "gold.jsonl").is_file()) if SAMPLES.is_dir() else []
ALL_CODES = [f"{s}.{n}" for s, count in ((1, 9), (2, 2), (3, 7), (4, 3), (5, 3), (6, 2), (7, 2), (8, 4))
             for n in range(1, count + 1)]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, SAMPLES / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


build_pack = _load("build_pack")
check_pack = _load("check_pack")


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub("[\u2018\u2019]", "'", re.sub("[\u201c\u201d]", '"', text))
    text = re.sub("[\u2010-\u2015\u2212]", "-", text)
    return re.sub(r"\s+", " ", text).strip().lower()


class _TextOnly(html.parser.HTMLParser):
    """Visible text of an HTML page; script and style bodies dropped (a second parser, not check_pack's)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _units(path: Path) -> list[str]:
    """Pages, paragraphs and cells, or the whole file: a gold quote must sit inside one of them."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return [page.extract_text() for page in PdfReader(path).pages]
    if suffix == ".docx":
        document = docx.Document(str(path))
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        return [p.text for p in document.paragraphs] + cells
    if suffix in (".html", ".htm"):
        parser = _TextOnly()
        parser.feed(path.read_text(encoding="utf-8"))
        return [" ".join(parser.parts)]
    return [path.read_text(encoding="utf-8")]


def _jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_bundled_pack_is_there():
    assert SAMPLES / "northfield_academy" in PACKS


def test_every_pack_has_one_row_in_the_readme_table_with_its_type():
    # The table is the index a reader uses to find a pack; session 11 left six packs out of it.
    rows = re.findall(r"^\| `([a-z0-9_]+)/` \| ([a-z_]+) \|", (SAMPLES / "README.md").read_text(encoding="utf-8"), re.M)
    listed = [name for name, _ in rows]
    assert sorted(listed) == sorted({*listed}), "a pack has two rows"
    types = dict(rows)
    for pack in PACKS:
        meta = yaml.safe_load((pack / "pack.yaml").read_text(encoding="utf-8"))
        assert types.get(pack.name) == meta["provider_type"], pack.name


@pytest.mark.parametrize("pack", PACKS, ids=[p.name for p in PACKS])
def test_every_quote_is_in_its_document(pack: Path):
    units: dict[str, list[str]] = {}
    labels = _jsonl(pack / "gold.jsonl") + _jsonl(pack / "near_misses.jsonl")
    assert labels
    missing = []
    for label in labels:
        doc = pack / "docs" / label["doc"]
        assert doc.is_file(), label["doc"]
        if label["doc"] not in units:
            units[label["doc"]] = [_norm(u) for u in _units(doc)]
        quote = _norm(label["quote"])
        if not any(quote in unit for unit in units[label["doc"]]):
            missing.append((label["doc"], label["quote"][:70]))
    assert missing == []


@pytest.mark.parametrize("pack", PACKS, ids=[p.name for p in PACKS])
def test_labels_are_well_formed(pack: Path):
    gold = _jsonl(pack / "gold.jsonl")
    for label in gold + _jsonl(pack / "near_misses.jsonl"):
        assert 60 <= len(label["quote"]) <= 400, label["quote"]
        assert label["codes"] and set(label["codes"]) <= set(ALL_CODES)
        assert "[[" not in label["quote"] and "]]" not in label["quote"]
    assert {g["strength"] for g in gold} <= {"strong", "partial"}


@pytest.mark.parametrize("pack", PACKS, ids=[p.name for p in PACKS])
def test_summary_agrees_with_the_passages(pack: Path):
    gold = _jsonl(pack / "gold.jsonl")
    summary = json.loads((pack / "gold_summary.json").read_text(encoding="utf-8"))
    meta = yaml.safe_load((pack / "pack.yaml").read_text(encoding="utf-8"))
    strong = {c for g in gold if g["strength"] == "strong" for c in g["codes"]}
    any_label = {c for g in gold for c in g["codes"]}
    assert summary["provider_type"] == meta["provider_type"]
    assert summary["codes_evidenced"] == [c for c in ALL_CODES if c in strong]
    assert summary["codes_partial"] == [c for c in ALL_CODES if c in any_label - strong]
    assert summary["codes_missing"] == [c for c in ALL_CODES if c not in any_label]
    # The three lists partition the 32 codes.
    together = summary["codes_evidenced"] + summary["codes_partial"] + summary["codes_missing"]
    assert sorted(together, key=ALL_CODES.index) == ALL_CODES


@pytest.mark.parametrize("pack", PACKS, ids=[p.name for p in PACKS])
def test_pdf_pages_carry_header_and_page_n_of_m(pack: Path):
    pdfs = sorted((pack / "docs").glob("*.pdf"))
    for pdf in pdfs:
        pages = PdfReader(pdf).pages
        for n, page in enumerate(pages, 1):
            assert f"Page {n} of {len(pages)}" in page.extract_text(), (pdf.name, n)
    headers = {}
    for src in (pack / "src").glob("*.txt"):
        lines = src.read_text(encoding="utf-8").splitlines()
        out = lines[0].removeprefix("@out ").strip()
        for line in lines:
            if line.startswith("@header ") and out.endswith(".pdf"):
                headers[out] = _norm(line.removeprefix("@header "))
    for name, header in headers.items():
        for page in PdfReader(pack / "docs" / name).pages:
            assert header in _norm(page.extract_text()), name


@pytest.mark.parametrize("pack", PACKS, ids=[p.name for p in PACKS])
def test_rebuilding_gives_identical_bytes(pack: Path, tmp_path: Path):
    copy = tmp_path / pack.name
    copy.mkdir()
    shutil.copy(pack / "pack.yaml", copy / "pack.yaml")
    shutil.copytree(pack / "src", copy / "src")
    build_pack.build_pack(copy)
    built = sorted(p.name for p in (copy / "docs").iterdir())
    assert built == sorted(p.name for p in (pack / "docs").iterdir() if p.is_file())
    kinds = {Path(name).suffix for name in built}
    assert ".pdf" in kinds or ".docx" in kinds
    for name in built:
        assert (copy / "docs" / name).read_bytes() == (pack / "docs" / name).read_bytes(), name
    for name in ("gold.jsonl", "near_misses.jsonl", "gold_summary.json"):
        assert (copy / name).read_bytes() == (pack / name).read_bytes(), name


def test_northfield_meets_its_brief():
    pack = SAMPLES / "northfield_academy"
    gold = _jsonl(pack / "gold.jsonl")
    near = _jsonl(pack / "near_misses.jsonl")
    summary = json.loads((pack / "gold_summary.json").read_text(encoding="utf-8"))
    assert summary["provider_type"] == "school"
    assert 45 <= len(gold) <= 70
    assert 5 <= len(summary["codes_missing"]) <= 7
    assert len(summary["codes_partial"]) >= 3
    assert any(len(g["codes"]) == 2 for g in gold)
    for code in summary["codes_missing"]:
        assert 1 <= sum(code in n["codes"] for n in near) <= 3, code
    words = sum(len(" ".join(_units(p)).split()) for p in (pack / "docs").iterdir())
    assert 7000 <= words <= 11000
    formats = {p.suffix for p in (pack / "docs").iterdir()}
    assert {".pdf", ".docx", ".html", ".txt"} <= formats
    # A gold passage inside a DOCX table cell, as assessors meet them in real plans.
    cells = [_norm(c.text) for p in (pack / "docs").glob("*.docx")
             for t in docx.Document(str(p)).tables for row in t.rows for c in row.cells]
    assert any(_norm(g["quote"]) in cell for g in gold if g["doc"].endswith(".docx") for cell in cells)


# ----------------------------------------------------------------------------- the builder on a tiny pack


def _tiny_pack(root: Path, body: str, out: str = "Policy.pdf") -> Path:
    (root / "src").mkdir(parents=True)
    (root / "pack.yaml").write_text("provider_name: Test School\nprovider_type: school\nnotes: tiny\n")
    (root / "src" / "01_doc.txt").write_text(f"@out {out}\n@header Test School - Policy\n{body}", encoding="utf-8")
    return root


TINY = """@title A "test" policy

# Leadership
[[1.2|strong]]The Careers Leader, Ms Jo Example, has two days a week for the role - and the "head's" backing.[[/]]

- [[near:8.3]]We hope to appoint a qualified careers adviser of our own next year if the budget allows.[[/]]

| Year | Activity |
| Year 7 | [[5.1,5.2|partial]]Every Year 7 tutor group meets an employer at the summer World of Work Day.[[/]] |
"""


@pytest.mark.parametrize("out", ["Policy.pdf", "Plan.docx", "News.txt", "Notes.md"])
def test_builder_strips_markers_and_records_labels(tmp_path: Path, out: str):
    pack = _tiny_pack(tmp_path / "tiny", TINY, out)
    result = build_pack.build_pack(pack)
    gold = _jsonl(pack / "gold.jsonl")
    near = _jsonl(pack / "near_misses.jsonl")
    assert [g["codes"] for g in gold] == [["1.2"], ["5.1", "5.2"]]
    assert [g["strength"] for g in gold] == ["strong", "partial"]
    assert near == [{"doc": out, "quote": near[0]["quote"], "codes": ["8.3"]}]
    text = " ".join(_units(pack / "docs" / out))
    assert "[[" not in text and "]]" not in text
    for label in gold + near:
        assert _norm(label["quote"]) in _norm(text)
    if out.endswith((".pdf", ".docx")):
        assert "\u201chead\u2019s\u201d" in gold[0]["quote"] and " \u2013 " in gold[0]["quote"]
    else:
        assert '"head\'s"' in gold[0]["quote"] and " - " in gold[0]["quote"]
    assert result.summary["codes_evidenced"] == ["1.2"]
    assert result.summary["codes_partial"] == ["5.1", "5.2"]
    assert len(result.summary["codes_missing"]) == 29


@pytest.mark.parametrize("body, problem", [
    ("[[1.2|strong]]A paragraph that starts a labelled passage of reasonable length here\n\nand ends in the "
     "next one after a blank line.[[/]]\n", "not closed"),
    ("[[9.9|strong]]A passage with a code that the Standard does not have, long enough to pass.[[/]]\n", "code"),
    ("[[1.2|weak]]A passage with a strength that is neither strong nor partial, long enough.[[/]]\n", "strength"),
    ("[[1.2|strong]]Far too short.[[/]]\n", "characters"),
])
def test_builder_rejects_bad_markers(tmp_path: Path, body: str, problem: str):
    pack = _tiny_pack(tmp_path / "bad", body)
    with pytest.raises(build_pack.PackError, match=problem):
        build_pack.build_pack(pack)


def test_builder_names_a_source_it_would_otherwise_skip(tmp_path: Path):
    pack = _tiny_pack(tmp_path / "tiny", TINY)
    (pack / "src" / "02_Plan.md").write_text("# Plan\n\nA markdown source the builder cannot read.\n", encoding="utf-8")
    with pytest.raises(build_pack.PackError, match=r"02_Plan\.md: .*rename it to 02_Plan\.txt"):
        build_pack.build_pack(pack)


def test_check_pack_reports_a_quote_that_is_not_in_the_document(tmp_path: Path):
    pack = _tiny_pack(tmp_path / "tiny", TINY)
    build_pack.build_pack(pack)
    assert check_pack.check_pack(pack, verbose=False) == []
    gold = _jsonl(pack / "gold.jsonl")
    gold[0]["quote"] = gold[0]["quote"].replace("two days", "three days")
    (pack / "gold.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gold), encoding="utf-8")
    problems = check_pack.check_pack(pack, verbose=False)
    assert len(problems) == 1 and "not found" in problems[0]


def test_builder_explains_a_labelled_paragraph_longer_than_a_page(tmp_path: Path):
    filler = "The academy keeps careful records of everything it does for its students. " * 90
    body = f"{filler}[[1.2|strong]]The Careers Leader has two days a week for the role and a protected budget.[[/]]\n"
    pack = _tiny_pack(tmp_path / "long", body)
    with pytest.raises(build_pack.PackError, match="too long for one page"):
        build_pack.build_pack(pack)
