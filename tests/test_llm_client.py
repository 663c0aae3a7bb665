"""The OpenAI-compatible client against a real HTTP server on loopback, streaming included."""

from __future__ import annotations

import json
import socket
import time

import pytest

from triage.llm import (
    LLMClient,
    LLMConfig,
    LLMConfigError,
    LLMHTTPError,
    LLMProtocolError,
    LLMTimeout,
    LLMUnavailable,
    is_loopback_host,
    load_llm_config,
)
from triage.llm.fake_server import FakeChatServer, Scripted

HELLO = [{"role": "user", "content": "Say hello"}]


def client(url: str, **kw) -> LLMClient:
    return LLMClient(LLMConfig(url, model=kw.pop("model", "test-model"), timeout=kw.pop("timeout", 5.0), **kw))


def test_non_streaming_reply_and_request_shape():
    with FakeChatServer(["Hello from the pack."]) as server:
        out = client(server.url, api_key="sk-local").complete(HELLO, max_tokens=50)
    assert out.text == "Hello from the pack."
    assert out.model == "fake-model"  # the server's name for the model wins
    assert out.finish_reason == "stop"
    body = server.requests[0]
    assert body["model"] == "test-model" and body["messages"] == HELLO
    assert body["stream"] is False and body["max_tokens"] == 50
    assert server.headers[0]["authorization"] == "Bearer sk-local"


def test_streaming_delivers_tokens_in_order():
    text = "Mrs Okoye is the careers link governor [1]. She meets the Careers Leader."
    pieces: list[str] = []
    with FakeChatServer([text], chunk_chars=5) as server:
        out = client(server.url).complete(HELLO, on_token=pieces.append)
    assert server.requests[0]["stream"] is True
    assert len(pieces) == -(-len(text) // 5)  # one callback per streamed event
    assert "".join(pieces) == text == out.text


def test_streaming_can_be_cancelled():
    with FakeChatServer(["a long reply " * 20], chunk_chars=3) as server:
        seen: list[str] = []
        with pytest.raises(InterruptedError):
            client(server.url).complete(HELLO, on_token=seen.append, cancelled=lambda: len(seen) >= 4)
    assert 4 <= len(seen) < 20


def test_a_server_that_ignores_stream_still_answers():
    raw = json.dumps({"model": "x", "choices": [{"message": {"content": "whole reply"}}]}).encode()
    with FakeChatServer([Scripted(raw=raw)]) as server:
        seen: list[str] = []
        out = client(server.url).complete(HELLO, on_token=seen.append)
    assert out.text == "whole reply" and seen == ["whole reply"]


def test_timeout_when_the_server_is_slower_than_the_client():
    with FakeChatServer([Scripted("late", delay=2.0)]) as server:
        started = time.monotonic()
        with pytest.raises(LLMTimeout, match=r"did not answer within 0.4 s"):
            client(server.url, timeout=0.4).complete(HELLO)
        assert time.monotonic() - started < 1.8


def test_http_500_is_a_clear_error_with_the_servers_message():
    with FakeChatServer([Scripted("model crashed loading weights", status=500)]) as server:
        with pytest.raises(LLMHTTPError) as err:
            client(server.url).complete(HELLO)
    assert err.value.status == 500
    assert "HTTP 500" in str(err.value) and "model crashed loading weights" in str(err.value)
    assert server.url in str(err.value)


def test_404_suggests_checking_the_base_url():
    with FakeChatServer([Scripted("model 'm' not found", status=404)]) as server:
        with pytest.raises(LLMHTTPError, match=r"HTTP 404.*not found.*ends with the API version"):
            client(server.url).complete(HELLO)


def test_401_points_at_the_api_key():
    with FakeChatServer([Scripted("invalid api key", status=401)]) as server:
        with pytest.raises(LLMHTTPError, match="api_key"):
            client(server.url).complete(HELLO)


def test_connection_refused_says_is_it_running():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Nothing listens on the port now.
    with pytest.raises(LLMUnavailable, match=rf"cannot reach the LLM server at http://127.0.0.1:{port}/v1: is it running\?"):
        client(f"http://127.0.0.1:{port}/v1").complete(HELLO)


@pytest.mark.parametrize(
    "raw",
    [b"<html>proxy error</html>", b'{"choices": []}', b'{"choices": [{"message": {"content": 7}}]}'],
)
def test_malformed_replies_are_protocol_errors(raw):
    with FakeChatServer([Scripted(raw=raw)]) as server:
        with pytest.raises(LLMProtocolError, match="not an OpenAI chat completion|non-text"):
            client(server.url).complete(HELLO)


def test_malformed_stream_event_is_a_protocol_error():
    sse = b'data: {"choices": [{"delta": {"content": "ok "}}]}\n\ndata: {not json}\n\n'
    with FakeChatServer([Scripted(raw=sse, content_type="text/event-stream")]) as server:
        seen: list[str] = []
        with pytest.raises(LLMProtocolError, match="malformed stream event"):
            client(server.url).complete(HELLO, on_token=seen.append)
    assert seen == ["ok "]


def test_error_event_mid_stream_is_reported():
    sse = b'data: {"error": {"message": "out of memory"}}\n\n'
    with FakeChatServer([Scripted(raw=sse, content_type="text/event-stream")]) as server:
        with pytest.raises(LLMHTTPError, match="out of memory"):
            client(server.url).complete(HELLO, on_token=lambda _: None)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True), ("LOCALHOST.", True), ("api.localhost", True), ("127.0.0.1", True),
        ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("::ffff:127.0.0.1", True),
        ("10.0.0.5", False), ("192.168.1.20", False), ("api.openai.com", False),
        ("localhost.example.com", False), ("0.0.0.0", False), ("", False),
    ],
)
def test_loopback_detection(host, loopback):
    assert is_loopback_host(host) is loopback


