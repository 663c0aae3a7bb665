"""A minimal OpenAI-compatible chat-completions client on the standard library.

Ollama, llama.cpp's server, vLLM, LM Studio and hosted services all accept
``POST {base_url}/chat/completions`` with the same JSON and, when ``stream`` is true, answer with
server-sent events (``data: {...}`` lines ending with ``data: [DONE]``). Each failure becomes an
``LLMError`` whose message a person can act on.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from triage.llm.config import LLMConfig

Message = dict[str, str]
TokenSink = Callable[[str], None]

_MAX_ERROR_BODY = 4000


class LLMError(Exception):
    """Anything that stopped the model from answering; the message is meant for the assessor."""


class LLMUnavailable(LLMError):
    pass


class LLMTimeout(LLMError):
    pass


class LLMHTTPError(LLMError):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class LLMProtocolError(LLMError):
    pass


@dataclass(frozen=True)
class Completion:
    text: str
    model: str  # as the server names it, else as configured
    finish_reason: str = ""


@runtime_checkable
class ChatModel(Protocol):
    """What chat and the assistance functions need; tests may pass any object that obeys it."""

    model: str
    is_remote: bool

    def complete(
        self,
        messages: Sequence[Message],
        *,
        on_token: TokenSink | None = None,
        max_tokens: int | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Completion: ...


class LLMClient:
    """One endpoint from an ``LLMConfig``. Streams when ``on_token`` is given."""

    def __init__(self, config: LLMConfig):
        self.config = config
        self.model = config.model
        self.is_remote = config.is_remote
        parts = urlsplit(config.base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._path = (parts.path.rstrip("/") or "") + "/chat/completions"

    def __repr__(self) -> str:
        return f"LLMClient({self.config.describe()})"

    @property
    def remote_warning(self) -> str:
        return self.config.remote_warning()

    def complete(
        self,
        messages: Sequence[Message],
        *,
        on_token: TokenSink | None = None,
        max_tokens: int | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Completion:
        payload: dict[str, Any] = {
            "model": self.config.model,
            "messages": [dict(m) for m in messages],
            "temperature": self.config.temperature,
            "stream": on_token is not None,
        }
        if max_tokens:
            payload["max_tokens"] = max_tokens
        conn = self._connection()
        try:
            response = self._send(conn, payload)
            if on_token is not None and "text/event-stream" in (response.getheader("Content-Type") or ""):
                return self._read_stream(response, on_token, cancelled)
            completion = self._parse_reply(self._read(response))
            if on_token is not None and completion.text:
                on_token(completion.text)  # the server ignored "stream": hand over the whole reply
            return completion
        finally:
            conn.close()

    # ---- transport -----------------------------------------------------------------------------

    def _connection(self) -> http.client.HTTPConnection:
        timeout = self.config.timeout
        if self._https:
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=timeout, context=ssl.create_default_context()
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout)

    def _where(self) -> str:
        return self.config.base_url

    def _send(self, conn: http.client.HTTPConnection, payload: dict[str, Any]) -> http.client.HTTPResponse:
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream" if payload["stream"] else "application/json",
        }
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            conn.request("POST", self._path, body=body, headers=headers)
            response = conn.getresponse()
        except ConnectionRefusedError:
            raise LLMUnavailable(f"cannot reach the LLM server at {self._where()}: is it running?") from None
        except TimeoutError:
            raise self._timeout() from None
        except ssl.SSLError as exc:
            raise LLMUnavailable(f"TLS failed with the LLM server at {self._where()}: {exc}") from None
        except socket.gaierror:
            raise LLMUnavailable(
                f"cannot reach the LLM server at {self._where()}: the host name {self._host!r} is unknown"
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            raise LLMUnavailable(
                f"cannot reach the LLM server at {self._where()}: is it running? ({exc})"
            ) from None
        if response.status >= 400:
            raise self._http_error(response)
        return response

    def _timeout(self) -> LLMTimeout:
        return LLMTimeout(
            f"the LLM server at {self._where()} did not answer within {self.config.timeout:g} s "
            "(raise [llm] timeout, or use a smaller model)"
        )

    def _read(self, response: http.client.HTTPResponse) -> bytes:
        try:
            return response.read()
        except TimeoutError:
            raise self._timeout() from None
        except (OSError, http.client.HTTPException) as exc:
            raise LLMUnavailable(f"the LLM server at {self._where()} broke off its reply ({exc})") from None

    def _http_error(self, response: http.client.HTTPResponse) -> LLMHTTPError:
        try:
            raw = response.read(_MAX_ERROR_BODY)
        except (OSError, http.client.HTTPException):
            raw = b""
        detail = _error_detail(raw)
        status = response.status
        hint = ""
        if status in (401, 403):
            hint = " (check [llm] api_key or TRIAGE_LLM_API_KEY)"
        elif status == 404:
            hint = (
                f" (check that base_url ends with the API version, e.g. .../v1, and that the model "
                f"{self.config.model!r} exists on the server)"
            )
        message = f"the LLM server at {self._where()} answered HTTP {status} {response.reason}"
        if detail:
            message += f": {detail}"
        return LLMHTTPError(message + hint, status)

    # ---- replies -------------------------------------------------------------------------------

    def _parse_reply(self, raw: bytes) -> Completion:
        try:
            data = json.loads(raw.decode("utf-8"))
            choice = data["choices"][0]
            text = choice["message"]["content"]
        except (UnicodeDecodeError, ValueError, KeyError, IndexError, TypeError):
            raise LLMProtocolError(
                f"the LLM server at {self._where()} sent a reply that is not an OpenAI chat completion: "
                f"{raw[:200]!r}"
            ) from None
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise LLMProtocolError(f"the LLM server at {self._where()} sent non-text content")
        return Completion(text, str(data.get("model") or self.config.model), str(choice.get("finish_reason") or ""))

    def _read_stream(
        self,
        response: http.client.HTTPResponse,
        on_token: TokenSink,
        cancelled: Callable[[], bool] | None,
    ) -> Completion:
        pieces: list[str] = []
        model = self.config.model
        finish = ""
        done = False
        while not done:
            if cancelled is not None and cancelled():
                raise InterruptedError("the LLM reply was cancelled")
            try:
                raw = response.readline()
            except TimeoutError:
                raise self._timeout() from None
            except (OSError, http.client.HTTPException) as exc:
                raise LLMUnavailable(f"the LLM server at {self._where()} broke off its reply ({exc})") from None
            if not raw:
                break  # the server closed the stream without [DONE]; keep what arrived
            line = raw.decode("utf-8", errors="replace").strip()
            if not line.startswith("data:"):
                continue  # blank separators, ": keep-alive" comments, "event:" lines
            data = line[5:].strip()
            if data == "[DONE]":
                break
            try:
                event = json.loads(data)
            except ValueError:
                raise LLMProtocolError(
                    f"the LLM server at {self._where()} sent a malformed stream event: {data[:200]!r}"
                ) from None
            if not isinstance(event, dict):
                raise LLMProtocolError(f"the LLM server at {self._where()} sent a malformed stream event")
            if event.get("error"):
                raise LLMHTTPError(
                    f"the LLM server at {self._where()} reported an error mid-stream: {_error_detail(data.encode())}",
                    500,
                )
            model = str(event.get("model") or model)
            for choice in event.get("choices") or ():
                delta = choice.get("delta") or choice.get("message") or {}
                piece = delta.get("content") if isinstance(delta, dict) else None
                if isinstance(piece, str) and piece:
                    pieces.append(piece)
                    on_token(piece)
                if choice.get("finish_reason"):
                    finish = str(choice["finish_reason"])
        return Completion("".join(pieces), model, finish)


def _error_detail(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:300]
    err = data.get("error") if isinstance(data, dict) else None
    if isinstance(err, dict):
        return str(err.get("message") or err)[:300]
    if err:
        return str(err)[:300]
    if isinstance(data, dict) and data.get("detail"):
        return str(data["detail"])[:300]
    return " ".join(text.split())[:300]


def client_from_config(config: LLMConfig | None = None) -> LLMClient | None:
    """The configured client, or None when no LLM is set up (then nothing is ever sent)."""
    from triage.llm.config import load_llm_config

    config = config if config is not None else load_llm_config()
    return LLMClient(config) if config is not None else None
