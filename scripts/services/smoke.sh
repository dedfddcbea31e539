#!/usr/bin/env bash
# End-to-end check of the test servers: install and start them, then do one real operation per
# server through the same addresses and credentials that `services.sh env` hands to tests, and
# read the result back the way the matching scaler would. Exits non-zero if any check fails.
# Leaves the servers running (as `up` would); `scripts/services.sh down` stops them.
#
#   scripts/services/smoke.sh [SERVICE...]    (default: all)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/../services.sh" up "$@"
eval "$("$here/../services.sh" env)"

# The helpers (clients with the right flags) come from the service files themselves.
# shellcheck source=common.sh
source "$here/common.sh"
for svc in "${ALL_SERVICES[@]}"; do
  # shellcheck source=/dev/null
  source "$here/$svc.sh"
done
PY="$(exporter_python)"
# One name per run, so a rerun never reads the previous run's data.
RUN="smoke$$x$RANDOM"

passed=0
failed=0
check() {
  local what="$1" out
  shift
  out="$(mktemp)"
  # Run as a background job, not as an `if` condition: bash switches errexit off for everything
  # a condition runs, so a failed step in the middle of a check would go unnoticed. The job's
  # exit status comes back through `wait`.
  (
    set -e
    "$@"
  ) >"$out" 2>&1 &
  if wait $!; then
    printf '  ok    %s\n' "$what"
    passed=$((passed + 1))
  else
    printf '  FAIL  %s\n' "$what"
    tail -n 15 "$out" | sed 's/^/        /'
    failed=$((failed + 1))
  fi
  rm -f "$out"
}

# poll SECONDS COMMAND...: retries COMMAND until it succeeds, for values that arrive by scrape or
# statistics interval rather than at once.
poll() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

want() { # want EXPECTED ACTUAL
  [[ "$2" == "$1" ]] || { echo "expected '$1', got '$2'"; return 1; }
}

smoke_redis() {
  local key="tidal:$RUN"
  redis_cli_open RPUSH "$key" a b c >/dev/null
  want 3 "$(redis_cli_open LLEN "$key")"
  redis_cli_open DEL "$key" >/dev/null
}

smoke_redis_auth() {
  # Without credentials the server must refuse, or the auth tests would prove nothing.
  [[ "$(redis-cli -h "$HOST" -p "$REDIS_AUTH_PORT" LLEN x 2>&1)" == *NOAUTH* ]] ||
    { echo "redis on $REDIS_AUTH_PORT answered without a password"; return 1; }
  local stream="tidal:$RUN:stream"
  redis_cli_auth XADD "$stream" '*' field value >/dev/null
  want 1 "$(redis_cli_auth XLEN "$stream")"
  # And the requirepass (default user) path KEDA uses when only `password` is set.
  want 1 "$(REDISCLI_AUTH="$SERVICES_PASSWORD" redis-cli -h "$HOST" -p "$REDIS_AUTH_PORT" XLEN "$stream")"
  redis_cli_auth DEL "$stream" >/dev/null
}

rabbitmq_queue_messages() {
  rabbitmq_api "queues/%2F/$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin).get("messages", ""))'
}

rabbitmq_queue_has() { [[ "$(rabbitmq_queue_messages "$1")" == "$2" ]]; }

smoke_rabbitmq() {
  local q="tidal-$RUN"
  rabbitmq_api "queues/%2F/$q" -X PUT -H 'content-type: application/json' \
    -d '{"durable":false,"auto_delete":false}' >/dev/null
  local routed
  routed="$(rabbitmq_api exchanges/%2F/amq.default/publish -X POST \
    -H 'content-type: application/json' \
    -d "{\"properties\":{},\"routing_key\":\"$q\",\"payload\":\"hello\",\"payload_encoding\":\"string\"}")"
  [[ "$routed" == *'"routed":true'* ]] || { echo "publish not routed: $routed"; return 1; }
  # The queue length in the API (what KEDA's HTTP mode reads) lags by a statistics interval.
  poll 30 rabbitmq_queue_has "$q" 1 ||
    { echo "queue $q never showed 1 message: $(rabbitmq_queue_messages "$q")"; return 1; }
  rabbitmq_api "queues/%2F/$q" -X DELETE >/dev/null
}

smoke_postgresql() {
  pg_user -c "CREATE TABLE IF NOT EXISTS smoke_jobs (id serial PRIMARY KEY, state text)"
  pg_user -c "INSERT INTO smoke_jobs (state) VALUES ('$RUN'), ('$RUN')"
  want 2 "$(pg_user -tAc "SELECT count(*) FROM smoke_jobs WHERE state = '$RUN'")"
  pg_user -c "DELETE FROM smoke_jobs WHERE state = '$RUN'"
}

smoke_mariadb() {
  mariadb_user_sql "$MYSQL_PORT" -e "CREATE TABLE IF NOT EXISTS smoke_jobs (id INT AUTO_INCREMENT PRIMARY KEY, state VARCHAR(64))"
  mariadb_user_sql "$MYSQL_PORT" -e "INSERT INTO smoke_jobs (state) VALUES ('$RUN'), ('$RUN')"
  want 2 "$(mariadb_user_sql "$MYSQL_PORT" -N -B -e "SELECT COUNT(*) FROM smoke_jobs WHERE state = '$RUN'")"
  mariadb_user_sql "$MYSQL_PORT" -e "DELETE FROM smoke_jobs WHERE state = '$RUN'"
}

