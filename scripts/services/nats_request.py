#!/usr/bin/env python3
"""Send one NATS request and print the reply: enough to drive the JetStream API from a script.

    nats_request.py [--server 127.0.0.1:14222] SUBJECT [PAYLOAD]

JetStream is managed through request/reply on ``$JS.API.>`` subjects, so creating a stream is
``nats_request.py '$JS.API.STREAM.CREATE.ORDERS' '{"name":"ORDERS","subjects":["orders.>"]}'``
and publishing with an acknowledgement is a request to the stream's subject. Speaks the plain
text protocol over a socket, standard library only, so tests need no NATS client or CLI.
Exits 1 on no reply, no responders, or a JetStream error in the reply.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time


def read_line(sock: socket.socket, buf: bytearray) -> bytes:
    while b"\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf.extend(chunk)
    line, _, rest = bytes(buf).partition(b"\r\n")
    buf[:] = rest
    return line


def read_exact(sock: socket.socket, buf: bytearray, n: int) -> bytes:
    # The payload is followed by CRLF, which is not counted in n.
    while len(buf) < n + 2:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf.extend(chunk)
    data = bytes(buf[:n])
    buf[:] = buf[n + 2 :]
    return data


def request(server: str, subject: str, payload: bytes, timeout: float) -> tuple[str, bytes]:
    """Returns (status, payload); status is "" for a plain reply or the header status line."""
    host, _, port = server.rpartition(":")
    inbox = f"_INBOX.{os.getpid()}.{int(time.time() * 1000)}"
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        buf = bytearray()
        info = read_line(sock, buf)
        if not info.startswith(b"INFO "):
            raise ConnectionError(f"unexpected greeting {info[:80]!r}")
        # headers + no_responders: a request nobody serves answers at once with status 503
        # instead of waiting out the timeout.
        connect = {"verbose": False, "pedantic": False, "headers": True, "no_responders": True,
                   "protocol": 1, "name": "tidal-nats-request", "lang": "python"}
        sock.sendall(
            f"CONNECT {json.dumps(connect)}\r\nSUB {inbox} 1\r\n".encode()
            + f"PUB {subject} {inbox} {len(payload)}\r\n".encode() + payload + b"\r\n"
        )
        deadline = time.monotonic() + timeout
        while True:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            line = read_line(sock, buf)
            if line == b"PING":
                sock.sendall(b"PONG\r\n")
            elif line.startswith(b"-ERR"):
                raise ConnectionError(line.decode(errors="replace"))
            elif line.startswith(b"MSG "):
                size = int(line.split()[-1])
                return "", read_exact(sock, buf, size)
            elif line.startswith(b"HMSG "):
                parts = line.split()
                header_len, total = int(parts[-2]), int(parts[-1])
                data = read_exact(sock, buf, total)
                status = data[:header_len].split(b"\r\n", 1)[0].decode(errors="replace")
                return status.removeprefix("NATS/1.0").strip(), data[header_len:]
            # +OK, PONG and anything else: keep reading.


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:14222", help="host:port, loopback only")
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("subject")
    parser.add_argument("payload", nargs="?", default="")
    args = parser.parse_args()
    try:
        status, reply = request(args.server, args.subject, args.payload.encode(), args.timeout)
    except (OSError, ConnectionError) as err:
        print(f"nats_request: {args.subject}: {err}", file=sys.stderr)
        return 1
    if status and not status.startswith("200"):
        print(f"nats_request: {args.subject}: status {status}", file=sys.stderr)
        return 1
    sys.stdout.write(reply.decode(errors="replace") + "\n")
    try:
        decoded = json.loads(reply)
        failed = isinstance(decoded, dict) and "error" in decoded
    except ValueError:
        failed = False
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
