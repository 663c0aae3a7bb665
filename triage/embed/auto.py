"""The default embedder: all-MiniLM-L6-v2 on whichever local runtime suits the job.

Every runtime reads the same weights and gives the same vectors (to about 1e-6 cosine), so
they share one model id and one cache. ONNX Runtime is the default: it starts in under half a
second (importing torch costs 6-10 s, more than embedding a typical pack) and encodes faster
than either torch or numpy at every job size. Measured 2026-11-23, 2 cores, idle
(benchmarks/results/matching.md, seventeenth pass):

    587 dev-pack lines      onnx 4.5 s    numpy 16.9 s    torch 8.2 s (+ 6-10 s to load)
    4,281 sample sentences  onnx 8.2 s                    torch 12.0 s (+ 6.6 s to load)

Where onnxruntime cannot be imported, the earlier rule applies: small jobs in numpy (no torch
import) and large ones in torch, break-even about 1,800 texts; ``SMALL_JOB`` sits below it.
OpenBLAS threads spin-wait for each other, which collapses when another process holds a core
(dev pack, both cores busy: 2 BLAS threads 60.6 s, 1 thread 17.5 s), so numpy uses one BLAS
thread when the machine is already loaded. ONNX Runtime's pool degrades far less (587 lines with
a core busy elsewhere: spinning 8.2 s, not spinning 7.1 s, one thread 7.4 s), so it keeps two
threads and only stops spinning when the machine is busy.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

import numpy as np

from triage.embed.minilm import SentenceTransformerEmbedder
from triage.embed.numpy_minilm import NumpyMiniLMEmbedder
from triage.embed.onnx_minilm import OnnxMiniLMEmbedder

SMALL_JOB = 1500  # texts; jobs up to this size use numpy (0: always torch)


class MiniLMEmbedder:
    """Obeys the Embedder protocol; ``expect(n)`` (called by ``encode_cached``) sizes the job."""

    def __init__(self, *, verify: bool = True, small_job: int = SMALL_JOB, onnx: bool | None = None):
        self._torch = SentenceTransformerEmbedder(verify=verify)
        self.use_onnx = onnx_available() if onnx is None else onnx
        self._onnx: OnnxMiniLMEmbedder | None = None
        self.model_id = self._torch.model_id
        self.model_hash = self._torch.model_hash
        self.dim = self._torch.dim
        self.small_job = small_job
        self._numpy: NumpyMiniLMEmbedder | None = None
        self._expected = 0
        self._threads: tuple[int, float] | None = None  # (BLAS threads, when chosen)

    def expect(self, n_texts: int) -> None:
        self._expected = n_texts
        self._threads = None  # a new job looks at the machine afresh

    @property
    def loaded(self) -> bool:
        return self._torch.loaded or self._numpy is not None or self._onnx is not None

    @property
    def backend(self) -> str:
        """The runtime the next encode call will use."""
        if self.use_onnx:
            return "onnx"
        if self._torch.loaded or self.small_job <= 0 or self._expected > self.small_job:
            return "torch"
        return "numpy"

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if self.backend == "torch":
            return self._torch.encode(texts, batch_size=batch_size)
        return self._local("encode", texts, batch_size)

    def encode_with_layer(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """The sentence vector and layer ``VIEW_LAYER``'s, side by side, from the ONNX Runtime or
        numpy forward pass (sentence-transformers does not return a middle layer)."""
        return self._local("encode_with_layer", texts, batch_size)

    def _local(self, method: str, texts: Sequence[str], batch_size: int) -> np.ndarray:
        if self.use_onnx:
            if self._onnx is None:
                busy = _busy_cores()
                self._onnx = OnnxMiniLMEmbedder(
                    self._torch.model_dir, model_id=self.model_id, verify=False,
                    spin=busy is None or busy <= 0.5,
                )
            return getattr(self._onnx, method)(texts, batch_size=batch_size)
        if self._numpy is None:
            # The weights were already hashed and checked by the torch adapter's constructor.
            self._numpy = NumpyMiniLMEmbedder(self._torch.model_dir, model_id=self.model_id, verify=False)
        from threadpoolctl import threadpool_limits

        # Sampling the CPU takes 0.1 s, and a job arrives in batches of 64 texts: choose once per
        # job (or every 10 s), not once per batch.
        now = time.monotonic()
        if self._threads is None or now - self._threads[1] > 10.0:
            self._threads = (numpy_threads(), now)
        with threadpool_limits(limits=self._threads[0]):
            return getattr(self._numpy, method)(texts, batch_size=batch_size)


def onnx_available() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))


def _busy_cores(window: float = 0.1) -> float | None:
    """Cores' worth of CPU other processes used over ``window`` seconds (Linux /proc/stat), or
    None where that file does not exist. The 1-minute load average lags: it still counts a run
    that ended seconds ago, which made the next run needlessly single-threaded."""
    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields), idle

    try:
        before = sample()
        start = os.times()
        time.sleep(window)
        after = sample()
        mine = os.times()
    except (OSError, ValueError, IndexError):
        return None
    total, idle = after[0] - before[0], after[1] - before[1]
    if total <= 0:
        return None
    cpus = os.cpu_count() or 1
    busy = (total - idle) / total * cpus
    own = (mine.user + mine.system - start.user - start.system) / window
    return max(busy - own, 0.0)


def numpy_threads() -> int:
    """BLAS threads for the numpy runtime: one when other work already holds the cores."""
    cpus = min(os.cpu_count() or 1, 2)
    busy = _busy_cores()
    if busy is None:
        try:
            busy = os.getloadavg()[0]
        except OSError:  # not available on this platform
            busy = 0.0
    return 1 if busy > 0.5 * cpus else cpus
