#!/usr/bin/env python3
"""A KEDA external scaler for Tidal's tests, written against the same externalscaler.proto.

It is a second, independent implementation of the wire format (Python grpcio), so a test that
passes against it shows Tidal speaks the protocol as other servers do, not only as Tidal's own
generated code does. The stubs are generated at start into a temporary folder with
grpc_tools.protoc; nothing generated is kept.

Control is over stdin and stdout, one JSON object per line; every command gets one reply:

  start            -> {"port": N}                    (printed once the server listens)
                   -> {"port": N, "tlsPort": M}       with TLS as below
  {"specs": [{"name": "queue", "target": 10.5}]}      metric specs (targetSizeFloat);
                   a spec with "targetInt" sets the deprecated int64 field instead
  {"values": {"queue": 37.5}}                         GetMetrics values (metricValueFloat);
  {"intValues": {"queue": 7}}                         ... or the deprecated int64 field
  {"active": true}                                    what IsActive answers
  {"delay": 2.0}                                      seconds every unary call sleeps first
  {"push": true}   -> {"streams": n}                  send to every open StreamIsActive
  {"streams": null} -> {"streams": n}                 how many streams are open
  {"seen": null}   -> {"refs": [...], "metricNames": [...]}   what requests carried
  any other command -> {"ok": true}

Usage: server.py PROTO_FILE

With TIDAL_GRPC_TLS_CERT, TIDAL_GRPC_TLS_KEY and TIDAL_GRPC_TLS_CA (PEM files) set, the same
service also listens with TLS on a second port and requires a client certificate signed by that
CA, for the scaler's caCert, tlsClientCert and tlsClientKey.
"""

import json
import os
import queue
import sys
import tempfile
import threading
import time
from concurrent import futures


def generate_stubs(proto_file):
    from grpc_tools import protoc
    import grpc_tools

    out = tempfile.mkdtemp(prefix="tidal-grpc-")
    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    folder = os.path.dirname(os.path.abspath(proto_file))
    status = protoc.main(
        [
            "grpc_tools.protoc",
            f"-I{folder}",
            f"-I{include}",
            f"--python_out={out}",
            f"--grpc_python_out={out}",
            os.path.basename(proto_file),
        ]
    )
    if status != 0:
        sys.exit(f"protoc failed on {proto_file} with status {status}")
    sys.path.insert(0, out)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    generate_stubs(sys.argv[1])
    import grpc
    import externalscaler_pb2 as pb
    import externalscaler_pb2_grpc as rpc

    lock = threading.Lock()
    state = {
        "specs": [{"name": "queue", "target": 10.0}],
        "values": {"queue": 0.0},
        "intValues": {},
        "active": False,
        "delay": 0.0,
    }
    seen = {"refs": [], "metricNames": []}
    streams = []

    def remember(ref):
        with lock:
            seen["refs"].append(
                {
                    "name": ref.name,
                    "namespace": ref.namespace,
                    "scalerMetadata": dict(ref.scalerMetadata),
                }
            )
            delay = state["delay"]
        if delay:
            time.sleep(delay)

    class Scaler(rpc.ExternalScalerServicer):
        def IsActive(self, request, context):
            remember(request)
            with lock:
                return pb.IsActiveResponse(result=state["active"])

        def StreamIsActive(self, request, context):
            with lock:
                seen["refs"].append({"name": request.name, "stream": True})
            mine = queue.Queue()
            with lock:
                streams.append(mine)
            try:
                while context.is_active():
                    try:
                        yield pb.IsActiveResponse(result=mine.get(timeout=0.1))
                    except queue.Empty:
                        continue
            finally:
                with lock:
                    streams.remove(mine)

        def GetMetricSpec(self, request, context):
            remember(request)
            with lock:
                specs = [
                    pb.MetricSpec(metricName=s["name"], targetSize=int(s["targetInt"]))
                    if "targetInt" in s
                    else pb.MetricSpec(metricName=s["name"], targetSizeFloat=s["target"])
                    for s in state["specs"]
                ]
            return pb.GetMetricSpecResponse(metricSpecs=specs)

        def GetMetrics(self, request, context):
            remember(request.scaledObjectRef)
            name = request.metricName
            with lock:
                seen["metricNames"].append(name)
                if name in state["intValues"]:
                    value = pb.MetricValue(metricName=name, metricValue=state["intValues"][name])
                elif name in state["values"]:
                    value = pb.MetricValue(metricName=name, metricValueFloat=state["values"][name])
                else:
                    context.abort(grpc.StatusCode.NOT_FOUND, f"no metric {name!r}")
            return pb.GetMetricsResponse(metricValues=[value])

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    rpc.add_ExternalScalerServicer_to_server(Scaler(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    started = {"port": port}
    tls = [os.environ.get(f"TIDAL_GRPC_TLS_{part}") for part in ("CERT", "KEY", "CA")]
    if all(tls):
        cert, key, ca = (open(path, "rb").read() for path in tls)
        credentials = grpc.ssl_server_credentials(
            [(key, cert)], root_certificates=ca, require_client_auth=True
        )
        started["tlsPort"] = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()

    def reply(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    reply(started)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        command = json.loads(line)
        with lock:
            if "push" in command:
                for stream in streams:
                    stream.put(bool(command["push"]))
                answer = {"streams": len(streams)}
            elif "streams" in command:
                answer = {"streams": len(streams)}
            elif "seen" in command:
                answer = dict(seen)
            else:
                for key in ("specs", "values", "intValues", "active", "delay"):
                    if key in command:
                        state[key] = command[key]
                answer = {"ok": True}
        reply(answer)
    server.stop(grace=None)


if __name__ == "__main__":
    main()
