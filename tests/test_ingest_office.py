"""PowerPoint and Excel loaders on files made with python-pptx and openpyxl."""

from __future__ import annotations

from test_ingest_factories import make_pptx, make_xlsx

from triage.ingest import ingest_file
from triage.ingest.base import LoadContext
from triage.ingest.xlsx import load as load_xlsx


def test_pptx_one_page_per_slide(tmp_path):
    doc = ingest_file(make_pptx(tmp_path / "governors.pptx"))
    assert doc.status == "ok", doc.message
    assert doc.type == "pptx" and doc.page_count == 2
    blocks = [(b.kind, doc.text[b.start : b.end], doc.page_at(b.start)) for b in doc.blocks]
    assert ("heading", "Careers update for governors", 1) in blocks
    assert ("list_item", "Work experience for all", 1) in blocks
    assert ("list_item", "95.6% of leavers in education, employment or training", 2) in blocks


def test_xlsx_one_page_per_sheet_rows_as_table_rows(tmp_path):
    doc = ingest_file(make_xlsx(tmp_path / "destinations.xlsx"))
    assert doc.status == "ok", doc.message
    assert doc.page_count == 2
    rows = [(doc.text[b.start : b.end], doc.page_at(b.start)) for b in doc.blocks if b.kind == "table_row"]
    assert ("Destination | Number | Percent", 1) in rows
    assert ("College course 0 | 10 | 4.5", 1) in rows
    assert ("7 | Calderbrook Foods | 1 April", 2) in rows


def test_xlsx_row_cap_gives_a_warning(tmp_path):
    path = make_xlsx(tmp_path / "big.xlsx", rows=30)
    out = load_xlsx(path, path.read_bytes(), LoadContext(max_rows=10))
    assert out.status == "warning" and "only the first 10 rows" in out.message
    # The header row counts: ten rows are the header and nine data rows.
    assert "College course 8 |" in out.text and "College course 9 |" not in out.text


def test_renamed_files_are_errors(tmp_path):
    for name in ("slides.pptx", "sheet.xlsx"):
        (tmp_path / name).write_text("plain text, not an office file", encoding="utf-8")
        doc = ingest_file(tmp_path / name)
        assert doc.status == "error" and doc.message.startswith("not a")