def test_remote_flag_and_warning():
    local = LLMConfig("http://127.0.0.1:11434/v1")
    assert not local.is_remote and local.remote_warning() == ""
    hosted = LLMConfig("https://llm.example.org/v1")
    assert hosted.is_remote and "pack text will leave this machine" in hosted.remote_warning()
    proxied = LLMConfig("http://localhost:4000/v1", treat_as_remote=True)
    assert proxied.is_remote


def test_config_from_file_and_environment(tmp_path):
    assert load_llm_config({}, env={}) is None  # the default: no model, nothing sent
    table = {"llm": {"base_url": "http://localhost:11434/v1/", "model": "llama3.2:3b", "timeout": 30}}
    cfg = load_llm_config(table, env={})
    assert cfg is not None
    assert (cfg.base_url, cfg.model, cfg.timeout, cfg.api_key) == ("http://localhost:11434/v1", "llama3.2:3b", 30.0, "")
    env = {"TRIAGE_LLM_BASE_URL": "https://llm.example.org/v1", "TRIAGE_LLM_API_KEY": "k", "TRIAGE_LLM_MODEL": "big"}
    cfg = load_llm_config(table, env=env)
    assert cfg is not None and (cfg.base_url, cfg.model, cfg.api_key, cfg.is_remote) == (
        "https://llm.example.org/v1", "big", "k", True)
    # The real loader reads the TOML file named by TRIAGE_CONFIG.
    path = tmp_path / "config.toml"
    path.write_text('[llm]\nbase_url = "http://127.0.0.1:8080/v1"\ntreat_as_remote = true\n', encoding="utf-8")
    from triage.config import load_config

    cfg = load_llm_config(load_config(path), env={})
    assert cfg is not None and cfg.model == "default" and cfg.is_remote


@pytest.mark.parametrize(
    "table",
    [{"base_url": "localhost:11434"}, {"base_url": "ftp://x/v1"}, {"base_url": "http://h/v1", "timeout": "soon"},
     {"base_url": "http://h/v1", "timeout": 0}, {"base_url": "http://h/v1", "treat_as_remote": "perhaps"}],
)
def test_bad_config_is_a_clear_error(table):
    with pytest.raises(LLMConfigError):
        load_llm_config({"llm": table}, env={})


def test_disabled_keeps_the_settings_but_uses_no_model():
    table = {"llm": {"base_url": "http://127.0.0.1:11434/v1", "disabled": True}}
    assert load_llm_config(table, env={}) is None
