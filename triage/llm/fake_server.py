"""A small OpenAI-compatible chat-completions server on loopback, for tests and offline demos.

It speaks the same protocol as Ollama or llama.cpp's server (JSON replies, or server-sent events
when ``stream`` is true), answers from a script, and records every request body so a test can see
exactly what would have left the machine. It is not a model: replies are canned.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Scripted:
    """One scripted response: a reply text, or an HTTP error, a delay, or raw bytes."""

    text: str = ""
    status: int = 200
    delay: float = 0.0
    raw: bytes | None = None  # sent as is, for malformed replies
    content_type: str = "application/json"


def quote_first_passage(body: dict[str, Any]) -> str:
    """Answer by quoting the first sentence of passage [1], the way a well-behaved model would."""
    user = next((m["content"] for m in reversed(body.get("messages", [])) if m.get("role") == "user"), "")
    m = re.search(r"^\[1\] \([^\n]*\)\n(.+?)(?:\n\n\[2\] |\n\nQuestion:)", user, re.S | re.M)
    if not m:
        return "The passages do not answer the question."
    sentence = re.split(r"(?<=[.!?])\s", " ".join(m.group(1).split()), maxsplit=1)[0].rstrip(".")
    return f'The pack says "{sentence}" [1].'


class FakeChatServer:
    """``with FakeChatServer(["reply"]) as server: ... server.url`` (base URL ending in /v1)."""

    def __init__(
        self,
        script: list[str | Scripted] | None = None,
        *,
        responder: Responder = quote_first_passage,
        chunk_chars: int = 7,
        model: str = "fake-model",
    ):
        self.script: list[str | Scripted] = list(script or [])
        self.responder = responder
        self.chunk_chars = chunk_chars
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeChatServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def sent_text(self) -> str:
        """Everything the client sent, as one string (for asserting what left the machine)."""
        with self._lock:
            return "\n".join(json.dumps(r, ensure_ascii=False) for r in self.requests)

    def _next(self, body: dict[str, Any]) -> Scripted:
        with self._lock:
            self.requests.append(body)
            item = self.script.pop(0) if self.script else None
        if item is None:
            return Scripted(self.responder(body))
        return Scripted(item) if isinstance(item, str) else item

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

            def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802 - the http.server naming
                if not self.path.endswith("/chat/completions"):
                    self._send(404, b'{"error": {"message": "not found"}}')
                    return
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self._send(400, b'{"error": {"message": "bad json"}}')
                    return
                with server._lock:
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                step = server._next(body)
                if step.delay:
                    time.sleep(step.delay)
                if step.raw is not None:
                    self._send(step.status, step.raw, step.content_type)
                    return
                if step.status >= 400:
                    error = {"error": {"message": step.text or "internal error", "type": "server_error"}}
                    self._send(step.status, json.dumps(error).encode())
                    return
                if body.get("stream"):
                    self._stream(step.text)
                else:
                    reply = {
                        "id": "chatcmpl-fake", "object": "chat.completion", "model": server.model,
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": step.text}}],
                    }
                    self._send(200, json.dumps(reply).encode())

            def _stream(self, text: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                size = max(1, server.chunk_chars)
                pieces = [text[i : i + size] for i in range(0, len(text), size)]
                for piece in pieces:
                    event = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": server.model,
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    self.wfile.flush()
                end = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": server.model,
                       "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f": keep-alive\n\ndata: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()
                self.close_connection = True

        return Handler


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted, so the chat pane and ``triage ask`` can be tried without a model."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m triage.llm.fake_server",
        description="Serve canned OpenAI-compatible chat replies on 127.0.0.1 (a free port) until "
        "interrupted, so 'triage ask' and the chat pane can be tried without a model. It quotes the "
        "first passage it is sent; it is not a language model.",
    )
    parser.parse_args(argv)
    server = FakeChatServer()
    print(f"fake OpenAI-compatible server: TRIAGE_LLM_BASE_URL={server.url}", flush=True)
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._httpd.server_close()
        sys.exit(0)


if __name__ == "__main__":
    main()
