#!/usr/bin/env python3
"""Prints a benchmark fleet: COUNT kwok Deployments app-<i>, each with a ScaledObject.

Usage: fleet.py NAMESPACE COUNT --replicas R --min M [--max X] --polling P
                --trigger TEMPLATE [--triggers N]

TEMPLATE is one trigger as a YAML flow mapping, with {i} (the object) and {k} (the trigger)
substituted; --triggers repeats it N times per object (default 1).
"""

import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("namespace")
    parser.add_argument("count", type=int)
    parser.add_argument("--replicas", type=int, required=True)
    parser.add_argument("--min", type=int, required=True)
    parser.add_argument("--max", type=int)
    parser.add_argument("--polling", type=int, required=True)
    parser.add_argument("--trigger", required=True)
    parser.add_argument("--triggers", type=int, default=1)
    args = parser.parse_args()
    ns = args.namespace
    bound = f"\n  maxReplicaCount: {args.max}" if args.max is not None else ""
    for i in range(args.count):
        triggers = "\n".join(
            "    - " + args.trigger.replace("{i}", str(i)).replace("{k}", str(k))
            for k in range(args.triggers)
        )
        print(f"""---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app-{i}, namespace: {ns}}}
spec:
  replicas: {args.replicas}
  selector: {{matchLabels: {{app: app-{i}}}}}
  template:
    metadata: {{labels: {{app: app-{i}}}}}
    spec:
      containers: [{{name: app, image: registry.invalid/app:1}}]
      tolerations: [{{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}}]
---
apiVersion: tidal.dev/v1alpha1
kind: ScaledObject
metadata: {{name: app-{i}, namespace: {ns}}}
spec:
  scaleTargetRef: {{name: app-{i}}}
  pollingInterval: {args.polling}
  minReplicaCount: {args.min}{bound}
  triggers:
{triggers}""")


if __name__ == "__main__":
    main()
