"""Builders for real evidence files used by the ingest tests (reportlab, python-docx, pypdf, ...).

Kept in one module so every ingest test writes the same kinds of files; the few tests here check
that the builders produce what the other tests assume (page counts, encryption, no text layer).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document as WordDocument
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import ListFlowable, ListItem, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table

LEADERSHIP = (
    "The careers programme is led by our Careers Leader, who has two days a week protected for the role "
    "and is line managed by a member of the Senior Leadership Team. The governing body receives a report "
    "on careers twice a year and a link governor meets the Careers Leader every term."
)
ENCOUNTERS = (
    "Every pupil in Year 10 takes part in a week of work experience with a local employer, prepared in "
    "tutor time and followed by a debrief lesson in which pupils reflect on the skills they used."
)
GUIDANCE = (
    "All Year 11 pupils have a one-to-one guidance interview with a qualified careers adviser, and the "
    "action plan agreed is shared with parents and carers."
)


def make_pdf(
    path: Path,
    pages: int = 3,
    *,
    title: str = "Careers Policy",
    header: str = "Northfield Academy",
    blank_pages: tuple[int, ...] = (),
) -> Path:
    """A policy-like PDF with a running header and a "Page N of M" footer on every page.

    Pages listed in ``blank_pages`` (1-based) hold only a drawn rectangle: no text layer.
    """
    styles = getSampleStyleSheet()
    story: list = []
    for n in range(1, pages + 1):
        if n in blank_pages:
            story.append(Spacer(1, 20))
        else:
            if n == 1:
                story.append(Paragraph(title, styles["Title"]))
            story.append(Paragraph(f"{n}. Section {n} Leadership", styles["Heading2"]))
            story.append(Paragraph(LEADERSHIP, styles["BodyText"]))
            story.append(Paragraph(ENCOUNTERS, styles["BodyText"]))
            story.append(
                ListFlowable(
                    [
                        ListItem(Paragraph(GUIDANCE, styles["BodyText"])),
                        ListItem(
                            Paragraph(
                                "Parents are invited to the options evening in February.", styles["BodyText"]
                            )
                        ),
                    ],
                    bulletType="bullet",
                )
            )
            story.append(
                Table(
                    [
                        ["Role", "Responsibilities"],
                        ["Careers Leader", "Plans and evaluates the programme"],
                        ["Link governor", "Meets the Careers Leader each term"],
                    ]
                )
            )
        if n < pages:
            story.append(PageBreak())

    def furniture(canvas, doc):
        canvas.saveState()
        page = canvas.getPageNumber()
        if page in blank_pages:
            canvas.rect(100, 300, 300, 300, fill=1)  # a "scanned image" with no text
            canvas.restoreState()
            return
        canvas.setFont("Helvetica", 8)
        canvas.drawString(56, A4[1] - 30, f"{header} | {title}")
        canvas.drawRightString(A4[0] - 56, 30, f"Page {page} of {pages}")
        canvas.restoreState()

    SimpleDocTemplate(str(path), pagesize=A4).build(story, onFirstPage=furniture, onLaterPages=furniture)
    return path


def make_image_only_pdf(path: Path, pages: int = 2) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        c.rect(72, 72, 400, 600, fill=1)
        c.showPage()
    c.save()
    return path


def encrypt_pdf(source: Path, target: Path, password: str) -> Path:
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    with open(target, "wb") as fh:
        writer.write(fh)
    return target


def make_docx(
    path: Path, *, header: str = "CONFIDENTIAL HEADER TEXT", footer: str = "Footer page text"
) -> Path:
    doc = WordDocument()
    doc.add_heading("Careers Programme Plan", level=0)
    doc.add_heading("Leadership", level=1)
    doc.add_paragraph(LEADERSHIP)
    doc.add_heading("Encounters with employers", level=2)
    doc.add_paragraph(ENCOUNTERS)
    doc.add_paragraph("Year 7 World of Work Day with fourteen employers", style="List Bullet")
    doc.add_paragraph("Year 8 Enterprise Challenge with a local food manufacturer", style="List Number")
    table = doc.add_table(rows=3, cols=3)
    for r, cells in enumerate(
        [
            ("When", "Year", "Activity"),
            ("October", "11", "Post-16 Fair with 14 providers"),
            ("March", "8", "Pathways Day"),
        ]
    ):
        for c, value in enumerate(cells):
            table.cell(r, c).text = value
    doc.add_paragraph(GUIDANCE)
    section = doc.sections[0]
    section.header.paragraphs[0].text = header
    section.footer.paragraphs[0].text = footer
    doc.save(str(path))
    return path


def make_pptx(path: Path) -> Path:
    from pptx import Presentation

    deck = Presentation()
    for title, bullets in (
        ("Careers update for governors", ["Compass+ at 86% overall", "Work experience for all"]),
        ("Destinations", ["95.6% of leavers in education, employment or training"]),
    ):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        frame = slide.placeholders[1].text_frame
        frame.text = bullets[0]
        for extra in bullets[1:]:
            frame.add_paragraph().text = extra
    deck.save(str(path))
    return path


def make_xlsx(path: Path, rows: int = 4) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Destinations"
    sheet.append(["Destination", "Number", "Percent"])
    for i in range(rows):
        sheet.append([f"College course {i}", 10 + i, 4.5])
    second = book.create_sheet("Encounters")
    second.append(["Year", "Employer", "Date"])
    second.append([7, "Calderbrook Foods", "1 April"])
    book.save(str(path))
    return path


def pdf_bytes_truncated(source: Path, keep: float = 0.5) -> bytes:
    data = source.read_bytes()
    return data[: int(len(data) * keep)]


# ---- checks that the builders make what the tests assume ------------------------------------


def test_make_pdf_has_pages_and_furniture(tmp_path):
    pdf = make_pdf(tmp_path / "p.pdf", pages=3)
    reader = PdfReader(pdf)
    assert len(reader.pages) == 3
    assert "Page 2 of 3" in reader.pages[1].extract_text()


def test_encrypted_pdf_needs_password(tmp_path):
    pdf = encrypt_pdf(make_pdf(tmp_path / "p.pdf", pages=1), tmp_path / "locked.pdf", "s3cret")
    reader = PdfReader(pdf)
    assert reader.is_encrypted
    assert reader.decrypt("") == 0


def test_image_only_pdf_has_no_text(tmp_path):
    reader = PdfReader(make_image_only_pdf(tmp_path / "scan.pdf"))
    assert all(not (p.extract_text() or "").strip() for p in reader.pages)


def test_docx_header_is_not_in_body(tmp_path):
    doc = WordDocument(str(make_docx(tmp_path / "d.docx")))
    assert all("CONFIDENTIAL" not in p.text for p in doc.paragraphs)
