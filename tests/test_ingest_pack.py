"""Pack input: folders, lists, zips; bad files beside good ones; order, ids, progress, cancel."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest
from test_ingest_factories import LEADERSHIP, encrypt_pdf, make_docx, make_image_only_pdf, make_pdf

from triage.ingest import ingest_pack
from triage.ingest.pack import size_message


def _by_name(docs):
    return {d.name: d for d in docs}


@pytest.fixture
def messy_pack(tmp_path) -> Path:
    """A realistic folder: good files beside every kind of bad input, plus OS cruft."""
    pack = tmp_path / "pack"
    (pack / "sub folder").mkdir(parents=True)
    make_pdf(pack / "Careers Policy 2025 – final.pdf", pages=2)
    make_docx(pack / "sub folder" / "Plan été 2025.docx")
    (pack / "newsletter.txt").write_text(
        "CAREERS\n\nEvery Year 11 pupil has a guidance interview.\n", encoding="utf-8"
    )
    encrypt_pdf(make_pdf(tmp_path / "src.pdf", pages=1), pack / "locked.pdf", "pw")
    make_image_only_pdf(pack / "scan.pdf")
    full = make_pdf(tmp_path / "full.pdf", pages=3).read_bytes()
    (pack / "truncated.pdf").write_bytes(full[: len(full) // 4])
    from docx import Document as WordDocument

    WordDocument().save(str(pack / "empty.docx"))
    (pack / "really text.docx").write_text("minutes as plain text", encoding="utf-8")
    (pack / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (pack / "zero.txt").write_bytes(b"")
    (pack / "photo.xyz").write_bytes(b"\x89whatever")
    (pack / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0rest")
    # Cruft that must not appear at all.
    (pack / ".DS_Store").write_bytes(b"\0\0")
    (pack / "Thumbs.db").write_bytes(b"\0\0")
    (pack / "~$Plan.docx").write_bytes(b"lock")
    (pack / ".hidden").mkdir()
    (pack / ".hidden" / "secret.txt").write_text("hidden folder text", encoding="utf-8")
    return pack


def test_bad_files_never_stop_the_pack(messy_pack):
    docs = ingest_pack(messy_pack)
    by = _by_name(docs)
    assert set(by) == {
        "Careers Policy 2025 – final.pdf",
        "Plan été 2025.docx",
        "newsletter.txt",
        "locked.pdf",
        "scan.pdf",
        "truncated.pdf",
        "empty.docx",
        "really text.docx",
        "binary.txt",
        "zero.txt",
        "photo.xyz",
        "old.doc",
    }
    assert by["Careers Policy 2025 – final.pdf"].status == "ok"
    assert LEADERSHIP in by["Careers Policy 2025 – final.pdf"].text
    assert by["Plan été 2025.docx"].status == "ok"
    assert by["newsletter.txt"].status == "ok"
    assert by["locked.pdf"].status == "error" and "--password" in by["locked.pdf"].message
    assert (
        by["scan.pdf"].status == "error" and "no text layer; OCR is not available" in by["scan.pdf"].message
    )
    assert by["truncated.pdf"].status == "error" and by["truncated.pdf"].message
    assert by["empty.docx"].message == "no text found: the Word document is empty"
    assert by["really text.docx"].status == "error" and by["really text.docx"].message.startswith(
        "not a Word"
    )
    assert by["binary.txt"].status == "error" and by["binary.txt"].message.startswith("not a text file")
    assert by["zero.txt"].status == "error" and by["zero.txt"].message == "empty file"
    assert by["photo.xyz"].status == "skipped" and by["photo.xyz"].message == "unsupported file type .xyz"
    assert by["old.doc"].status == "skipped" and by["old.doc"].message.startswith(
        "unsupported file type .doc"
    )
    for doc in docs:
        assert doc.message or doc.status == "ok"
        assert "Traceback" not in doc.message


def test_password_opens_protected_pdf_in_a_pack(messy_pack):
    by = _by_name(ingest_pack(messy_pack, password="pw"))
    assert by["locked.pdf"].status == "ok"


def test_order_is_sorted_by_path_and_ids_are_content_hashes(messy_pack):
    import hashlib

    docs = ingest_pack(messy_pack)
    rel = [Path(d.path).relative_to(messy_pack).as_posix() for d in docs]
    assert rel == sorted(rel, key=str.casefold)
    for doc in docs:
        assert doc.id == hashlib.sha256(Path(doc.path).read_bytes()).hexdigest()
    again = ingest_pack(messy_pack)
    assert [d.id for d in again] == [d.id for d in docs]


def test_size_limit(tmp_path):
    (tmp_path / "big.txt").write_text("careers " * 200_000, encoding="utf-8")  # 1.5 MB
    (tmp_path / "small.txt").write_text("Every pupil has a guidance interview.", encoding="utf-8")
    by = _by_name(ingest_pack(tmp_path, max_bytes=2**20))
    assert by["big.txt"].status == "error"
    assert by["big.txt"].message == "file is 1.5 MB, over the 1 MB limit; raise it with --max-mb"
    assert by["small.txt"].status == "ok"
    assert (
        size_message(73 * 2**20, 50 * 2**20) == "file is 73 MB, over the 50 MB limit; raise it with --max-mb"
    )


def test_single_file_and_list_inputs(tmp_path):
    a = make_docx(tmp_path / "b.docx")
    b = tmp_path / "a.txt"
    b.write_text("Careers text.", encoding="utf-8")
    assert [d.name for d in ingest_pack(a)] == ["b.docx"]
    assert [d.name for d in ingest_pack([a, b])] == ["a.txt", "b.docx"]
    with pytest.raises(FileNotFoundError):
        ingest_pack(tmp_path / "missing")


def test_duplicate_files_get_unique_ids(tmp_path):
    text = "Every pupil has a guidance interview with a qualified adviser."
    (tmp_path / "one.txt").write_text(text, encoding="utf-8")
    (tmp_path / "two.txt").write_text(text, encoding="utf-8")
    (tmp_path / "empty1.txt").write_bytes(b"")
    (tmp_path / "empty2.txt").write_bytes(b"")
    docs = ingest_pack(tmp_path)
    assert len({d.id for d in docs}) == 4
    by = _by_name(docs)
    assert by["one.txt"].status == "ok"
    assert by["two.txt"].status == "skipped" and by["two.txt"].message == "same content as one.txt; read once"
    assert by["empty2.txt"].message == "empty file"


def test_progress_and_cancel(tmp_path):
    for i in range(5):
        (tmp_path / f"{i}.txt").write_text(f"Careers note number {i}.", encoding="utf-8")
    seen = []
    docs = ingest_pack(tmp_path, progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert len(docs) == 5
    assert seen[0] == ("ingest", 0, 5) and seen[-1] == ("ingest", 5, 5)
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 2

    assert len(ingest_pack(tmp_path, cancelled=cancelled)) == 2


# ---- zips -----------------------------------------------------------------------------------


def _zip_with(path: Path, entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def test_zip_pack_with_path_traversal_and_symlink(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    docx_bytes = make_docx(tmp_path / "plan.docx").read_bytes()
    archive = _zip_with(
        work / "pack.zip",
        {
            "Pack/Plan.docx": docx_bytes,
            "Pack/notes.txt": b"Every pupil has a guidance interview.",
            "../evil.txt": b"escaped",
            "/abs/evil2.txt": b"escaped",
            "Pack/__MACOSX/._Plan.docx": b"cruft",
            "__MACOSX/Pack/._notes.txt": b"cruft",
            "Pack/inner.zip": b"PK\x03\x04",
        },
        symlinks={"Pack/link.txt": "/etc/passwd"},
    )
    docs = ingest_pack(archive)
    by = _by_name(docs)
    assert by["Plan.docx"].status == "ok" and by["notes.txt"].status == "ok"
    assert by["Plan.docx"].path.endswith("pack.zip!/Pack/Plan.docx")
    assert by["evil.txt"].status == "error" and "outside the pack" in by["evil.txt"].message
    assert by["evil2.txt"].status == "error" and "outside the pack" in by["evil2.txt"].message
    assert by["link.txt"].status == "error" and "symbolic link" in by["link.txt"].message
    assert by["inner.zip"].status == "skipped"
    assert "._Plan.docx" not in by and "._notes.txt" not in by
    assert not (tmp_path / "evil.txt").exists() and not (work / "evil.txt").exists()
    assert not Path("/abs/evil2.txt").exists()
    assert len({d.id for d in docs}) == len(docs)


def test_zip_bomb_and_damaged_zip(tmp_path):
    bomb = _zip_with(
        tmp_path / "bomb.zip", {"zeros.txt": b"\0" * (20 * 2**20), "ok.txt": b"Careers fair in October."}
    )
    by = _by_name(ingest_pack(bomb))
    assert by["zeros.txt"].status == "error" and "zip bomb" in by["zeros.txt"].message
    assert by["ok.txt"].status == "ok"
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    (doc,) = ingest_pack(broken)
    assert doc.status == "error" and doc.message.startswith("damaged zip file")


def test_truncated_zip_of_uncompressed_files_is_damaged_not_a_word_file(tmp_path):
    # Cut off before its own directory, a stored (uncompressed) zip whose last member is a .docx
    # opens as that .docx's parts; it must be reported as damaged, not read as 17 .xml files.
    docx = make_docx(tmp_path / "policy.docx")
    whole = tmp_path / "pack.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_STORED) as z:
        z.writestr("minutes.txt", "Governors discussed careers.")
        z.write(docx, "policy.docx")
    with zipfile.ZipFile(whole) as z:
        directory = z.start_dir  # where the outer zip's own directory begins
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole.read_bytes()[:directory])
    with zipfile.ZipFile(cut) as z:  # what zipfile makes of it: the Word file's parts
        assert "[Content_Types].xml" in z.namelist()
    (doc,) = ingest_pack(cut)
    assert doc.status == "error" and doc.message.startswith("damaged zip file")
    renamed = tmp_path / "renamed.zip"
    renamed.write_bytes(docx.read_bytes())
    (doc,) = ingest_pack(renamed)
    assert doc.status == "error" and "renamed Office document" in doc.message


def test_zip_inside_a_folder_is_expanded(tmp_path):
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "policy.txt").write_text("Careers policy text.", encoding="utf-8")
    _zip_with(folder / "extra.zip", {"minutes.txt": b"Governors discussed careers."})
    docs = ingest_pack(folder)
    assert [d.name for d in docs] == ["minutes.txt", "policy.txt"]
    assert all(d.status == "ok" for d in docs)
