"""PDF loader on real PDFs made with reportlab and pypdf."""

from __future__ import annotations

from test_ingest_factories import (
    ENCOUNTERS,
    GUIDANCE,
    LEADERSHIP,
    encrypt_pdf,
    make_image_only_pdf,
    make_pdf,
    pdf_bytes_truncated,
)

from triage.ingest import ingest_file
from triage.ingest.pdf import PASSWORD_MESSAGE


def _block_texts(doc, kind):
    return [doc.text[b.start : b.end] for b in doc.blocks if b.kind == kind]


def test_pages_paragraphs_and_exact_spans(tmp_path):
    doc = ingest_file(make_pdf(tmp_path / "policy.pdf", pages=3))
    assert doc.status == "ok", doc.message
    assert doc.type == "pdf" and doc.page_count == 3
    assert [p.number for p in doc.pages] == [1, 2, 3]
    # Wrapped lines are re-joined: each paragraph is one block, whole.
    paragraphs = _block_texts(doc, "paragraph")
    assert paragraphs.count(LEADERSHIP) == 3
    assert paragraphs.count(ENCOUNTERS) == 3
    assert _block_texts(doc, "list_item").count(GUIDANCE) == 3
    for block in doc.blocks:
        assert doc.text[block.start : block.end].strip() == doc.text[block.start : block.end]
    # Every block lies inside the page it came from.
    for page in doc.pages:
        inside = [b for b in doc.blocks if page.start <= b.start < page.end]
        assert all(b.end <= page.end for b in inside)
        assert doc.page_at(inside[0].start) == page.number


def test_running_header_and_page_numbers_are_furniture(tmp_path):
    doc = ingest_file(make_pdf(tmp_path / "policy.pdf", pages=4, header="Northfield Academy"))
    furniture = _block_texts(doc, "furniture")
    assert sum("Page" in f and "of 4" in f for f in furniture) == 4
    assert sum("Northfield Academy" in f for f in furniture) == 4
    content = [doc.text[b.start : b.end] for b in doc.blocks if b.kind != "furniture"]
    assert not any("Page 2 of 4" in c or "Northfield Academy" in c for c in content)


def test_headings_title_and_table_rows(tmp_path):
    doc = ingest_file(make_pdf(tmp_path / "policy.pdf", pages=2, title="Careers Policy 2025"))
    assert doc.title == "Careers Policy 2025"
    assert "1. Section 1 Leadership" in _block_texts(doc, "heading")
    rows = _block_texts(doc, "table_row")
    assert "Careers Leader | Plans and evaluates the programme" in rows


def test_encrypted_pdf_without_and_with_password(tmp_path):
    locked = encrypt_pdf(make_pdf(tmp_path / "p.pdf", pages=1), tmp_path / "locked.pdf", "s3cret")
    doc = ingest_file(locked)
    assert doc.status == "error"
    assert doc.message == PASSWORD_MESSAGE
    wrong = ingest_file(locked, password="nope")
    assert wrong.status == "error" and "password supplied does not open it" in wrong.message
    opened = ingest_file(locked, password="s3cret")
    assert opened.status == "ok"
    assert LEADERSHIP in opened.text


def test_image_only_pdf_is_an_error_naming_ocr(tmp_path):
    doc = ingest_file(make_image_only_pdf(tmp_path / "scan.pdf"))
    assert doc.status == "error"
    assert doc.message.startswith("no text layer; OCR is not available")


def test_some_pages_without_text_is_a_warning_naming_them(tmp_path):
    doc = ingest_file(make_pdf(tmp_path / "mixed.pdf", pages=4, blank_pages=(2, 4)))
    assert doc.status == "warning"
    assert "pages 2, 4" in doc.message and "OCR is not available" in doc.message
    assert doc.page_count == 4
    assert doc.text.count(LEADERSHIP) == 2


def test_truncated_pdf_never_raises(tmp_path):
    source = make_pdf(tmp_path / "full.pdf", pages=3)
    for keep in (0.1, 0.5, 0.9):
        broken = tmp_path / f"cut{keep}.pdf"
        broken.write_bytes(pdf_bytes_truncated(source, keep))
        doc = ingest_file(broken)
        assert doc.status in ("error", "warning", "ok")
        if doc.status == "error":
            assert doc.message and "Traceback" not in doc.message


def test_not_a_pdf_named_pdf(tmp_path):
    fake = tmp_path / "notes.pdf"
    fake.write_text("just some words, not a PDF")
    doc = ingest_file(fake)
    assert doc.status == "error" and doc.message.startswith("not a PDF file")


def test_time_budget_stops_a_slow_pdf(tmp_path):
    import time

    from triage.ingest.base import LoadContext, LoadError
    from triage.ingest.pdf import load

    path = make_pdf(tmp_path / "policy.pdf", pages=2)
    try:
        load(path, path.read_bytes(), LoadContext(deadline=time.monotonic() - 1))
    except LoadError as exc:
        assert "took too long" in str(exc)
    else:
        raise AssertionError("a PDF past its time budget must not be read")
    capped = load(path, path.read_bytes(), LoadContext(max_pages=1))
    assert capped.status == "warning" and "only the first 1 of 2 pages" in capped.message
    assert len(capped.pages) == 1


def test_table_cells_that_wrap_stay_in_their_row(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    body = getSampleStyleSheet()["BodyText"]
    rows = [
        ("Dr Martin Fellowes", "Chair, community governor and link governor for careers", "Present"),
        ("Mrs Sandra Okoye", "Vice Chair", "Apologies accepted by the board"),
        ("Mr Colin Brereton", "Parent governor", "Present"),
    ]
    data = [["Name", "Role", "Attendance"]] + [[Paragraph(c, body) for c in row] for row in rows]
    path = tmp_path / "minutes.pdf"
    SimpleDocTemplate(str(path), pagesize=A4).build([Table(data, colWidths=[60, 150, 80])])
    doc = ingest_file(path)
    table = _block_texts(doc, "table_row")
    assert table == ["Name | Role | Attendance"] + [" | ".join(row) for row in rows]


def test_two_column_newsletter_reads_column_by_column(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    body = getSampleStyleSheet()["BodyText"]
    left_story = [LEADERSHIP, ENCOUNTERS, GUIDANCE]
    right_story = [
        "The Post-16 Fair in October brought fourteen colleges and training providers into the sports hall, "
        "and every Year 11 pupil visited with their tutor group during the school day.",
        "Parents and carers are warmly invited to the Year 9 options evening in February, where subject leaders "
        "explain how each choice links to careers and further study.",
    ]
    width, height = A4
    gutter, margin = 20, 50
    col = (width - 2 * margin - gutter) / 2
    frames = [
        Frame(margin, margin, col, height - 2 * margin, id="left"),
        Frame(margin + col + gutter, margin, col, height - 2 * margin, id="right"),
    ]
    from reportlab.platypus import FrameBreak

    story = (
        [Paragraph(t, body) for t in left_story] + [FrameBreak()] + [Paragraph(t, body) for t in right_story]
    )
    path = tmp_path / "newsletter.pdf"
    doc_template = BaseDocTemplate(str(path), pagesize=A4)
    doc_template.addPageTemplates([PageTemplate(id="two", frames=frames)])
    doc_template.build(story)
    doc = ingest_file(path)
    paragraphs = _block_texts(doc, "paragraph")
    assert paragraphs == left_story + right_story
