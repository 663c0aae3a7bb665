"""The default embedder: all-MiniLM-L6-v2 on whichever local runtime suits the job.

Both runtimes read the same weights and give the same vectors (to about 2e-7). On paper the numpy
runtime suits small jobs: importing torch takes about 6 s, longer than embedding one
10,000-word pack. On the shared 2-core machine, though, numpy's BLAS threads slowed down far more
than torch did when other processes competed for the cores (dev pack cold: 66 s against 17-25 s).
So ``SMALL_JOB`` is 0 and torch does every job. Raise it to use numpy for jobs up to that many
texts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from triage.embed.minilm import SentenceTransformerEmbedder
from triage.embed.numpy_minilm import NumpyMiniLMEmbedder

SMALL_JOB = 0  # texts; jobs up to this size use numpy (0: always torch, see above)


class MiniLMEmbedder:
    """Obeys the Embedder protocol; ``expect(n)`` (called by ``encode_cached``) sizes the job."""

    def __init__(self, *, verify: bool = True, small_job: int = SMALL_JOB):
        self._torch = SentenceTransformerEmbedder(verify=verify)
        self.model_id = self._torch.model_id
        self.model_hash = self._torch.model_hash
        self.dim = self._torch.dim
        self.small_job = small_job
        self._numpy: NumpyMiniLMEmbedder | None = None
        self._expected = 0

    def expect(self, n_texts: int) -> None:
        self._expected = n_texts

    @property
    def loaded(self) -> bool:
        return self._torch.loaded or self._numpy is not None

    @property
    def backend(self) -> str:
        """The runtime the next encode call will use."""
        if self._torch.loaded or self.small_job <= 0 or self._expected > self.small_job:
            return "torch"
        return "numpy"

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if self.backend == "torch":
            return self._torch.encode(texts, batch_size=batch_size)
        if self._numpy is None:
            # The weights were already hashed and checked by the torch adapter's constructor.
            self._numpy = NumpyMiniLMEmbedder(self._torch.model_dir, model_id=self.model_id, verify=False)
        return self._numpy.encode(texts, batch_size=batch_size)
