"""The classifier learned from the labelled sample packs: stored fit current, never trained on
the development pack, and it generalises to that pack, which it never saw."""

from __future__ import annotations

import json

import numpy as np
import pytest

from criteria_index import load_index
from triage.chat.citations import normalise
from triage.config import shared_dir
from triage.embed import EmbeddingCache, load_default_embedder
from triage.embed.base import Embedder
from triage.match import pack_classifier

DEV = shared_dir() / "eval" / "packs" / "hollins_park_school"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def emb() -> Embedder:
    return load_default_embedder()


@pytest.mark.parametrize("path", [pack_classifier.STORED, pack_classifier.RANK_STORED], ids=["flag", "ranking"])
def test_stored_fit_matches_the_labelled_packs_and_excludes_the_dev_pack(emb, path):
    clf = pack_classifier.load(emb, path)
    assert clf is not None, f"models/{path.name} is missing: run python -m triage.match.precompute"
    packs = pack_classifier.labelled_packs()
    assert len(packs) >= 11
    assert clf.packs == tuple(p.name for p in packs)
    assert "hollins_park_school" not in clf.packs
    assert clf.digest == pack_classifier.packs_digest(packs), (
        "a labelled pack changed since models/pack_classifier.npz was written: "
        "run python -m triage.match.precompute"
    )
    assert clf.codes == tuple(c.code for c in load_index().codes)


def _net(codes, coef, intercept, packs, digest, terms=None, near=None):
    """A classifier whose hidden layer passes its (non-negative) input through unchanged;
    ``near`` is (near_coef, near_intercept)."""
    dim = coef.shape[1]
    return pack_classifier.PackClassifier(
        codes,
        np.eye(dim, dtype=np.float32),
        np.zeros(dim, np.float32),
        coef,
        intercept,
        packs,
        digest,
        terms or {},
        *(near or (None, None)),
    )


def test_the_hidden_layer_is_a_relu():
    clf = _net(("1.1",), np.array([[1.0, -1.0]], np.float32), np.zeros(1, np.float32), (), "")
    out = clf.logits(np.array([[2.0, -3.0], [-2.0, 3.0]], np.float32), ["1.1"])
    assert out[:, 0].tolist() == [2.0, -3.0]  # negative activations are cut to zero before the output layer


def test_logits_are_clipped_and_unknown_codes_score_zero():
    rng = np.random.default_rng(1)
    clf = _net(("1.1", "1.2"), rng.normal(size=(2, 4)).astype(np.float32) * 100, np.zeros(2, np.float32), (), "")
    out = clf.logits(1.0 + np.abs(rng.normal(size=(5, 4))).astype(np.float32), ["1.2", "9.9", "1.1"])
    assert out.shape == (5, 3)
    assert np.all(np.abs(out) <= pack_classifier.CLIP)
    assert np.all(np.abs(out[:, [0, 2]]).max(axis=0) == pack_classifier.CLIP)  # huge weights hit the clip
    assert np.all(out[:, 1] == 0)


def test_a_likely_near_miss_lowers_the_evidence_logit_only_where_its_own_logit_is_positive():
    # Hidden units: [evidence-like, distractor-like]. Code 1.1 reads the first; its near-miss
    # output reads the second, with a balance intercept of -1.
    clf = _net(
        ("1.1",),
        np.array([[2.0, 0.0]], np.float32),
        np.zeros(1, np.float32),
        (),
        "",
        near=(np.array([[0.0, 1.0]], np.float32), np.array([-1.0], np.float32)),
    )
    vecs = np.array([[3.0, 0.0], [3.0, 0.5], [3.0, 4.0]], np.float32)
    assert clf.near_logits(vecs, ["1.1", "9.9"]).tolist() == [[-1.0, -15.0], [-0.5, -15.0], [3.0, -15.0]]
    assert clf.logits(vecs, ["1.1"])[:, 0].tolist() == [6.0, 6.0, 6.0]  # weight 0: the evidence logit alone
    # Weight 1.5: only the third sentence, whose near-miss logit is positive (3.0), loses 4.5.
    assert clf.logits(vecs, ["1.1"], near_weight=1.5)[:, 0].tolist() == [6.0, 6.0, 1.5]


def test_a_fit_without_near_miss_outputs_never_penalises():
    clf = _net(("1.1",), np.array([[1.0, 1.0]], np.float32), np.zeros(1, np.float32), (), "")
    vecs = np.array([[1.0, 2.0]], np.float32)
    assert np.all(clf.near_logits(vecs, ["1.1"]) == -pack_classifier.CLIP)
    assert clf.logits(vecs, ["1.1"], near_weight=2.0).tolist() == [[3.0]]


