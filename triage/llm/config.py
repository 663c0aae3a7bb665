"""Where the optional language model lives: the ``[llm]`` table of the config file, or the environment.

Nothing is configured by default, and then no text is ever sent anywhere. The environment wins over
the file so a one-off run can point elsewhere without editing it.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from triage.config import load_config

DEFAULT_TIMEOUT = 60.0
DEFAULT_MODEL = "default"  # llama.cpp's server ignores the name; Ollama and vLLM need a real one
REMOTE_WARNING = "pack text will leave this machine: the LLM endpoint {host} is not on this computer"


class LLMConfigError(ValueError):
    """The [llm] settings cannot be used as given."""


@dataclass(frozen=True)
class LLMConfig:
    base_url: str  # up to and including the API version, e.g. http://127.0.0.1:11434/v1
    model: str = DEFAULT_MODEL
    api_key: str = ""
    timeout: float = DEFAULT_TIMEOUT
    # A loopback proxy can forward to a hosted model; this lets the assessor say so.
    treat_as_remote: bool = False
    temperature: float = 0.0

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    @property
    def is_remote(self) -> bool:
        return self.treat_as_remote or not is_loopback_host(self.host)

    def remote_warning(self) -> str:
        return REMOTE_WARNING.format(host=self.host or self.base_url) if self.is_remote else ""

    def describe(self) -> str:
        where = "remote" if self.is_remote else "local"
        return f"{self.model} at {self.base_url} ({where})"


def is_loopback_host(host: str) -> bool:
    """True for localhost names and 127.0.0.0/8 or ::1; names are not resolved (no network at all)."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        addr = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(addr, "ipv4_mapped", None)
    return bool(addr.is_loopback or (mapped is not None and mapped.is_loopback))


def _as_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise LLMConfigError(f"llm {name} must be true or false, not {value!r}")


def _as_timeout(value: Any) -> float:
    try:
        timeout = float(value)
    except (TypeError, ValueError):
        raise LLMConfigError(f"llm timeout must be a number of seconds, not {value!r}") from None
    if timeout <= 0:
        raise LLMConfigError("llm timeout must be more than 0 seconds")
    return timeout


def check_base_url(url: str) -> str:
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LLMConfigError(
            f"llm base_url must be an http:// or https:// address such as http://127.0.0.1:11434/v1, not {url!r}"
        )
    return url


def load_llm_config(
    config: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> LLMConfig | None:
    """The configured endpoint, or None when no base URL is set anywhere (the default)."""
    env = os.environ if env is None else env
    table = dict((config if config is not None else load_config()).get("llm") or {})
    if not isinstance(table, dict):
        raise LLMConfigError("[llm] in the config file must be a table")
    for key, var in (
        ("base_url", "TRIAGE_LLM_BASE_URL"),
        ("model", "TRIAGE_LLM_MODEL"),
        ("api_key", "TRIAGE_LLM_API_KEY"),
        ("timeout", "TRIAGE_LLM_TIMEOUT"),
        ("treat_as_remote", "TRIAGE_LLM_TREAT_AS_REMOTE"),
    ):
        if env.get(var):
            table[key] = env[var]
    base_url = str(table.get("base_url") or "").strip()
    if not base_url or _as_bool(table.get("disabled", False), "disabled"):
        return None
    return LLMConfig(
        base_url=check_base_url(base_url),
        model=str(table.get("model") or DEFAULT_MODEL),
        api_key=str(table.get("api_key") or ""),
        timeout=_as_timeout(table.get("timeout", DEFAULT_TIMEOUT)),
        treat_as_remote=_as_bool(table.get("treat_as_remote", False), "treat_as_remote"),
        temperature=float(table.get("temperature", 0.0)),
    )
