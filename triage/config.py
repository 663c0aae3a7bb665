"""Where the tool keeps its files, and the user's config file.

Paths follow the platform conventions (platformdirs) so sessions survive upgrades and the
assessor can find them; every path can be overridden by an environment variable for tests.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import platformdirs

APP = "qic-triage"
REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Sessions live here unless --session says otherwise."""
    return Path(os.environ.get("TRIAGE_DATA_DIR") or platformdirs.user_data_dir(APP))


def cache_dir() -> Path:
    """The embedding cache lives here."""
    return Path(os.environ.get("TRIAGE_CACHE_DIR") or platformdirs.user_cache_dir(APP))


def config_path() -> Path:
    return Path(os.environ.get("TRIAGE_CONFIG") or Path(platformdirs.user_config_dir(APP)) / "config.toml")


def load_config(path: Path | None = None) -> dict[str, Any]:
    """The user's TOML config, or {} when there is none. A broken file is an error the user sees."""
    path = path or config_path()
    if not path.exists():
        return {}
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def shared_dir() -> Path:
    """The workplace's shared material (seeds, eval pack, scorer): ../shared beside the repo.

    TRIAGE_SHARED_DIR overrides it for a checkout that does not sit beside that folder.
    """
    return Path(os.environ.get("TRIAGE_SHARED_DIR") or REPO_ROOT.parent / "shared")


def sample_pack_dir() -> Path:
    """The bundled fictional provider pack the README's first command opens."""
    return REPO_ROOT / "sample_evidence" / "northfield_academy" / "docs"
