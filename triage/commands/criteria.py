"""``triage criteria``: read the Standard's sections, codes and descriptors in the terminal."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import textwrap
from pathlib import Path

from criteria_index import CriteriaDataError, CriteriaIndex, Descriptor, DescriptorNote, load_index
from triage.records import PROVIDER_TYPES

EXIT_USAGE = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "criteria",
        help="show the Standard's sections, the 32 codes and their descriptors",
        description=(
            "Show the Quality in Careers Standard as the tool reads it: with no argument, the 8 sections "
            "and their codes; with a code (e.g. 3.4), that code in full with its section's outcome "
            "descriptors, linked glossary terms, Gatsby 'what good looks like' statements and Careers "
            "Impact maturity statements; with a section number (e.g. 3), that section."
        ),
    )
    p.add_argument("code", nargs="?", help="a code such as 3.4, or a section number 1-8")
    p.add_argument(
        "--provider-type",
        choices=PROVIDER_TYPES,
        help="show only the school or college wording that applies to this kind of provider",
    )
    p.add_argument(
        "--json", action="store_true", help="print JSON instead of text (the whole index without CODE)"
    )
    p.add_argument(
        "--criteria-dir",
        type=Path,
        metavar="DIR",
        help="load another edition of the Standard from this data directory",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from triage.cli import UserError

    try:
        idx = load_index(args.criteria_dir)
    except CriteriaDataError as exc:
        raise UserError(f"the criteria data is broken: {exc}") from exc
    width = max(60, min(shutil.get_terminal_size((100, 24)).columns, 120))
    target = args.code
    if target is None:
        if args.json:
            _print_json(idx.to_json())
        else:
            sys.stdout.write(render_table(idx, width=width, provider_type=args.provider_type))
        return 0
    if re.fullmatch(r"\d+", target):
        number = int(target)
        if not any(s.number == number for s in idx.sections):
            raise UserError(f"there is no section {target}; sections are 1-{len(idx.sections)}", EXIT_USAGE)
        if args.json:
            _print_json(section_json(idx, number))
        else:
            sys.stdout.write(render_section(idx, number, width=width, provider_type=args.provider_type))
        return 0
    if not idx.has_code(target):
        raise UserError(
            f"unknown code {target!r}; codes run {idx.codes[0].code}-{idx.codes[-1].code} "
            "(run 'triage criteria' to list them)",
            EXIT_USAGE,
        )
    if args.json:
        _print_json(code_json(idx, target, args.provider_type))
    else:
        sys.stdout.write(render_code(idx, target, width=width, provider_type=args.provider_type))
    return 0


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


# ---- text rendering (pure: return strings so tests and the UI can reuse them) --------------------


def _wrap(text: str, width: int, indent: str, hanging: str | None = None) -> list[str]:
    """Wrap each line of ``text`` on its own so bullets and paragraphs keep their breaks."""
    out: list[str] = []
    for line in text.splitlines() or [""]:
        sub = hanging if hanging is not None else indent
        if line.startswith("• "):
            sub = indent + "  "
        # never split "work-shadowing" or a URL across lines: an assessor may search for them
        wrapped = textwrap.wrap(
            line,
            width,
            initial_indent=indent,
            subsequent_indent=sub,
            break_on_hyphens=False,
            break_long_words=False,
        )
        out.extend(wrapped or [indent])
    return out


def _variant_kind(idx: CriteriaIndex, provider_type: str | None) -> str | None:
    return idx.provider_type(provider_type).variant if provider_type else None


def render_table(idx: CriteriaIndex, *, width: int = 100, provider_type: str | None = None) -> str:
    kind = _variant_kind(idx, provider_type)
    lines = [f"{idx.title} ({idx.version}): {len(idx.sections)} sections, {len(idx.codes)} codes"]
    if provider_type:
        lines.append(f"Wording for: {idx.provider_type(provider_type).label}")
    for s in idx.sections:
        lines.append("")
        lines.append(f"{s.number}. {s.title}")
        for c in idx.codes_in(s.number):
            text = c.description
            extra = c.variant(kind) if kind else ""
            if extra:
                text = f"{text}\n{extra}"
            wrapped = _wrap(text, width, " " * 7)
            wrapped[0] = f"  {c.code:<5}" + wrapped[0][7:]
            lines.extend(wrapped)
    lines.append("")
    lines.append("Show one code in full with: triage criteria CODE (e.g. triage criteria 3.4)")
    return "\n".join(lines) + "\n"


def _descriptor_lines(idx: CriteriaIndex, section: int, width: int) -> list[str]:
    s = idx.section(section)
    lines: list[str] = []
    for o in idx.outcomes:
        lines.append(f"  {o.grid_label}")
        for d in s.descriptors[o.id]:
            prefix = f"    {d.numeral + '.':<6}"
            wrapped = _wrap(d.text, width, " " * len(prefix))
            wrapped[0] = prefix + wrapped[0][len(prefix) :]
            lines.extend(wrapped)
        for n in s.notes.get(o.id, ()):
            lines.extend(_wrap(f"{n.label}: {n.text}", width, "    "))
        lines.append("")
    return lines


# The Assessment Guide is seed 000; other seeds (guidance notes) are cited by their own names.
_GUIDE_SEED = re.compile(r"^000_[0-9a-f]{16}\.txt\b")


def _cite(idx: CriteriaIndex, source: str) -> str:
    """The Guide's title and edition before its seed file name: an assessor knows the one, and
    the file name lets anyone check the text against the seed."""
    if not _GUIDE_SEED.match(source):
        return source
    return f"{idx.title}, {idx.edition}, seed file {source}"


def render_code(idx: CriteriaIndex, code: str, *, width: int = 100, provider_type: str | None = None) -> str:
    c = idx.code(code)
    s = idx.section(c.section)
    kind = _variant_kind(idx, provider_type)
    lines = [f"Code {c.code}  (section {s.number}: {s.title})", f"Source: {_cite(idx, c.source)}", ""]
    lines += ["Description"] + _wrap(c.description, width, "  ") + [""]

    variants = [(k, c.variant(k)) for k in ("school", "college") if c.variant(k)]
    if kind:
        label = idx.provider_type(provider_type or "").label
        chosen = c.variant(kind)
        lines.append(f"Wording for: {label}")
        lines += _wrap(
            chosen or "The Recording Grid has no separate wording for this kind of provider.", width, "  "
        )
        lines.append("")
    elif variants:
        lines.append("Provider-type wording (Recording Grid)")
        for k, text in variants:
            who = ", ".join(p.id for p in idx.provider_types if p.variant == k)
            lines += _wrap(f"[{who}] {text}", width, "  ", "    ")
        lines.append("")
    if c.see_also:
        lines.append("See also")
        for other in c.see_also:
            lines += _wrap(f"{other}  {idx.code(other).description}", width, "  ", "       ")
        lines.append("")

    lines.append(
        f"Section {s.number} outcome descriptors (Assessment Guide section 5: {s.descriptor_heading})"
    )
    lines += _descriptor_lines(idx, s.number, width)

    refs = list(c.glossary_refs)
    linked: list[Descriptor | DescriptorNote] = [d for ds in s.descriptors.values() for d in ds]
    linked += [n for ns in s.notes.values() for n in ns]
    for d in linked:
        refs += [r for r in d.glossary_refs if r not in refs]
    if refs:
        lines.append("Glossary (Assessment Guide Appendix 1)")
        for number in refs:
            g = idx.glossary_entry(number)
            mark = "" if number in c.glossary_refs else "  [used by the descriptors]"
            lines.append(f"  {g.number} {g.term}{mark}")
            lines += _wrap(g.text, width, "    ")
        lines.append("")

    for b in idx.benchmarks_for(s.number):
        lines.append(f"Gatsby Benchmark {b.number}: {b.title} - what good looks like")
        for st in b.what_good_looks_like:
            lines += _wrap(f"• {st}", width, "  ", "    ")
        for n in b.notes:
            lines += _wrap(n, width, "  ")
        lines.append("")

    kinds = [kind] if kind else ["school", "college"]
    for k in kinds:
        subs = idx.maturity_for(s.number, k)
        if not subs:
            continue
        lines.append(
            f"Careers Impact maturity statements ({k}s), themes naming Benchmark {s.gatsby_benchmark}"
        )
        for m in subs:
            lines += _wrap(f"{m.number} {m.title}  (theme {m.theme}: {m.theme_title})", width, "  ", "      ")
            for j, st in enumerate(m.statements, start=1):
                lines += _wrap(f"{j}. {st or '(blank in the source grid)'}", width, "    ", "       ")
            if m.note:
                lines += _wrap(f"Note: {m.note}", width, "    ")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def render_section(
    idx: CriteriaIndex, number: int, *, width: int = 100, provider_type: str | None = None
) -> str:
    s = idx.section(number)
    kind = _variant_kind(idx, provider_type)
    lines = [f"Section {s.number}: {s.title}", f"Source: {_cite(idx, s.source)}", "", "Codes"]
    for c in idx.codes_in(number):
        text = c.description
        if kind and c.variant(kind):
            text = f"{text}\n{c.variant(kind)}"
        wrapped = _wrap(text, width, " " * 7)
        wrapped[0] = f"  {c.code:<5}" + wrapped[0][7:]
        lines.extend(wrapped)
    lines += ["", f"Outcome descriptors (Assessment Guide section 5: {s.descriptor_heading})"]
    lines += _descriptor_lines(idx, number, width)
    return "\n".join(lines).rstrip("\n") + "\n"


# ---- JSON for one code or section ------------------------------------------------------------


def code_json(idx: CriteriaIndex, code: str, provider_type: str | None = None) -> dict:
    full = idx.to_json()
    c = next(x for x in full["codes"] if x["code"] == code)
    c = dict(c)
    if provider_type:
        c["provider_type"] = provider_type
        c["text_for_provider_type"] = idx.text_for(code, provider_type)
    c["section_detail"] = section_json(idx, c["section"], full)
    c["glossary"] = [g for g in full["glossary"] if g["number"] in c["glossary_refs"]]
    return c


def section_json(idx: CriteriaIndex, number: int, full: dict | None = None) -> dict:
    full = full or idx.to_json()
    s = dict(next(x for x in full["sections"] if x["number"] == number))
    s["codes"] = [c["code"] for c in full["codes"] if c["section"] == number]
    s["gatsby"] = [b for b in full["gatsby"] if b["section"] == number]
    s["maturity"] = [m for m in full["maturity"] if number in m["sections"]]
    return s
