# shellcheck shell=bash
# Kafka for the kafka scaler: one KRaft node that is both broker and controller. Debian has no
# Kafka package, so the broker comes from its release jars on Maven Central: Maven resolves
# kafka_2.13 (the broker, kafka.Kafka and kafka.tools.StorageTool) and kafka-tools (the CLI
# classes we use for health checks and tests) with their runtime dependencies into one libs
# folder per version, and we run it with `java -cp 'libs/*'` as the release's scripts would.

kafka_home() { printf '%s/kafka/%s\n' "$TIDAL_CACHE" "$KAFKA_VERSION"; }

kafka_java() { echo "${TIDAL_KAFKA_JAVA:-java}"; }

# java_major BIN: the major version the JVM reports (17, 21, ...), or 0.
java_major() {
  local v
  v="$("$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')"
  printf '%s\n' "${v:-0}"
}

kafka_packages() {
  # Kafka 4 needs Java 17 or newer; Debian 12's default JRE is 17.
  if ! command -v "$(kafka_java)" >/dev/null || (($(java_major "$(kafka_java)") < 17)); then
    echo default-jre-headless
  fi
  command -v mvn >/dev/null || echo maven
}

kafka_install() {
  local home libs
  home="$(kafka_home)"
  libs="$home/libs"
  [[ -f "$libs/.complete" ]] && return 0
  log "Fetching Kafka $KAFKA_VERSION and its runtime dependencies from Maven Central."
  mkdir -p "$home"
  # A throwaway project whose only job is to name the artefacts; Maven works out the rest.
  cat >"$home/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.tidal.test-services</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_$KAFKA_SCALA</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.8.1</version>
      </plugin>
    </plugins>
  </build>
</project>
EOF
  rm -rf "$libs.tmp"
  # Into a temporary folder first, so an interrupted fetch never looks complete.
  mvn -B -q -f "$home/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs.tmp" >"$home/mvn.log" 2>&1 ||
    { show_log_tail "$home/mvn.log"; die "Maven could not resolve Kafka $KAFKA_VERSION."; }
  # The broker logs through SLF4J 1.x and the release ships log4j2 with its SLF4J binding; the
  # binding is not a Maven dependency of the broker, so add the one matching the log4j2 we got.
  local log4j
  log4j="$(find "$libs.tmp" -name 'log4j-core-*.jar' -printf '%f\n' | sed 's/^log4j-core-//; s/\.jar$//')"
  [[ -n "$log4j" ]] || die "Kafka $KAFKA_VERSION brought no log4j-core; cannot configure its logs."
  if ! compgen -G "$libs.tmp/log4j-slf4j*-impl-*.jar" >/dev/null; then
    mvn -B -q -f "$home/pom.xml" dependency:copy \
      -Dartifact="org.apache.logging.log4j:log4j-slf4j-impl:$log4j" \
      -DoutputDirectory="$libs.tmp" >>"$home/mvn.log" 2>&1 ||
      { show_log_tail "$home/mvn.log"; die "Maven could not fetch log4j-slf4j-impl $log4j."; }
  fi
  touch "$libs.tmp/.complete"
  rm -rf "$libs"
  mv "$libs.tmp" "$libs"
  log "Kafka $KAFKA_VERSION: $(find "$libs" -name '*.jar' | wc -l) jars in $libs."
}

kafka_procs() { echo kafka; }

