#!/usr/bin/env python3
"""The demo's load generator: a loopback HTTP server whose JSON value follows a bounded load
curve, for a `metrics-api` trigger to read.

The curve repeats every PERIOD seconds: quiet (0), a ramp to a peak, a plateau with jitter, a
ramp down, quiet again. Values stay within [0, PEAK], so the replica count is bounded too.

Usage: load.py PORT [PERIOD_SECONDS] [PEAK]
Serves GET / -> {"value": <current load>, "phase": "<phase>"}.
"""
import http.server
import json
import math
import random
import sys
import time

PORT = int(sys.argv[1])
PERIOD = float(sys.argv[2]) if len(sys.argv) > 2 else 150.0
PEAK = float(sys.argv[3]) if len(sys.argv) > 3 else 80.0
START = time.monotonic()


def load(now):
    """(value, phase) at monotonic time `now`."""
    t = ((now - START) % PERIOD) / PERIOD
    if t < 0.10:
        return 0.0, "quiet"
    if t < 0.40:
        x = (t - 0.10) / 0.30
        return PEAK * (1 - math.cos(math.pi * x)) / 2, "ramp-up"
    if t < 0.60:
        return max(0.0, min(PEAK, PEAK * (0.9 + 0.1 * random.random()))), "peak"
    if t < 0.85:
        x = (t - 0.60) / 0.25
        return PEAK * (1 + math.cos(math.pi * x)) / 2, "ramp-down"
    return 0.0, "quiet"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        value, phase = load(time.monotonic())
        body = json.dumps({"value": round(value, 2), "phase": phase}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