def test_near_miss_outputs_survive_a_save_and_load(tmp_path, emb):
    near = (np.array([[0.5, -0.5]], np.float32), np.array([0.25], np.float32))
    clf = _net(("1.1",), np.ones((1, 2), np.float32), np.zeros(1, np.float32), ("x",), "d", near=near)
    path = tmp_path / "p.npz"
    pack_classifier.save(clf, emb, path)
    back = pack_classifier.load(emb, path)
    assert back is not None
    vecs = np.array([[1.0, 2.0], [3.0, 0.0]], np.float32)
    assert np.array_equal(back.near_logits(vecs, ["1.1"]), clf.near_logits(vecs, ["1.1"]))
    assert np.array_equal(back.logits(vecs, ["1.1"], 1.0), clf.logits(vecs, ["1.1"], 1.0))


def test_a_labelled_packs_near_misses_are_labelled_with_their_codes_and_nothing_else():
    pack = pack_classifier.labelled_packs()[0]
    texts, labels, near_labels = pack_classifier.pack_texts(pack)
    near = pack_classifier.read_jsonl(pack / "near_misses.jsonl")
    gold = pack_classifier.read_jsonl(pack / "gold.jsonl")
    assert near, f"{pack.name} has no near-misses to test with"
    assert len(texts) == len(labels) == len(near_labels)
    for q in near:
        i = texts.index(q["quote"], len(gold))
        assert near_labels[i] == frozenset(q["codes"]) and labels[i] == frozenset()
    assert all(not n for n in near_labels[: len(gold)])  # gold passages are no code's near-miss
    assert all(not n for n in near_labels[len(gold) + len(near) :])  # nor is ordinary paperwork


def test_a_fit_made_with_another_model_is_not_used(tmp_path, emb):
    clf = _net(("1.1",), np.ones((1, 3), np.float32), np.zeros(1, np.float32), ("x",), "d")
    path = tmp_path / "other.npz"

    class Other:
        model_id, model_hash = "someone/else", "0" * 64

    pack_classifier.save(clf, Other(), path)  # type: ignore[arg-type]
    assert pack_classifier.load(emb, path) is None
    assert pack_classifier.load(Other(), path) is not None  # type: ignore[arg-type]
    (tmp_path / "broken.npz").write_bytes(b"not a zip")
    assert pack_classifier.load(emb, tmp_path / "broken.npz") is None


def test_a_fit_that_reads_the_layer_view_needs_an_embedder_that_gives_it(tmp_path, emb):
    import dataclasses

    clf = dataclasses.replace(
        _net(("1.1",), np.ones((1, 3), np.float32), np.zeros(1, np.float32), ("x",), "d"), with_layer=True
    )
    path = tmp_path / "layered.npz"

    class Flat:  # same model, but no encode_with_layer
        model_id, model_hash = emb.model_id, emb.model_hash

    pack_classifier.save(clf, emb, path)
    back = pack_classifier.load(emb, path)
    assert back is not None and back.with_layer
    pack_classifier._LOADED.clear()
    assert pack_classifier.load(Flat(), path) is None  # type: ignore[arg-type]


def test_the_ranking_network_reads_the_layer_view_and_the_flags_does_not(emb):
    flag = pack_classifier.load(emb)
    rank = pack_classifier.load(emb, pack_classifier.RANK_STORED)
    assert flag is not None and rank is not None
    # Both also read the vector of the heading the sentence sits under.
    assert flag.with_heading and rank.with_heading
    assert not flag.with_layer and flag.hidden_w.shape[0] == 2 * emb.dim
    assert rank.with_layer and rank.hidden_w.shape[0] == 3 * emb.dim
    assert rank.packs == flag.packs and rank.terms == flag.terms  # same examples, same learned words