# kafka_tool [timeout SECONDS] CLASS ARGS...: one of Kafka's CLI classes, in a small
# quick-starting JVM, logging only warnings so its output stays parseable. The client retries
# an absent broker for a long time, hence the optional time limit.
kafka_tool() {
  local home limit=()
  home="$(kafka_home)"
  if [[ "$1" == timeout ]]; then
    limit=(timeout "$2")
    shift 2
  fi
  "${limit[@]}" "$(kafka_java)" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$home/log4j2-tools.properties" \
    -cp "$home/libs/*" "$@"
}

kafka_log4j_configs() {
  local home
  home="$(kafka_home)"
  cat >"$home/log4j2.properties" <<'EOF'
# Broker: INFO to stdout, which proc_start sends to the service's log file.
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
EOF
  cat >"$home/log4j2-tools.properties" <<'EOF'
# CLI tools: warnings only, to stderr, so stdout is just the tool's answer.
status = warn
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = STDERR
EOF
}

# An ApiVersions round trip through the real client: the broker is serving the Kafka protocol.
kafka_health() {
  port_busy "$KAFKA_PORT" || return 1
  local out
  out="$(kafka_tool timeout 30 org.apache.kafka.tools.BrokerApiVersionsCommand \
    --bootstrap-server "$HOST:$KAFKA_PORT" 2>/dev/null)" || return 1
  [[ "$out" == *"(id: 1 "* ]]
}

kafka_up() {
  local dir home
  dir="$(svc_dir kafka)"
  home="$(kafka_home)"
  [[ -f "$home/libs/.complete" ]] || die "Kafka $KAFKA_VERSION is not fetched; run 'scripts/services.sh install kafka'."
  kafka_log4j_configs
  mkdir -p "$dir/data"
  # Kafka reads a PEM key store as one file: the private key, then the certificate chain.
  tls_server_cert kafka root
  cat "$TLS_DIR/kafka.key" "$TLS_DIR/kafka.pem" >"$dir/keystore.pem"
  chmod 600 "$dir/keystore.pem"
  install -m 600 /dev/null "$dir/server.properties"
  cat >"$dir/server.properties" <<EOF
# One KRaft node in combined mode: broker and its own single-voter controller quorum.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT,SSL://$HOST:$KAFKA_SSL_PORT,SASL_SSL://$HOST:$KAFKA_SASL_SSL_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT,SSL://$HOST:$KAFKA_SSL_PORT,SASL_SSL://$HOST:$KAFKA_SASL_SSL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL
# TLS with the test CA (tls.sh). The SSL listener requires a client certificate; SASL_SSL
# authenticates with a user and password over TLS, as managed Kafka services do.
ssl.keystore.type=PEM
ssl.keystore.location=$dir/keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.pem
listener.name.ssl.ssl.client.auth=required
listener.name.sasl_ssl.ssl.client.auth=none
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SERVICES_USER="$SERVICES_PASSWORD";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
# OAUTHBEARER with Kafka's default validator for unsecured (unsigned) JWTs: it checks the
# token's sub and exp claims, enough to test the client side of the exchange.
listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;
log.dirs=$dir/data
# A single node cannot replicate, so every internal topic gets one replica; few partitions keep
# the first consumer group (which creates __consumer_offsets) quick on a small machine.
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
log.retention.hours=24
EOF
  # The SCRAM users are written when the storage is formatted; storage formatted before they
  # existed (no marker) is test data, so it is formatted again.
  if [[ -f "$dir/data/meta.properties" && ! -f "$dir/scram-users" ]] &&
    ! proc_pid "$dir/pids/kafka.pid" >/dev/null; then
    log "Formatting Kafka storage again to add the SCRAM users."
    rm -rf "$dir/data"
    mkdir -p "$dir/data"
  fi
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    # KRaft storage must be formatted with a cluster id once before the first start.
    local id
    id="$(kafka_tool kafka.tools.StorageTool random-uuid)" || die "StorageTool random-uuid failed."
    log "Formatting Kafka storage in $dir/data (cluster id $id)."
    kafka_tool kafka.tools.StorageTool format --ignore-formatted -t "$id" \
      -c "$dir/server.properties" \
      --add-scram "SCRAM-SHA-256=[name=$SERVICES_USER,password=$SERVICES_PASSWORD]" \
      --add-scram "SCRAM-SHA-512=[name=$SERVICES_USER,password=$SERVICES_PASSWORD]" \
      >"$dir/logs/format.log" 2>&1 ||
      { show_log_tail "$dir/logs/format.log"; die "Kafka storage format failed."; }
    touch "$dir/scram-users"
  fi
  if ! proc_pid "$dir/pids/kafka.pid" >/dev/null; then
    require_free_ports kafka "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$KAFKA_SSL_PORT" \
      "$KAFKA_SASL_SSL_PORT"
    proc_start "$dir/pids/kafka.pid" "$dir/logs/kafka.log" \
      "$(kafka_java)" "-Xmx$KAFKA_HEAP" -Xms128m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$home/log4j2.properties" -Dkafka.logs.dir="$dir/logs" \
      -cp "$home/libs/*" kafka.Kafka "$dir/server.properties"
  fi
  wait_for 120 "kafka on $HOST:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)" \
    "$dir/pids/kafka.pid" kafka_health ||
    { show_log_tail "$dir/logs/kafka.log"; die "kafka did not answer an ApiVersions request."; }
}

kafka_env() {
  q TIDAL_KAFKA_HOST "$HOST"
  q TIDAL_KAFKA_PORT "$KAFKA_PORT"
  q TIDAL_KAFKA_BOOTSTRAP_SERVERS "$HOST:$KAFKA_PORT"
  q TIDAL_KAFKA_VERSION "$KAFKA_VERSION"
  # TLS with a required client certificate, and SASL (PLAIN, SCRAM-SHA-256/512, OAUTHBEARER)
  # over TLS.
  q TIDAL_KAFKA_SSL_BOOTSTRAP_SERVERS "$HOST:$KAFKA_SSL_PORT"
  q TIDAL_KAFKA_SASL_SSL_BOOTSTRAP_SERVERS "$HOST:$KAFKA_SASL_SSL_PORT"
  q TIDAL_KAFKA_USERNAME "$SERVICES_USER"
  q TIDAL_KAFKA_PASSWORD "$SERVICES_PASSWORD"
  # For tests that drive Kafka's own CLI classes (topics, producer, consumer groups):
  # java -cp "$TIDAL_KAFKA_CLASSPATH" org.apache.kafka.tools.TopicCommand ...
  q TIDAL_KAFKA_CLASSPATH "$(kafka_home)/libs/*"
}
