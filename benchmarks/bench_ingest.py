"""Ingest benchmark: a generated 300-page mixed pack (PDF, DOCX, HTML, TXT), read and chunked.

    .venv/bin/python benchmarks/bench_ingest.py [--pages 300] [--no-write]

The pack is generated in a temporary folder (reportlab, python-docx), then read and chunked in a
fresh child process so that its peak resident memory (VmHWM) measures ingest alone, not the
generation. Prints pages/s and peak memory and writes benchmarks/results/ingest.md.
Target: 300 pages in under 15 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results" / "ingest.md"

VOCAB = (
    "careers programme pupils employers guidance adviser interview work experience placement college "
    "apprenticeship destinations governors leadership labour market information parents carers Year "
    "evaluation impact encounters curriculum subject teachers SEND disadvantaged provider access sixth form "
    "university enterprise challenge mentoring aspirations skills reflection feedback survey Compass+ Hub"
).split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(VOCAB) for _ in range(rng.randint(8, 24))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, sentences: tuple[int, int] = (2, 6)) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(*sentences)))


def generate(folder: Path, pages: int, seed: int = 7) -> dict[str, int]:
    """Write a mixed pack whose page counts add up to ``pages``: 80% PDF pages, the rest 1-page files."""
    from docx import Document as WordDocument
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table

    rng = random.Random(seed)
    styles = getSampleStyleSheet()
    pdf_pages = int(pages * 0.8)
    per_pdf = 20
    counts = {"pdf": 0, "docx": 0, "html": 0, "txt": 0}
    n = 0
    while pdf_pages > 0:
        size = min(per_pdf, pdf_pages)
        story: list = []
        for p in range(size):
            story.append(
                Paragraph(f"{p + 1}. {rng.choice(VOCAB).title()} and {rng.choice(VOCAB)}", styles["Heading2"])
            )
            for _ in range(4):
                story.append(Paragraph(_paragraph(rng), styles["BodyText"]))
            story.append(Table([[rng.choice(VOCAB), _sentence(rng)] for _ in range(3)]))
            if p < size - 1:
                story.append(PageBreak())

        def furniture(canvas, doc, total=size):
            canvas.setFont("Helvetica", 8)
            canvas.drawString(56, A4[1] - 30, "Generated Academy | Careers evidence")
            canvas.drawRightString(A4[0] - 56, 30, f"Page {canvas.getPageNumber()} of {total}")

        SimpleDocTemplate(str(folder / f"policy_{n:02d}.pdf"), pagesize=A4).build(
            story, onFirstPage=furniture, onLaterPages=furniture
        )
        counts["pdf"] += size
        pdf_pages -= size
        n += 1
    rest = pages - counts["pdf"]
    for i in range(rest):
        kind = ("docx", "html", "txt")[i % 3]
        path = folder / f"doc_{i:03d}.{kind}"
        if kind == "docx":
            doc = WordDocument()
            doc.add_heading(_sentence(rng)[:40], level=1)
            for _ in range(6):
                doc.add_paragraph(_paragraph(rng))
            doc.add_paragraph(_sentence(rng), style="List Bullet")
            table = doc.add_table(rows=4, cols=3)
            for row in table.rows:
                for cell in row.cells:
                    cell.text = rng.choice(VOCAB)
            doc.save(str(path))
        elif kind == "html":
            body = "".join(
                f"<h2>{rng.choice(VOCAB)}</h2><p>{_paragraph(rng)}</p><ul><li>{_sentence(rng)}</li></ul>"
                for _ in range(4)
            )
            path.write_text(
                f"<html><head><title>Careers</title></head><body><nav><a href='/'>Home</a></nav>"
                f"<main><h1>Careers</h1>{body}</main><footer>Footer</footer></body></html>",
                encoding="utf-8",
            )
        else:
            path.write_text("\n\n".join(_paragraph(rng) for _ in range(8)), encoding="utf-8")
        counts[kind] += 1
    return counts


def _peak_rss_kb() -> int:
    """Peak resident memory of this process. VmHWM is reset by exec; ru_maxrss can carry the
    high-water mark of the parent that forked us, so it is only the fallback."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(folder: Path) -> dict:
    """Run in a child process: read and chunk the pack, report time and peak memory."""
    from triage.chunking import chunk_documents
    from triage.ingest import ingest_pack

    rss_base = _peak_rss_kb()
    t0 = time.perf_counter()
    docs = ingest_pack(folder)
    t1 = time.perf_counter()
    rss_ingest = _peak_rss_kb()
    chunks = chunk_documents(docs)  # includes loading the MiniLM tokenizer once
    t2 = time.perf_counter()
    rss_after = _peak_rss_kb()
    return {
        "documents": len(docs),
        "statuses": sorted({d.status for d in docs}),
        "pages": sum(d.page_count for d in docs),
        "words": sum(d.word_count for d in docs),
        "chunks": len(chunks),
        "ingest_s": t1 - t0,
        "chunk_s": t2 - t1,
        "total_s": t2 - t0,
        "peak_rss_mb": rss_after / 1024,
        "rss_ingest_mb": rss_ingest / 1024,
        "rss_base_mb": rss_base / 1024,
    }


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--no-write", action="store_true", help="print only; do not update the results file")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        g0 = time.perf_counter()
        counts = generate(Path(tmp), args.pages)
        gen_s = time.perf_counter() - g0
        out = subprocess.run(
            [sys.executable, __file__, "--measure", tmp], capture_output=True, text=True, check=True
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
    pages_per_s = result["pages"] / result["total_s"]
    info = machine()
    lines = [
        f"pack: {result['documents']} files, {result['pages']} pages "
        f"({counts['pdf']} PDF pages, {counts['docx']} DOCX, {counts['html']} HTML, {counts['txt']} TXT), "
        f"{result['words']:,} words; generated in {gen_s:.1f} s (not timed)",
        f"ingest {result['ingest_s']:.2f} s + chunk {result['chunk_s']:.2f} s (incl. tokenizer load) "
        f"= {result['total_s']:.2f} s "
        f"-> {pages_per_s:.1f} pages/s; {result['chunks']} chunks; statuses {result['statuses']}",
        f"peak RSS {result['peak_rss_mb']:.0f} MB (interpreter and imports {result['rss_base_mb']:.0f} MB, "
        f"after reading {result['rss_ingest_mb']:.0f} MB, after chunking with the tokenizer loaded)",
        f"machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, {info['platform']}",
        f"target: {result['pages']} pages in under 15 s -> {'met' if result['total_s'] < 15 else 'NOT met'}",
    ]
    print("\n".join(lines))
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(
            "# Ingest benchmark\n\n"
            f"Run `{Path(sys.executable).name} benchmarks/bench_ingest.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n\n"
            'A generated mixed pack (reportlab PDFs with running headers and "Page N of M" footers, python-docx '
            "documents with headings, lists and tables, HTML pages with chrome, plain text) is read with "
            "`triage.ingest.ingest_pack` and chunked with `triage.chunking.chunk_documents` in a fresh process; "
            "peak memory is that process's high-water resident set (`VmHWM`).\n\n"
            + "\n".join(f"- {line}" for line in lines)
            + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
