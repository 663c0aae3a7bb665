"""Load ``criteria_index/queries/*.yaml``: what evidence for each code looks like."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from criteria_index.loader import YAML_LOADER
from triage.config import REPO_ROOT

QUERIES_DIR = REPO_ROOT / "criteria_index" / "queries"
_VARIANT_KEYS = ("school", "special_school", "college", "wbl")
_CODE_KEYS = {"queries", "keywords", "positives", "near_misses", "variants", "documents", "requires"}


class QueryDataError(ValueError):
    """The queries data is malformed; the message names the file and the code."""


@dataclass(frozen=True)
class Variant:
    queries: tuple[str, ...] = ()
    positives: tuple[str, ...] = ()
    near_misses: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodeQueries:
    code: str
    queries: tuple[str, ...]
    keywords: tuple[str, ...]
    positives: tuple[str, ...]
    near_misses: tuple[str, ...]
    variants: dict[str, Variant] = field(default_factory=dict, compare=False, hash=False)
    # Regular expressions over a document's file name: the kinds of document this code's
    # evidence usually sits in (minutes for 1.1, the website for 1.5, ...).
    documents: tuple[str, ...] = ()
    # Regular expressions of which a passage must match one to count fully: what the Standard's
    # wording makes essential and an embedding cannot see (8.3 is about *internally* employed staff).
    requires: tuple[str, ...] = ()

    def for_provider(self, provider_type: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """(queries, positives, near-misses) for one provider type.

        Special schools use the school variant plus their own, since the Standard gives them the
        school wording of each code.
        """
        kinds = [provider_type]
        if provider_type == "special_school":
            kinds = ["school", "special_school"]
        if provider_type == "wbl":
            kinds = ["college", "wbl"]
        q, p, n = list(self.queries), list(self.positives), list(self.near_misses)
        for kind in kinds:
            v = self.variants.get(kind)
            if v:
                q += v.queries
                p += v.positives
                n += v.near_misses
        return tuple(q), tuple(p), tuple(n)


@dataclass(frozen=True)
class QuerySet:
    version: str
    digest: str  # sha256 over the files, so a stale precomputed model is noticed
    codes: dict[str, CodeQueries]
    background: tuple[str, ...]

    def code(self, code: str) -> CodeQueries:
        return self.codes[code]

    def written_texts(self) -> list[str]:
        """Every query, exemplar and background sentence: the wording that must not be copied from
        (or into) a labelled pack, since those packs measure the matcher."""
        texts = list(self.background)
        for cq in self.codes.values():
            texts += [*cq.queries, *cq.positives, *cq.near_misses]
            for v in cq.variants.values():
                texts += [*v.queries, *v.positives, *v.near_misses]
        return texts


def word_runs(text: str, n: int = 8) -> set[str]:
    """The runs of ``n`` whole words in ``text``, lower case, punctuation as spaces. Check one
    against a passage as f" {run} " in f" {normalised passage} ", so that a run ending "completes
    a" does not match inside "completes at"."""
    words = normalised(text).split()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]", " ", text.lower())).strip()


def _strings(where: str, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise QueryDataError(f"{where}: expected a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _patterns(where: str, value: object) -> tuple[str, ...]:
    items = _strings(where, value)
    for item in items:
        try:
            re.compile(item)
        except re.error as exc:
            raise QueryDataError(f"{where}: bad pattern {item!r} ({exc})") from exc
    return items


def _variant(where: str, raw: object) -> Variant:
    if not isinstance(raw, dict) or set(raw) - {"queries", "positives", "near_misses"}:
        raise QueryDataError(f"{where}: a variant holds only queries, positives and near_misses")
    return Variant(
        _strings(f"{where}.queries", raw.get("queries")),
        _strings(f"{where}.positives", raw.get("positives")),
        _strings(f"{where}.near_misses", raw.get("near_misses")),
    )


def load_queries(directory: Path | None = None) -> QuerySet:
    """Read and validate every YAML file in the queries directory."""
    directory = Path(directory) if directory else QUERIES_DIR
    return _load_cached(str(directory.resolve()))


@lru_cache(maxsize=4)
def _load_cached(directory: str) -> QuerySet:
    files = sorted(Path(directory).glob("*.yaml"))
    if not files:
        raise QueryDataError(f"no query files in {directory}")
    digest = hashlib.sha256()
    versions: set[str] = set()
    codes: dict[str, CodeQueries] = {}
    background: list[str] = []
    for path in files:
        raw_bytes = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + raw_bytes)
        try:
            data = yaml.load(raw_bytes, Loader=YAML_LOADER)
        except yaml.YAMLError as exc:
            raise QueryDataError(f"{path.name}: not valid YAML ({exc})") from exc
        if not isinstance(data, dict) or "version" not in data:
            raise QueryDataError(f"{path.name}: needs a top-level 'version'")
        versions.add(str(data["version"]))
        background += _strings(f"{path.name}: background", data.get("background"))
        for code, body in (data.get("codes") or {}).items():
            where = f"{path.name}: code {code}"
            if code in codes:
                raise QueryDataError(f"{where}: defined twice")
            if not isinstance(body, dict) or set(body) - _CODE_KEYS:
                raise QueryDataError(f"{where}: unknown keys {sorted(set(body) - _CODE_KEYS)}")
            variants = {}
            for kind, raw in (body.get("variants") or {}).items():
                if kind not in _VARIANT_KEYS:
                    raise QueryDataError(f"{where}: unknown provider type {kind!r}")
                variants[kind] = _variant(f"{where}.variants.{kind}", raw)
            cq = CodeQueries(
                code=str(code),
                queries=_strings(f"{where}.queries", body.get("queries")),
                keywords=_strings(f"{where}.keywords", body.get("keywords")),
                positives=_strings(f"{where}.positives", body.get("positives")),
                near_misses=_strings(f"{where}.near_misses", body.get("near_misses")),
                variants=variants,
                documents=_patterns(f"{where}.documents", body.get("documents")),
                requires=_patterns(f"{where}.requires", body.get("requires")),
            )
            if not cq.queries or not cq.positives:
                raise QueryDataError(f"{where}: needs at least one query and one positive exemplar")
            codes[cq.code] = cq
    if len(versions) != 1:
        raise QueryDataError(f"query files disagree on version: {sorted(versions)}")
    return QuerySet(
        version=versions.pop(), digest=digest.hexdigest(), codes=codes, background=tuple(background)
    )