def test_it_ranks_the_unseen_dev_packs_evidence_above_its_other_sentences(emb, tmp_path):
    """On the development pack (never used for fitting), a gold passage's own code should
    usually give it a higher logit than the pack's ordinary sentences get for that code."""
    clf = pack_classifier.load(emb)
    assert clf is not None
    gold = [json.loads(line) for line in (DEV / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line]
    from triage.chunking import chunk_documents
    from triage.ingest import ingest_pack
    from triage.match.suggest import split_units

    marks = [normalise(g["quote"])[:40] for g in gold]
    chunks = chunk_documents(ingest_pack([DEV / "docs"]))
    other, o_heads = [], []
    for ch in chunks:
        if not any(m in normalise(ch.text) for m in marks):
            units = split_units(ch.text)
            other += units
            o_heads += [pack_classifier.heading_of(ch)] * len(units)
    g_heads = [
        next((pack_classifier.heading_of(ch) for ch in chunks if m in normalise(ch.text)), "") for m in marks
    ]
    with EmbeddingCache(tmp_path / "e.sqlite") as cache:
        from triage.embed.cache import encode_cached

        g_vecs = encode_cached(emb, [g["quote"] for g in gold], cache)
        o_vecs = encode_cached(emb, other, cache)
        if clf.with_heading:
            g_vecs = np.hstack([g_vecs, pack_classifier.heading_vectors(emb, g_heads, cache)])
            o_vecs = np.hstack([o_vecs, pack_classifier.heading_vectors(emb, o_heads, cache)])
    codes = list(clf.codes)
    g_log = clf.logits(g_vecs, codes)
    o_log = clf.logits(o_vecs, codes)
    wins = []
    for i, g in enumerate(gold):
        for code in g["codes"]:
            j = codes.index(code)
            wins.append(float((g_log[i, j] > o_log[:, j]).mean()))
    # AUC of "gold passage vs ordinary sentence" per labelled code, averaged.
    assert np.mean(wins) > 0.95, np.mean(wins)  # 0.994 when written


def test_learned_terms_favour_words_of_the_codes_own_passages():
    texts = [
        "The link governor met the careers leader.",
        "Our link governor reviewed destinations with staff.",
        "Governors heard from the link governor about careers.",
        "The link governor asked about the careers budget.",
        "Uniform and attendance were discussed by staff.",
        "Staff discussed the budget for the minibus.",
        "A parents evening about reports is held in March.",
    ]
    labels = [{"1.1"}, {"1.1"}, {"1.1"}, {"1.1"}, set(), set(), {"2.2"}]
    terms = pack_classifier.learn_terms(texts, labels, ["1.1", "2.2", "3.4"])
    assert set(terms["1.1"][:2]) == {"governor", "link"}
    assert "staff" not in terms["1.1"][:2]  # as common outside the code's passages as inside
    assert terms["2.2"] == ()  # one passage is too few to learn from
    assert terms["3.4"] == ()


def test_terms_survive_a_save_and_load(tmp_path, emb):
    clf = _net(("1.1", "2.2"), np.ones((2, 3), np.float32), np.zeros(2, np.float32), ("x",), "d", {"1.1": ("link", "governor")})
    path = tmp_path / "p.npz"
    pack_classifier.save(clf, emb, path)
    back = pack_classifier.load(emb, path)
    assert back is not None and back.terms == {"1.1": ("link", "governor"), "2.2": ()}


def test_the_stored_fit_has_learned_words_for_most_codes(emb):
    clf = pack_classifier.load(emb)
    assert clf is not None
    with_terms = [c for c in clf.codes if clf.terms.get(c)]
    assert len(with_terms) >= 28, with_terms
    assert all(len(clf.terms[c]) <= pack_classifier.TERMS_PER_CODE for c in with_terms)


def test_each_example_carries_the_heading_of_the_chunk_it_sits_in():
    pack = pack_classifier.labelled_packs()[0]
    texts, _, _ = pack_classifier.pack_texts(pack)
    heads = pack_classifier.pack_headings(pack)
    assert len(heads) == len(texts)
    gold = pack_classifier.read_jsonl(pack / "gold.jsonl")
    # Every document of a sample pack has a title, so nearly every quote finds a heading.
    assert sum(bool(h) for h in heads[: len(gold)]) >= 0.95 * len(gold)
    from triage.chunking import chunk_documents
    from triage.ingest import ingest_pack

    chunks = chunk_documents(ingest_pack([pack / "docs"]))
    first = gold[0]
    holder = next(c for c in chunks if c.doc_name == first["doc"] and normalise(first["quote"])[:40] in normalise(c.text))
    assert heads[0] == pack_classifier.heading_of(holder) and heads[0] == holder.heading_path[-1]


def test_heading_vectors_embed_each_distinct_heading_once_and_leave_none_as_zeros(emb):
    from test_embed import CountingEmbedder

    counting = CountingEmbedder(emb)
    heads = ["Careers guidance", "", "Any other business", "Careers guidance"]
    vecs = pack_classifier.heading_vectors(counting, heads, None)
    assert counting.texts_encoded == 2
    assert vecs.shape == (4, emb.dim)
    assert not vecs[1].any() and np.array_equal(vecs[0], vecs[3]) and vecs[2].any()
    assert np.allclose(vecs[0], emb.encode(["Careers guidance"])[0], atol=1e-5)


def test_the_heading_flag_survives_a_save_and_load(tmp_path, emb):
    clf = _net(("1.1",), np.ones((1, 2), np.float32), np.zeros(1, np.float32), ("x",), "d")
    import dataclasses

    clf = dataclasses.replace(clf, with_heading=True)
    path = tmp_path / "h.npz"
    pack_classifier.save(clf, emb, path)
    back = pack_classifier.load(emb, path)
    assert back is not None and back.with_heading


def test_the_same_sentence_under_another_heading_gets_other_network_outputs(emb):
    from triage.match.suggest import evidence_model, raw_scores
    from triage.records import Chunk

    model, _ = evidence_model("school", emb, None)
    text = "Year 11 pupils each have a one-to-one guidance interview with a qualified adviser."
    doc = "h" * 16
    chunks = [
        Chunk(Chunk.make_id(doc, i * 200, i * 200 + len(text)), doc, "plan.txt", i * 200, i * 200 + len(text), text,
              heading_path=("Plan", head))
        for i, head in enumerate(["Careers guidance for every pupil", "Priorities for next year"])
    ]
    pack = raw_scores(model, chunks, emb, None).signals["pack"]
    j = model.codes.index("8.2")
    assert pack[0, j] != pack[1, j]
