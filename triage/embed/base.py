"""The embedder interface. One adapter per backend; heavy imports happen lazily inside them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, deterministically."""

    model_id: str  # e.g. "sentence-transformers/all-MiniLM-L6-v2"
    model_hash: str  # sha256 of the weights file, recorded in every result
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Return an array of shape (len(texts), dim), rows L2-normalised."""
        ...


# The hidden layer whose mean over the tokens is the second view of a text (``encode_with_layer``).
# The final layer is tuned for topic similarity; a middle one still carries tense, modality and
# negation, which tell a plan or a lapsed post from practice (benchmarks/results/matching.md,
# eighteenth pass: near-miss against gold passages, AUC 0.936 from the sentence vector alone,
# 0.965 with layer 4 beside it).
VIEW_LAYER = 4


def layer_model_id(model_id: str) -> str:
    """The cache's key for the layer view of ``model_id``'s texts."""
    return f"{model_id}#mean-layer{VIEW_LAYER}"


def has_layer_view(embedder: object) -> bool:
    """Whether the embedder can also give the middle-layer view (``encode_with_layer``)."""
    return callable(getattr(embedder, "encode_with_layer", None))


_TOKEN = re.compile(r"[a-z0-9]+")


class HashingEmbedder:
    """A tiny deterministic bag-of-words embedder that obeys the interface.

    Used by tests that exercise plumbing (sessions, UI, reports) without loading torch, and as
    a last-resort fallback nowhere else: real matching always uses the sentence-transformers model.
    """

    model_id = "hashing-bow-256"
    model_hash = "none"

    def __init__(self, dim: int = 256):
        self.dim = dim

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for tok in _TOKEN.findall(text.lower()):
                h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0
            norm = np.linalg.norm(out[i])
            if norm:
                out[i] /= norm
        return out
