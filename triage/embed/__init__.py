"""Local embedding models behind one small interface (see ``base.Embedder``).

The sentence-transformers adapter lives in ``minilm`` and imports torch only when an embedder
is built, so ``import triage.embed`` stays cheap.
"""

from triage.embed.auto import MiniLMEmbedder
from triage.embed.base import Embedder, HashingEmbedder
from triage.embed.cache import EmbeddingCache, encode_cached, text_key
from triage.embed.minilm import SentenceTransformerEmbedder, load_default_embedder, load_manifest
from triage.embed.numpy_minilm import NumpyMiniLMEmbedder

__all__ = [
    "Embedder",
    "EmbeddingCache",
    "HashingEmbedder",
    "MiniLMEmbedder",
    "NumpyMiniLMEmbedder",
    "SentenceTransformerEmbedder",
    "encode_cached",
    "load_default_embedder",
    "load_manifest",
    "text_key",
]
