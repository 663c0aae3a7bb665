"""Optional language model: OpenAI-compatible client, config, redaction, review assistance (issue 8).

Nothing here can set an outcome: replies become drafts and notes, which the rules never read.
"""

from triage.llm.client import (
    ChatModel,
    Completion,
    LLMClient,
    LLMError,
    LLMHTTPError,
    LLMProtocolError,
    LLMTimeout,
    LLMUnavailable,
    client_from_config,
)
from triage.llm.config import LLMConfig, LLMConfigError, is_loopback_host, load_llm_config
from triage.llm.redact import Redactor, find_personal_data

__all__ = [
    "ChatModel",
    "Completion",
    "LLMClient",
    "LLMConfig",
    "LLMConfigError",
    "LLMError",
    "LLMHTTPError",
    "LLMProtocolError",
    "LLMTimeout",
    "LLMUnavailable",
    "Redactor",
    "client_from_config",
    "find_personal_data",
    "is_loopback_host",
    "load_llm_config",
]
