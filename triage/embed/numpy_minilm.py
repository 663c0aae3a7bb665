"""all-MiniLM-L6-v2 run in plain numpy: the same weights and tokenizer, no torch import.

Importing torch and sentence-transformers costs 5-10 s on a busy 2-core machine, most of the
cold-start budget. The model is a 6-layer BERT with mean pooling, small enough that numpy's
BLAS runs it at a similar speed. Vectors agree with the sentence-transformers adapter to
about 1e-5 cosine (tests/test_embed.py checks this), so both share one model id and cache.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from triage.embed.local_bert import VIEW_LAYER, load_bert, mean_pool, padded_batches
from triage.embed.minilm import DEFAULT_MODEL_ID

_GELU_C = np.float32(np.sqrt(2.0 / np.pi))


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


# Abramowitz and Stegun 7.1.26: |error| < 1.5e-7, below float32 rounding.
_ERF_P = np.float32(0.3275911)
_ERF_A = tuple(np.float32(a) for a in (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429))


def _erf(x: np.ndarray) -> np.ndarray:
    """erf in float32 from numpy's vectorised exp and arithmetic.

    scipy's erf runs one scalar call per element, a third of the whole forward pass; this is
    about 2.5 times faster and agrees with it to 1e-6."""
    a = np.abs(x)
    t = a * _ERF_P
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    poly = _ERF_A[4] * t
    for coef in _ERF_A[3::-1]:
        poly += coef
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a
    np.subtract(np.float32(1.0), poly, out=poly)
    return np.copysign(poly, x, out=poly)


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact (erf) gelu, in place where it can be. Running it on a second thread was
    tried and was slower (OpenBLAS's idle threads spin on the same two cores)."""
    y = _erf(x * np.float32(1.0 / np.sqrt(2.0)))
    y += np.float32(1.0)
    y *= x
    y *= np.float32(0.5)
    return y


class NumpyMiniLMEmbedder:
    """A BertModel forward pass plus mean pooling and L2 normalisation, in float32 numpy."""

    def __init__(
        self,
        model_dir: Path | None = None,
        *,
        model_id: str = DEFAULT_MODEL_ID,
        threads: int = 2,
        verify: bool = False,
    ):
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))
        bert = load_bert(model_dir, verify)
        self.model_dir, self.model_hash, self.tokenizer = bert.model_dir, bert.model_hash, bert.tokenizer
        self.model_id = model_id
        self.heads, self.layers, self.eps = bert.heads, bert.layers, bert.eps
        self.max_seq_length = bert.max_seq_length
        self.w = bert.weights
        self.dim = bert.dim
        # Pre-transpose the dense weights once: x @ W.T on every call would copy them.
        self._dense: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name, value in self.w.items():
            if name.endswith(".weight") and value.ndim == 2 and not name.startswith("embeddings."):
                base = name[: -len(".weight")]
                self._dense[base] = (np.ascontiguousarray(value.T), self.w[base + ".bias"])

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        wt, b = self._dense[name]
        return x @ wt + b

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The last hidden layer and layer ``VIEW_LAYER``'s."""
        w = self.w
        n, t = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:t][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        d = x.shape[-1]
        hd = d // self.heads
        bias = ((1.0 - mask[:, None, None, :].astype(np.float32)) * np.float32(-1e9)).astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(hd))
        view = x
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def split(h: np.ndarray) -> np.ndarray:
                return h.reshape(n, t, self.heads, hd).transpose(0, 2, 1, 3)

            q = split(self._linear(x, p + "attention.self.query"))
            k = split(self._linear(x, p + "attention.self.key"))
            v = split(self._linear(x, p + "attention.self.value"))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
            x = _layer_norm(
                self._linear(ctx, p + "attention.output.dense") + x,
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
                self.eps,
            )
            h = _gelu(self._linear(x, p + "intermediate.dense"))
            x = _layer_norm(
                self._linear(h, p + "output.dense") + x,
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
                self.eps,
            )
            if i + 1 == VIEW_LAYER:
                view = x
        return x, view

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self.encode_with_layer(texts, batch_size)[:, : self.dim]

    def encode_with_layer(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """(len(texts), 2 * dim): the sentence vector, then layer ``VIEW_LAYER``'s pooled vector."""
        out = np.zeros((len(texts), 2 * self.dim), dtype=np.float32)
        if not texts:
            return out
        for part, ids, mask in padded_batches(self.tokenizer, texts, batch_size):
            hidden, view = self._forward(ids, mask)
            out[part, : self.dim] = mean_pool(hidden, mask)
            out[part, self.dim :] = mean_pool(view, mask)
        return out
