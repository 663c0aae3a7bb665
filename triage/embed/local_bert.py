"""What the torch-free runtimes (numpy, ONNX Runtime) share: reading the installed model and
cutting a job into padded batches."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from triage.embed.base import VIEW_LAYER, layer_model_id  # noqa: F401  (re-exported for the runtimes)
from triage.embed.minilm import SentenceTransformerEmbedder, _model_dir


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """L2-normalised mean of ``hidden`` over the real tokens."""
    m = mask[:, :, None].astype(np.float32)
    pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


@dataclass
class LocalBert:
    model_dir: Path
    model_hash: str
    config: dict[str, Any]
    max_seq_length: int
    weights: dict[str, np.ndarray]  # names without the "bert." prefix
    tokenizer: Any  # tokenizers.Tokenizer, truncating at max_seq_length, no padding

    @property
    def dim(self) -> int:
        return int(self.weights["embeddings.word_embeddings.weight"].shape[1])

    @property
    def heads(self) -> int:
        return int(self.config["num_attention_heads"])

    @property
    def layers(self) -> int:
        return int(self.config["num_hidden_layers"])

    @property
    def eps(self) -> float:
        return float(self.config.get("layer_norm_eps", 1e-12))


def load_bert(model_dir: Path | None, verify: bool) -> LocalBert:
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    model_dir = Path(model_dir) if model_dir else _model_dir()
    weights = model_dir / "model.safetensors"
    if not weights.exists():
        raise RuntimeError(f"model weights not found: {weights}")
    model_hash = SentenceTransformerEmbedder._hash(weights, verify)
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    max_seq_length = 256
    st_config = model_dir / "sentence_bert_config.json"
    if st_config.exists():
        max_seq_length = int(json.loads(st_config.read_text(encoding="utf-8")).get("max_seq_length", 256))
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_seq_length)
    tokenizer.no_padding()
    w = {k.removeprefix("bert."): v for k, v in load_file(str(weights)).items()}
    return LocalBert(model_dir, model_hash, config, max_seq_length, w, tokenizer)


def padded_batches(
    tokenizer: Any, texts: Sequence[str], batch_size: int, token_budget: int = 0
) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
    """(row indices into ``texts``, input ids, attention mask) per batch.

    Similar lengths share a batch so little time goes on padding; with ``token_budget``, a batch
    also stops before its padded size passes that many tokens."""
    encodings = tokenizer.encode_batch(list(texts))
    order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
    start = 0
    while start < len(order):
        end = start + 1
        while end < len(order) and end - start < batch_size and (
            not token_budget or (end - start + 1) * len(encodings[order[end]].ids) <= token_budget
        ):
            end += 1
        part, start = order[start:end], end
        t = max(len(encodings[i].ids) for i in part)
        ids = np.zeros((len(part), t), dtype=np.int64)
        mask = np.zeros((len(part), t), dtype=np.int64)
        for row, i in enumerate(part):
            e = encodings[i].ids
            ids[row, : len(e)] = e
            mask[row, : len(e)] = 1
        yield part, ids, mask
