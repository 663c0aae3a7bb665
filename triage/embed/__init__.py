"""Local embedding models behind one small interface (see ``base.Embedder``)."""

from triage.embed.base import Embedder, HashingEmbedder

__all__ = ["Embedder", "HashingEmbedder"]