nats_req() { "$PY" "$here/nats_request.py" --server "$HOST:$NATS_PORT" "$@"; }

smoke_nats() {
  local stream="SMOKE_$RUN" subject="smoke.$RUN"
  nats_req "\$JS.API.STREAM.CREATE.$stream" \
    "{\"name\":\"$stream\",\"subjects\":[\"$subject.>\"],\"storage\":\"file\"}" >/dev/null
  nats_req "\$JS.API.CONSUMER.DURABLE.CREATE.$stream.worker" \
    "{\"stream_name\":\"$stream\",\"config\":{\"durable_name\":\"worker\",\"ack_policy\":\"explicit\"}}" \
    >/dev/null
  nats_req "$subject.job" hello >/dev/null
  nats_req "$subject.job" hello >/dev/null
  # The number KEDA's nats-jetstream scaler reads: the consumer's pending count from /jsz.
  local pending
  pending="$(nats_monitor 'jsz?accounts=true&streams=true&consumers=true' | "$PY" -c '
import json, sys
stream, data = sys.argv[1], json.load(sys.stdin)
for acc in data.get("account_details", []):
    for s in acc.get("stream_detail", []):
        if s["name"] == stream:
            for c in s.get("consumer_detail", []):
                print(c["num_pending"])
' "$stream")"
  want 2 "$pending"
  nats_req "\$JS.API.STREAM.DELETE.$stream" >/dev/null
}

smoke_kafka() {
  local topic="tidal-$RUN" bootstrap="$HOST:$KAFKA_PORT"
  kafka_tool timeout 60 org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" \
    --create --topic "$topic" --partitions 1 --replication-factor 1 >/dev/null
  printf 'one\ntwo\nthree\n' | kafka_tool timeout 60 org.apache.kafka.tools.ConsoleProducer \
    --bootstrap-server "$bootstrap" --topic "$topic" >/dev/null
  # The log-end offset is what a consumer group's lag is measured against.
  want "$topic:0:3" "$(kafka_tool timeout 60 org.apache.kafka.tools.GetOffsetShell \
    --bootstrap-server "$bootstrap" --topic "$topic")"
  kafka_tool timeout 60 org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" \
    --delete --topic "$topic" >/dev/null
}

prometheus_value() {
  curl -fsS --max-time 5 "http://$HOST:$PROMETHEUS_PORT/api/v1/query" \
    --data-urlencode "query=$1" | "$PY" -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")'
}

prometheus_has() { [[ "$(prometheus_value "$1")" == "$2" ]]; }

smoke_prometheus() {
  local gauge="tidal_smoke_${RUN}"
  curl -fsS --max-time 5 -X POST "http://$HOST:$EXPORTER_PORT/set?name=$gauge&value=42" >/dev/null
  # One scrape interval (1 s) plus Prometheus's own lag; allow generously for a loaded machine.
  poll 30 prometheus_has "$gauge" 42 ||
    { echo "prometheus never returned 42 for $gauge: '$(prometheus_value "$gauge")'"; return 1; }
  curl -fsS --max-time 5 -X POST "http://$HOST:$EXPORTER_PORT/delete?name=$gauge" >/dev/null
}

smoke_metrics_api() {
  local gauge="tidal_smoke_api_${RUN}"
  curl -fsS --max-time 5 -X POST "http://$HOST:$EXPORTER_PORT/set?name=$gauge&value=7" >/dev/null
  want 7.0 "$(curl -fsS --max-time 5 "$TIDAL_METRICS_API_URL" |
    "$PY" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$gauge")"
  curl -fsS --max-time 5 -X POST "http://$HOST:$EXPORTER_PORT/delete?name=$gauge" >/dev/null
}

if (($#)); then selected=("$@"); else selected=("${ALL_SERVICES[@]}"); fi
has() { [[ " ${selected[*]} " == *" $1 "* ]]; }

log "Smoke checks (run id $RUN):"
if has redis; then
  check "redis: RPUSH/LLEN on $TIDAL_REDIS_URL" smoke_redis
  check "redis: XADD/XLEN as ACL user and with requirepass on port $REDIS_AUTH_PORT" smoke_redis_auth
fi
has rabbitmq && check "rabbitmq: declare and publish via the management API, queue shows 1 message" smoke_rabbitmq
has postgresql && check "postgresql: insert and count as $SERVICES_USER over TCP" smoke_postgresql
has mariadb && check "mariadb: insert and count as $SERVICES_USER over TCP" smoke_mariadb
has nats && check "nats: JetStream stream + durable consumer, /jsz shows 2 pending" smoke_nats
has kafka && check "kafka: create topic, produce 3 records, log-end offset is 3" smoke_kafka
if has prometheus && has exporter; then
  check "prometheus: scrapes a gauge set on the test exporter" smoke_prometheus
fi
has exporter && check "metrics-api: the exporter's JSON shows a gauge set over HTTP" smoke_metrics_api

echo "smoke: $passed passed, $failed failed"
((failed == 0))
