"""all-MiniLM-L6-v2 run in plain numpy: the same weights and tokenizer, no torch import.

Importing torch and sentence-transformers costs 5-10 s on a busy 2-core machine, most of the
cold-start budget. The model is a 6-layer BERT with mean pooling, small enough that numpy's
BLAS runs it at a similar speed. Vectors agree with the sentence-transformers adapter to
about 1e-5 cosine (tests/test_embed.py checks this), so both share one model id and cache.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from triage.embed.minilm import DEFAULT_MODEL_ID, SentenceTransformerEmbedder, _model_dir

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
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.model_dir = Path(model_dir) if model_dir else _model_dir()
        weights = self.model_dir / "model.safetensors"
        if not weights.exists():
            raise RuntimeError(f"model weights not found: {weights}")
        self.model_id = model_id
        self.model_hash = SentenceTransformerEmbedder._hash(weights, verify)
        config = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        st_config = self.model_dir / "sentence_bert_config.json"
        self.max_seq_length = 256
        if st_config.exists():
            self.max_seq_length = int(
                json.loads(st_config.read_text(encoding="utf-8")).get("max_seq_length", 256)
            )
        self.w = {k.removeprefix("bert."): v for k, v in load_file(str(weights)).items()}
        self.dim = int(self.w["embeddings.word_embeddings.weight"].shape[1])
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_seq_length)
        self.tokenizer.no_padding()
        # Pre-transpose the dense weights once: x @ W.T on every call would copy them.
        self._dense: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name, value in self.w.items():
            if name.endswith(".weight") and value.ndim == 2 and not name.startswith("embeddings."):
                base = name[: -len(".weight")]
                self._dense[base] = (np.ascontiguousarray(value.T), self.w[base + ".bias"])

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        wt, b = self._dense[name]
        return x @ wt + b

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
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
        return x

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        # Similar lengths share a batch so little time goes on padding.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            part = order[start : start + batch_size]
            t = max(len(encodings[i].ids) for i in part)
            ids = np.zeros((len(part), t), dtype=np.int64)
            mask = np.zeros((len(part), t), dtype=np.int64)
            for row, i in enumerate(part):
                e = encodings[i].ids
                ids[row, : len(e)] = e
                mask[row, : len(e)] = 1
            hidden = self._forward(ids, mask)
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out[part] = pooled
        return out
