"""Embedders and the SQLite embedding cache."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Sequence

import numpy as np
import pytest

from triage.embed import Embedder, EmbeddingCache, HashingEmbedder, encode_cached, load_manifest, text_key
from triage.embed.base import has_layer_view


class CountingEmbedder:
    """Wraps an embedder and counts the texts that reach it (obeys the Embedder protocol)."""

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.model_id = inner.model_id
        self.model_hash = inner.model_hash
        self.dim = inner.dim
        self.texts_encoded = 0
        self.calls = 0

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.calls += 1
        self.texts_encoded += len(texts)
        return self.inner.encode(texts, batch_size=batch_size)

    def __getattr__(self, name: str):
        # The layer view, when the wrapped model has one, counted like encode.
        if name == "encode_with_layer" and has_layer_view(self.inner):

            def encode_with_layer(texts: Sequence[str], batch_size: int = 32):
                self.calls += 1
                self.texts_encoded += len(texts)
                return self.inner.encode_with_layer(texts, batch_size=batch_size)

            return encode_with_layer
        raise AttributeError(name)


def test_counting_wrapper_obeys_protocol():
    assert isinstance(CountingEmbedder(HashingEmbedder()), Embedder)


def test_cache_round_trip_keeps_float32_bytes(tmp_path):
    emb = HashingEmbedder(dim=16)
    vecs = emb.encode(["careers leader", "link governor"])
    with EmbeddingCache(tmp_path / "e.sqlite") as cache:
        cache.put_many(
            emb.model_id, [(text_key("careers leader"), vecs[0]), (text_key("link governor"), vecs[1])]
        )
        got = cache.get_many(emb.model_id, [text_key("link governor"), text_key("absent")])
        assert set(got) == {text_key("link governor")}
        assert got[text_key("link governor")].dtype == np.float32
        np.testing.assert_array_equal(got[text_key("link governor")], vecs[1])
        # Another model never sees these vectors.
        assert cache.get_many("other-model", [text_key("link governor")]) == {}
    rows = (
        sqlite3.connect(tmp_path / "e.sqlite")
        .execute("SELECT model_id, dim, length(vector) FROM embeddings")
        .fetchall()
    )
    assert sorted(rows) == [(emb.model_id, 16, 64), (emb.model_id, 16, 64)]


def test_second_run_embeds_nothing(tmp_path):
    texts = [
        "Every pupil meets an employer each year.",
        "The post is vacant.",
        "Every pupil meets an employer each year.",
    ]
    counting = CountingEmbedder(HashingEmbedder())
    with EmbeddingCache(tmp_path / "e.sqlite") as cache:
        first = encode_cached(counting, texts, cache)
        assert counting.texts_encoded == 2  # the duplicate is embedded once
        second = encode_cached(counting, texts, cache)
    assert counting.texts_encoded == 2, "the second run reached the model"
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first[0], first[2])
    # A fresh process (new connection to the same file) also finds them.
    with EmbeddingCache(tmp_path / "e.sqlite") as cache:
        assert cache.count(counting.model_id) == 2


class LayeredCounting(CountingEmbedder):
    """A counting embedder with a (made-up) second view: the vector reversed."""

    def encode_with_layer(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        vecs = self.encode(texts, batch_size)
        return np.hstack([vecs, vecs[:, ::-1]])


def test_the_layer_view_is_cached_beside_the_sentence_vector(tmp_path):
    from triage.embed.base import layer_model_id

    counting = LayeredCounting(HashingEmbedder(dim=8))
    texts = ["The Careers Leader reports to governors.", "The post is vacant."]
    with EmbeddingCache(tmp_path / "e.sqlite") as cache:
        encode_cached(counting, texts[:1], cache)  # only the sentence vector is cached
        both = encode_cached(counting, texts, cache, with_layer=True)
        assert counting.texts_encoded == 3  # the first text again, for its view
        assert both.shape == (2, 16)
        np.testing.assert_array_equal(both[:, 8:], both[:, :8][:, ::-1])
        assert cache.count(layer_model_id(counting.model_id)) == 2
        again = encode_cached(counting, texts, cache, with_layer=True)
        flat = encode_cached(counting, texts, cache)
    assert counting.texts_encoded == 3, "a second run reached the model"
    np.testing.assert_array_equal(again, both)
    np.testing.assert_array_equal(flat, both[:, :8])


def test_cancel_between_batches(tmp_path):
    counting = CountingEmbedder(HashingEmbedder())
    texts = [f"passage number {i}" for i in range(300)]
    with EmbeddingCache(tmp_path / "e.sqlite") as cache, pytest.raises(InterruptedError):
        encode_cached(counting, texts, cache, batch_size=32, cancelled=lambda: counting.calls >= 1)
    assert 0 < counting.texts_encoded < 300


@pytest.fixture
def network_attempts(monkeypatch) -> list[object]:
    """Every socket connection refused and recorded."""
    attempts: list[object] = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError("network access attempted during offline model load")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))
    return attempts


@pytest.mark.slow
def test_offline_load_attempts_no_network(network_attempts):
    from triage.embed.minilm import SentenceTransformerEmbedder

    emb = SentenceTransformerEmbedder(verify=True)  # hashes the weights and checks the manifest
    vecs = emb.encode(["The Careers Leader reports to governors.", "Uniform must be worn."])
    assert network_attempts == []
    assert vecs.shape == (2, emb.dim) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    manifest = load_manifest()
    assert emb.model_id == manifest["model_id"]
    assert emb.model_hash == manifest["weights_sha256"]


@pytest.mark.slow
def test_numpy_backend_matches_sentence_transformers():
    from triage.embed.minilm import SentenceTransformerEmbedder
    from triage.embed.numpy_minilm import NumpyMiniLMEmbedder

    texts = [
        "Every Year 11 pupil had a guidance interview.",
        "The Enterprise Adviser post is vacant.",
        " ".join(["Work experience placements are arranged for every pupil in Year 10."] * 40),
    ]
    fast = NumpyMiniLMEmbedder()
    ref = SentenceTransformerEmbedder(verify=False)
    assert (fast.model_id, fast.model_hash, fast.dim) == (ref.model_id, ref.model_hash, ref.dim)
    a, b = fast.encode(texts), ref.encode(texts)
    np.testing.assert_allclose((a * b).sum(axis=1), 1.0, atol=1e-4)


def test_model_is_not_loaded_until_something_needs_embedding():
    from triage.embed.minilm import SentenceTransformerEmbedder

    emb = SentenceTransformerEmbedder(verify=False)
    assert emb.dim == 384 and not emb.loaded
    assert emb.encode([]).shape == (0, 384) and not emb.loaded


@pytest.mark.slow
def test_onnx_runtime_matches_sentence_transformers_whatever_the_batching():
    from triage.embed.minilm import SentenceTransformerEmbedder
    from triage.embed.onnx_minilm import OnnxMiniLMEmbedder

    texts = [
        "Every Year 11 pupil had a guidance interview.",
        "The Enterprise Adviser post is vacant.",
        # Over 256 word pieces, so truncation applies, and long enough to get a batch of its own.
        " ".join(["Work experience placements are arranged for every pupil in Year 10."] * 40),
        "",
        "Careers Leader",
    ] + [f"Pupil {i} met an employer from the {i}th sector at the careers fair." for i in range(40)]
    fast = OnnxMiniLMEmbedder()
    ref = SentenceTransformerEmbedder(verify=False)
    assert (fast.model_id, fast.model_hash, fast.dim) == (ref.model_id, ref.model_hash, ref.dim)
    a, b = fast.encode(texts), ref.encode(texts)
    np.testing.assert_allclose((a * b).sum(axis=1), 1.0, atol=1e-5)
    # Batches split by the token budget give the same vectors as one text at a time.
    one_by_one = np.vstack([fast.encode([t]) for t in texts[:6]])
    np.testing.assert_allclose(a[:6], one_by_one, atol=1e-5)
    assert fast.encode([]).shape == (0, fast.dim)


@pytest.mark.slow
def test_the_layer_view_is_the_middle_layers_mean_in_every_local_runtime():
    import torch

    from triage.embed.base import VIEW_LAYER
    from triage.embed.minilm import SentenceTransformerEmbedder
    from triage.embed.numpy_minilm import NumpyMiniLMEmbedder
    from triage.embed.onnx_minilm import OnnxMiniLMEmbedder

    texts = [
        "We plan to appoint a Careers Leader next year.",
        "The Careers Leader reports to governors every term.",
        " ".join(["Every pupil has a guidance interview in Year 11."] * 40),  # truncated
    ]
    ref = SentenceTransformerEmbedder(verify=False)
    st = ref._load()
    features = st.tokenize(texts)
    with torch.inference_mode():
        hidden = st[0].auto_model(**features, output_hidden_states=True).hidden_states[VIEW_LAYER]
    mask = features["attention_mask"].unsqueeze(-1).float()
    want = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1).numpy()
    for runtime in (OnnxMiniLMEmbedder(), NumpyMiniLMEmbedder()):
        both = runtime.encode_with_layer(texts)
        assert both.shape == (3, 2 * runtime.dim)
        np.testing.assert_allclose(both[:, runtime.dim :], want, atol=1e-5)
        np.testing.assert_allclose(both[:, : runtime.dim], ref.encode(texts), atol=1e-5)
        # The view is not the sentence vector: it is what the network reads beside it.
        assert np.all((both[:, : runtime.dim] * both[:, runtime.dim :]).sum(axis=1) < 0.99)


@pytest.mark.slow
def test_onnx_runtime_attempts_no_network(network_attempts):
    from triage.embed.onnx_minilm import OnnxMiniLMEmbedder

    vecs = OnnxMiniLMEmbedder().encode(["The Careers Leader reports to governors."])
    assert network_attempts == [] and vecs.shape == (1, 384)


@pytest.mark.slow
def test_default_embedder_runs_onnx_and_never_loads_torch(tmp_path):
    from triage.embed import MiniLMEmbedder, load_default_embedder

    emb = MiniLMEmbedder(verify=False)
    assert emb.backend == "onnx" and not emb.loaded
    with EmbeddingCache(tmp_path / "e.sqlite") as cache:
        encode_cached(emb, [f"passage {i}" for i in range(40)], cache)
    emb.expect(10_000)  # a large job stays on onnx too
    assert emb.backend == "onnx" and emb.loaded and not emb._torch.loaded
    assert load_default_embedder().backend == "onnx"


@pytest.mark.slow
def test_without_onnx_the_default_embedder_picks_its_runtime_by_job_size(tmp_path):
    from triage.embed import MiniLMEmbedder

    emb = MiniLMEmbedder(verify=False, small_job=3, onnx=False)
    assert isinstance(emb, Embedder) and not emb.loaded
    with EmbeddingCache(tmp_path / "e.sqlite") as cache:
        small = encode_cached(emb, ["one passage", "another passage"], cache)
        assert emb.backend == "numpy" and emb._numpy is not None and not emb._torch.loaded
        encode_cached(emb, [f"passage {i}" for i in range(5)], cache)  # more than small_job
    assert emb.backend == "torch" and emb._torch.loaded
    again = emb.encode(["one passage", "another passage"])
    np.testing.assert_allclose((small * again).sum(axis=1), 1.0, atol=1e-5)


def test_without_onnx_small_jobs_run_in_numpy_and_large_ones_in_torch():
    from triage.embed import MiniLMEmbedder
    from triage.embed.auto import SMALL_JOB

    emb = MiniLMEmbedder(verify=False, onnx=False)
    emb.expect(SMALL_JOB)
    assert emb.backend == "numpy"
    emb.expect(SMALL_JOB + 1)
    assert emb.backend == "torch"


def test_onnx_is_used_only_when_both_packages_import(monkeypatch):
    import importlib.util

    from triage.embed import auto

    assert auto.onnx_available()  # both are project dependencies
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    assert not auto.onnx_available()
    assert auto.MiniLMEmbedder(verify=False).backend in ("numpy", "torch")


def test_numpy_runtime_uses_one_blas_thread_on_a_busy_machine(monkeypatch):
    from triage.embed import auto

    monkeypatch.setattr(auto.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(auto, "_busy_cores", lambda: 0.1)
    assert auto.numpy_threads() == 2
    monkeypatch.setattr(auto, "_busy_cores", lambda: 1.6)
    assert auto.numpy_threads() == 1
    # Without /proc/stat the 1-minute load average decides.
    monkeypatch.setattr(auto, "_busy_cores", lambda: None)
    monkeypatch.setattr(auto.os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert auto.numpy_threads() == 2
    monkeypatch.setattr(auto.os, "getloadavg", lambda: (1.8, 1.0, 0.5))
    assert auto.numpy_threads() == 1


def test_busy_cores_sees_another_process_spinning():
    import subprocess
    import sys

    from triage.embed import auto

    if auto._busy_cores() is None:
        pytest.skip("no /proc/stat on this platform")
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        import time

        time.sleep(0.3)
        seen = max(auto._busy_cores(0.3) or 0.0 for _ in range(3))
    finally:
        spin.kill()
        spin.wait()
    assert seen > 0.6, seen
