"""Review UI timings: time to the first screen, and keystroke latency in the review queue.

    .venv/bin/python benchmarks/bench_tui.py [--words 120000] [--keys 40]

1. First screen: a fresh Python process opens the sample pack (a new session, so triage starts in
   the background with the default embedder) and reports when the first screen has been drawn;
   the clock starts before the process is spawned, so imports and interpreter start-up count.
   Measured again with no argument on a data folder holding a finished sample-pack session (the
   `make run` twice case: it resumes that session and opens on the board).
2. Keystroke latency: a session holding a generated pack of --words words (12 documents, 5 to 8
   suggestions per code) is driven headless with Pilot; for each key press (move, confirm,
   reject, undo, rate) the latency is the time from the key being sent to the last frame the app
   drew in response (App._display is wrapped to note when frames are drawn). Pilot's own idle
   waits (about 80 ms a press, sleeping in 20 ms steps) come after that frame and are not counted;
   they are reported separately as "Pilot round trip" for comparison.

Prints Markdown and writes it to benchmarks/results/tui.md (unless --no-write).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

RESULTS = REPO / "benchmarks" / "results" / "tui.md"

READING = """
## How the figures are taken, and how to read them

- First screen: a fresh Python process opens the pack; the clock starts before the process is
  spawned, so interpreter start-up and imports count. The screen counts as drawn when Pilot's
  first pause returns after mounting. The triage worker starts after the first frame (its imports
  of torch and sentence-transformers hold the GIL) and loads the model itself.
- Keystrokes: a real session (SQLite in WAL mode with synchronous=FULL, as triage.session sets it)
  holding 12 generated documents and 5 to 8 suggestions per code, driven headless with Pilot at
  120x40. Latency runs from the key being sent to the last frame the app drew in response; the
  idle waiting Pilot does afterwards (it sleeps in 20 ms steps) is excluded and shown separately
  as "Pilot round trip". "CPU time per press" does not depend on other processes' load; the
  wall-clock rows do, so compare them with the load average above.
- Every key in the plan does something: k goes back onto the row c confirmed, so u undoes a real
  decision and x rejects an undecided row; ] opens the next code (new list and header).
- A decision is committed to SQLite (WAL, synchronous=FULL, so with an fsync) before anything is
  redrawn; profiled on this pack, the commit takes about 0.5 ms and the rules engine about 0.6 ms.
  The rest of a decision's time is drawing, which is what the changes below cut. A maximum far
  above the median is usually the machine's other load (see the load average above).
- Changes these measurements led to (2026-11-22, second round): the passage is drawn by a line-API
  scroll view (tui.widgets.PassageView) whose size is fixed by CSS, so showing another passage
  redraws that pane only (a Static inside a scroll container changed height with every passage
  and made the screen lay out and redraw everything, often twice); a move or a decision draws the
  passage in the same frame as the list instead of in a later highlight event; the status line
  and the code header skip the layout pass when their height does not change, and the app-level
  status reactive no longer repaints the whole app; the board under the review queue is no longer
  treated as visible (Textual counted it as a background screen and turned each redraw of it into
  a full repaint of the queue); moving to another code rebuilds the footer only when the keys
  on offer change. One partial frame per key is now the rule. Before this round, the same script
  measured median c 75 and 150 ms, x 135 and 98 ms, j 57 and 68 ms (two runs, 09:02 and 09:06 UTC,
  with the earlier key plan).
- Change of 2026-11-24: the code header above the list had an automatic height, so ] onto a code
  whose text wraps to another number of lines resized the list and passage panes as well (two
  layout passes and a redraw of the screen). It now takes the height the longest code text needs at
  the terminal's width, set on resize. The same script on the same VM measured ] at a median of
  106.6 ms before (04:34 UTC) and 50.2 ms after (06:30 UTC).
- Earlier changes: the rules file is parsed once per app, not per key; only the changed row of
  the suggestion list is redrawn; bindings no longer change state per keystroke; the passage
  header is one line updated without a layout pass; "all reviewed, rate it" is said in the
  code's header instead of by a pop-up notice.
"""

FIRST_SCREEN_CHILD = r"""
import os, sys, time, asyncio
from pathlib import Path
t0 = float(os.environ["BENCH_T0"])
from triage.commands.review import open_or_create
from tui.app import ReviewApp

