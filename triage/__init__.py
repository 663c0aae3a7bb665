"""Core of the Quality in Careers evidence triage tool.

Never imports ``textual`` or ``tui``: everything the UI does is a call into this package,
so the CLI, the tests and the UI share one code path.
"""

import os

# Model weights come from installed packages only; never reach for a hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

__version__ = "0.1.0"
