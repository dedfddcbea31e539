#!/usr/bin/env python3
"""A settable metrics endpoint for scaler integration tests.

Serves the gauges a test sets, in two shapes:

* ``GET /metrics``: Prometheus text format, for Prometheus to scrape (prometheus scaler tests).
* ``GET /api/values`` and ``GET /api/value?name=N``: JSON, for the metrics-api scaler.

A test drives it with plain HTTP:

* ``POST /set?name=N&value=V[&LABEL=VALUE...]``: set a gauge; extra parameters become labels.
* ``POST /delete?name=N``: drop every series of a gauge.
* ``POST /reset``: drop everything.

Standard library only, so it runs on any python3. It listens on loopback only.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class Gauges:
    """Every series, keyed by metric name then by its sorted label pairs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._series: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}

    def set(self, name: str, labels: dict[str, str], value: float) -> None:
        with self._lock:
            self._series.setdefault(name, {})[tuple(sorted(labels.items()))] = value

    def delete(self, name: str) -> bool:
        with self._lock:
            return self._series.pop(name, None) is not None

    def reset(self) -> None:
        with self._lock:
            self._series.clear()

    def snapshot(self) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
        with self._lock:
            return {name: dict(series) for name, series in self._series.items()}


def format_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render_prometheus(snapshot: dict) -> str:
    lines = []
    for name in sorted(snapshot):
        lines.append(f"# HELP {name} Set by a test through the Tidal test exporter.")
        lines.append(f"# TYPE {name} gauge")
        for labels, value in sorted(snapshot[name].items()):
            rendered = ",".join(f'{k}="{escape_label(v)}"' for k, v in labels)
            series = f"{name}{{{rendered}}}" if rendered else name
            lines.append(f"{series} {format_value(value)}")
    return "\n".join(lines) + "\n"


def json_values(snapshot: dict) -> dict[str, float]:
    """Unlabelled series by name; labelled ones by their Prometheus series name."""
    out = {}
    for name, series in snapshot.items():
        for labels, value in series.items():
            if labels:
                rendered = ",".join(f'{k}="{v}"' for k, v in labels)
                out[f"{name}{{{rendered}}}"] = value
            else:
                out[name] = value
    return out


class Server(ThreadingHTTPServer):
    # Tests running in parallel may hit it at once; the default backlog of 5 is tight.
    request_queue_size = 64
    daemon_threads = True


class Handler(BaseHTTPRequestHandler):
    gauges: Gauges

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        # Prometheus scrapes every second; a line per request would drown the log.
        return

    def reply(self, status: int, body: str, content_type: str = "text/plain; charset=utf-8") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def reply_json(self, status: int, value: object) -> None:
        self.reply(status, json.dumps(value, sort_keys=True) + "\n", "application/json")

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query))
        snapshot = self.gauges.snapshot()
        if url.path == "/metrics":
            self.reply(200, render_prometheus(snapshot), "text/plain; version=0.0.4; charset=utf-8")
        elif url.path == "/api/values":
            self.reply_json(200, json_values(snapshot))
        elif url.path == "/api/value":
            name = params.get("name", "")
            value = json_values(snapshot).get(name)
            if value is None:
                self.reply_json(404, {"error": f"no gauge named {name!r}"})
            else:
                self.reply_json(200, {"name": name, "value": value})
        elif url.path in ("/", "/healthz"):
            self.reply(200, "ok\n")
        else:
            self.reply(404, "not found\n")

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        url = urlsplit(self.path)
        # Parameters may come in the query string or as a form body; the query wins.
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        params = dict(parse_qsl(body))
        params.update(parse_qsl(url.query))
        if url.path == "/set":
            self.handle_set(params)
        elif url.path == "/delete":
            name = params.get("name", "")
            if self.gauges.delete(name):
                self.reply(200, "deleted\n")
            else:
                self.reply(404, f"no gauge named {name!r}\n")
        elif url.path == "/reset":
            self.gauges.reset()
            self.reply(200, "reset\n")
        else:
            self.reply(404, "not found\n")

    def handle_set(self, params: dict[str, str]) -> None:
        name = params.pop("name", "")
        raw = params.pop("value", "")
        if not NAME_RE.match(name):
            self.reply(400, f"name: {name!r} is not a Prometheus metric name\n")
            return
        try:
            value = float(raw)
        except ValueError:
            self.reply(400, f"value: {raw!r} is not a number\n")
            return
        bad = [k for k in params if not LABEL_RE.match(k) or k.startswith("__")]
        if bad:
            self.reply(400, f"labels: {bad!r} are not valid label names\n")
            return
        self.gauges.set(name, params, value)
        self.reply(200, "ok\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=19100)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a gauge to serve from the start; repeatable",
    )
    args = parser.parse_args()
    if args.host not in LOOPBACK and not args.host.startswith("127."):
        parser.error(f"--host {args.host}: only loopback addresses are allowed")
    gauges = Gauges()
    for item in args.set:
        name, _, value = item.partition("=")
        if not NAME_RE.match(name):
            parser.error(f"--set {item}: {name!r} is not a Prometheus metric name")
        gauges.set(name, {}, float(value))
    Handler.gauges = gauges
    server = Server((args.host, args.port), Handler)
    print(f"Serving test gauges on http://{args.host}:{args.port}/metrics", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
