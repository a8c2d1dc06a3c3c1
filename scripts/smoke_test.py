"""Smoke test of a deployed gateway through its load balancer (the scheduled e2e workflow).

    python3 scripts/smoke_test.py --url http://<alb>/mcp --report e2e-report/smoke.json

1. GET <origin><health-path> answers 200.
2. MCP over Streamable HTTP: POST `initialize`, then the `notifications/initialized`
   notification, then `tools/list` (with the `Mcp-Session-Id` the server handed out, if any, and
   the negotiated `MCP-Protocol-Version`); the answer holds a list of tools.

Answers may be plain JSON or a Server-Sent Events stream (the transport allows both). Each step
is retried until --deadline seconds have passed: a fresh load balancer takes a while to register
healthy targets. The report (JSON) lists every step with its status and timing. Standard library
only; no step prints a header value (a session id is a bearer of the session).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROTOCOL_VERSION = "2025-06-18"
"""The MCP revision this client asks for; the server answers with the one it speaks."""
DEFAULT_HEALTH_PATH = "/health"
"""The gateway's default `gateway.healthPath` (tests assert the two agree)."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: str


Send = Callable[[str, str, dict[str, str], bytes | None], Response]


def http_send(method: str, url: str, headers: dict[str, str], body: bytes | None) -> Response:
    request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310 (Smoke admits http(s) only)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (Smoke admits http(s) only)
            return Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read().decode())
    except urllib.error.HTTPError as error:
        return Response(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode())


class SmokeError(Exception):
    pass


def json_rpc_message(response: Response, request_id: int) -> dict[str, Any]:
    """The JSON-RPC response with ``request_id``, from a JSON body or an SSE stream."""
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("text/event-stream"):
        candidates = [line[5:].strip() for line in response.body.splitlines() if line.startswith("data:")]
    else:
        candidates = [response.body]
    for text in candidates:
        try:
            message = json.loads(text)
        except ValueError:
            continue
        for item in message if isinstance(message, list) else [message]:
            if isinstance(item, dict) and item.get("id") == request_id:
                if "error" in item:
                    raise SmokeError(f"JSON-RPC error for request {request_id}: {item['error']}")
                return item
    raise SmokeError(f"no JSON-RPC response with id {request_id} in a {content_type or 'untyped'} answer")


@dataclass
class Smoke:
    url: str
    health_path: str = DEFAULT_HEALTH_PATH
    send: Send = http_send
    steps: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SmokeError(f"--url {self.url!r}: an http(s) URL such as http://<load balancer>/mcp is expected")
        self.origin = f"{parts.scheme}://{parts.netloc}"

    def _record(self, name: str, response: Response, started: float, ok: bool, detail: str = "") -> None:
        self.steps.append(
            {
                "step": name,
                "status": response.status,
                "ok": ok,
                "seconds": round(time.monotonic() - started, 3),
                "detail": detail,
            }
        )

    def health(self) -> None:
        started = time.monotonic()
        response = self.send("GET", self.origin + self.health_path, {}, None)
        ok = response.status == 200
        self._record("health", response, started, ok)
        if not ok:
            raise SmokeError(f"GET {self.health_path}: HTTP {response.status}")

    def _post(self, payload: dict[str, Any], session: dict[str, str]) -> Response:
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream", **session}
        return self.send("POST", self.url, headers, json.dumps(payload).encode())

    def mcp(self) -> list[str]:
        started = time.monotonic()
        init = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "runmcp-gateway-smoke-test", "version": "1"},
            },
        }
        response = self._post(init, {})
        if response.status != 200:
            self._record("initialize", response, started, False)
            raise SmokeError(f"initialize: HTTP {response.status}")
        result = json_rpc_message(response, 1)["result"]
        version = str(result.get("protocolVersion", PROTOCOL_VERSION))
        self._record("initialize", response, started, True, f"protocolVersion {version}")
        session = {"MCP-Protocol-Version": version}
        if "mcp-session-id" in response.headers:
            session["Mcp-Session-Id"] = response.headers["mcp-session-id"]

        started = time.monotonic()
        response = self._post({"jsonrpc": "2.0", "method": "notifications/initialized"}, session)
        ok = response.status in (200, 202)
        self._record("initialized", response, started, ok)
        if not ok:
            raise SmokeError(f"notifications/initialized: HTTP {response.status}")

        started = time.monotonic()
        response = self._post({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}, session)
        if response.status != 200:
            self._record("tools/list", response, started, False)
            raise SmokeError(f"tools/list: HTTP {response.status}")
        tools = json_rpc_message(response, 2).get("result", {}).get("tools")
        if not isinstance(tools, list):
            self._record("tools/list", response, started, False, "no tools list")
            raise SmokeError("tools/list: the result has no list of tools")
        names = [str(tool.get("name")) for tool in tools if isinstance(tool, dict)]
        self._record("tools/list", response, started, True, f"{len(names)} tools")
        return names


def until(
    deadline: float, attempt: Callable[[], Any], clock: Callable[[], float], pause: Callable[[float], None]
) -> Any:
    """``attempt()`` until it succeeds or ``deadline`` (a ``clock()`` time) passes; the last error then."""
    while True:
        try:
            return attempt()
        except (SmokeError, OSError) as error:
            if clock() >= deadline:
                raise SmokeError(str(error)) from None
            pause(10)


def main(
    argv: list[str],
    send: Send = http_send,
    clock: Callable[[], float] = time.monotonic,
    pause: Callable[[float], None] = time.sleep,
) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the MCP endpoint, the stack output `url`")
    parser.add_argument("--health-path", default=DEFAULT_HEALTH_PATH)
    parser.add_argument("--deadline", type=float, default=600, help="seconds to keep retrying")
    parser.add_argument("--report", type=Path, help="where to write the JSON report")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"url": args.url, "ok": False, "steps": []}
    try:
        smoke = Smoke(args.url, args.health_path, send)
        report["steps"] = smoke.steps
        deadline = clock() + args.deadline
        until(deadline, smoke.health, clock, pause)
        report["tools"] = until(deadline, smoke.mcp, clock, pause)
        report["ok"] = True
    except SmokeError as error:
        report["error"] = str(error)
        print(f"::error title=smoke test::{error}")
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