async def main():
    targets = [Path(a) for a in sys.argv[1:]]
    session, inputs = open_or_create(targets, session_path=None)
    app = ReviewApp(session, triage_inputs=inputs)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print(f"FIRST_SCREEN {time.time() - t0:.3f} {app.screen.__class__.__name__}", flush=True)
        await pilot.press("q")
    session.close()

asyncio.run(main())
"""


def triaged_sample_session(data_dir: Path) -> None:
    """A finished session on the sample pack in ``data_dir``, as a first `triage review` leaves it."""
    from triage.config import sample_pack_dir
    from triage.embed import HashingEmbedder
    from triage.pipeline import triage_pack
    from triage.session import Session

    pack = sample_pack_dir().resolve()
    packed = triage_pack([pack], provider_type="school", embedder=HashingEmbedder())
    session = Session.create(
        data_dir / "sessions" / "sample.sqlite", pack_path=str(pack), provider_type="school"
    )
    session.record_triage(packed.documents, packed.chunks, packed.result)
    session.close()


def first_screen(pack: Path | None, data_dir: Path) -> tuple[float, str]:
    env = dict(os.environ, TRIAGE_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env["BENCH_T0"] = repr(time.time())
    args = [sys.executable, "-c", FIRST_SCREEN_CHILD] + ([str(pack)] if pack else [])
    out = subprocess.run(args, env=env, capture_output=True, text=True, cwd=REPO, timeout=600)
    for line in out.stdout.splitlines():
        if line.startswith("FIRST_SCREEN"):
            _, seconds, screen = line.split()
            return float(seconds), screen
    raise RuntimeError(f"first-screen run failed:\n{out.stdout}\n{out.stderr[-3000:]}")


WORDS = (
    "careers programme learners employers guidance governors destinations adviser curriculum "
    "labour market information apprenticeships college university work experience encounters "
    "parents carers tutor records evaluation leader budget plan review survey feedback year "
    "group assembly workshop mentoring interview options pathways skills sector local national"
).split()


def big_session(path: Path, words: int, seed: int = 7) -> Path:
    """A real session holding a generated pack of about ``words`` words."""
    from criteria_index import load_index
    from triage.records import Chunk, Document, MatchResult, Page, Suggestion
    from triage.session import Session

    rng = random.Random(seed)
    docs, chunks = [], []
    per_doc = words // 12
    for d in range(12):
        paras, count = [], 0
        while count < per_doc:
            n = rng.randint(40, 140)
            sentence_words = [rng.choice(WORDS) for _ in range(n)]
            for i in range(12, n, 15):
                sentence_words[i] += "."
            paras.append(" ".join(sentence_words).capitalize() + ".")
            count += n
        text = "\n\n".join(paras)
        doc_id = hashlib.sha256(f"{d}{text}".encode()).hexdigest()
        page_len = max(1, len(text) // 20)
        pages = tuple(Page(i + 1, i * page_len, min(len(text), (i + 1) * page_len)) for i in range(20))
        name = f"Generated_Document_{d + 1:02d}.txt"
        docs.append(Document(doc_id, name, f"/bench/{name}", "txt", "ok", text=text, pages=pages))
        start = 0
        for i, para in enumerate(paras):
            end = start + len(para)
            chunks.append(
                Chunk(
                    Chunk.make_id(doc_id, start, end),
                    doc_id,
                    name,
                    start,
                    end,
                    para,
                    page_start=docs[-1].page_at(start),
                    index=i,
                )
            )
            start = end + 2
    suggestions = []
    for c in load_index().codes:
        picks = rng.sample(chunks, rng.randint(5, 8))
        for rank, ch in enumerate(picks, 1):
            suggestions.append(
                Suggestion(
                    c.code,
                    ch.id,
                    ch.doc_id,
                    ch.doc_name,
                    ch.page_start,
                    ch.start,
                    ch.end,
                    ch.text,
                    round(0.9 - rank * 0.07, 3),
                    rank,
                )
            )
    result = MatchResult("school", tuple(suggestions), (), (), {}, "bench", "none", "bench", 0.5, 0.1)
    session = Session.create(path, pack_path="/bench/docs", provider_type="school", provider_name="Bench")
    session.record_triage(docs, chunks, result)
    session.close()
    return path


async def keystrokes(path: Path, presses: int) -> dict[str, list[float]]:
    from textual.widgets import DataTable

    from triage.embed import HashingEmbedder
    from triage.session import Session
    from tui.app import ReviewApp

    session = Session.open(path)
    app = ReviewApp(session, embedder=HashingEmbedder(), export_dir=path.parent)
    timings: dict[str, list[float]] = {}
    frames: list[float] = []
    display = app._display

    def noting_display(screen, renderable):  # type: ignore[no-untyped-def]
        if renderable is not None:
            frames.append(time.perf_counter())
        return display(screen, renderable)

    app._display = noting_display  # type: ignore[method-assign]

    async def timed(pilot, key: str, label: str) -> None:  # type: ignore[no-untyped-def]
        frames.clear()
        t, cpu = time.perf_counter(), time.process_time()
        await pilot.press(key)
        await pilot.pause()
        round_trip = time.perf_counter() - t
        timings.setdefault(label, []).append(frames[-1] - t if frames else round_trip)
        timings.setdefault("Pilot round trip", []).append(round_trip)
        timings.setdefault("CPU time per press", []).append(time.process_time() - cpu)

    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index("3.4"))
        await pilot.press("enter")
        await pilot.pause()
        # Every press does something: k goes back onto the row c confirmed, so u undoes a real decision
        # and x then rejects it (a reject of an undecided row); a no-op key would draw no frame at all.
        # ] opens the next code (a new list and header, so a layout pass).
        plan = ["j", "j", "k", "c", "k", "u", "x", "2", "n", "]"]
        for i in range(presses):
            await timed(pilot, plan[i % len(plan)], plan[i % len(plan)])
        await pilot.press("escape")
        await pilot.pause()
        await timed(pilot, "o", "o (to outcome screen)")
        timings["CPU time per press"].pop()  # the screen change is not a queue key
        timings["Pilot round trip"].pop()
    session.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--words", type=int, default=120_000)
    parser.add_argument("--keys", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3, help="launches per first-screen case")
    parser.add_argument("--skip-first-screen", action="store_true")
    parser.add_argument("--no-write", action="store_true", help=f"print only; do not rewrite {RESULTS.name}")
    args = parser.parse_args()

    from triage.config import sample_pack_dir

    out: list[str] = []

    def emit(line: str = "") -> None:
        print(line, flush=True)
        out.append(line)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cpu = _cpu_model()
    emit("# Review UI timings")
    emit()
    emit(f"Written by `benchmarks/bench_tui.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.")
    emit()
    emit(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs{f' ({cpu})' if cpu else ''}, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}; "
        f"load average {load:.1f} when the run started."
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        if not args.skip_first_screen:
            data = tmp_path / "resume"
            triaged_sample_session(data)
            new_runs = [first_screen(sample_pack_dir(), tmp_path / f"new{i}") for i in range(args.repeat)]
            resume_runs = [first_screen(None, data) for _ in range(args.repeat)]
            emit()
            emit("## First screen (bar: within 2 s of launch on the sample pack)")
            emit()
            emit(f"| launch ({args.repeat} runs) | first screen | median s | max s |")
            emit("| --- | --- | --- | --- |")
            for label, runs in (
                ("new session on the sample pack (triage starts in background)", new_runs),
                ("`triage review` again (resumes the finished session)", resume_runs),
            ):
                seconds = [r[0] for r in runs]
                emit(f"| {label} | {runs[0][1]} | {statistics.median(seconds):.2f} | {max(seconds):.2f} |")

        path = big_session(tmp_path / "big.sqlite", args.words)
        timings = asyncio.run(keystrokes(path, args.keys))
        emit()
        emit(f"## Keystroke latency in the review queue (bar: 100 ms; {args.words:,}-word pack)")
        emit()
        emit("| key in review queue | presses | median ms | max ms |")
        emit("| --- | --- | --- | --- |")
        extra = ("CPU time per press", "Pilot round trip", "o (to outcome screen)")
        queue_keys = [k for k in timings if k not in extra]
        timings["all queue keys"] = [v for k in queue_keys for v in timings[k]]
        for key in [*queue_keys, "all queue keys", *extra]:
            values = timings[key]
            emit(
                f"| {key} | {len(values)} | {statistics.median(values) * 1000:.1f} | {max(values) * 1000:.1f} |"
            )
    emit()
    emit(READING.strip())
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text("\n".join(out) + "\n", encoding="utf-8")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


if __name__ == "__main__":
    main()
