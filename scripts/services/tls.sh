# shellcheck shell=bash
# A test certificate authority for the servers that speak TLS (PostgreSQL, Redis), so each
# scaler's TLS settings (`ca`, `cert`, `key`, `unsafeSsl`, `sslrootcert`, `sslmode`) meet a real
# handshake. Everything lives in $SERVICES_DIR/tls and is made once:
#
#   ca.pem              the CA every server certificate here is signed by
#   other-ca.pem        a CA that signs nothing: a client trusting only it must refuse the servers
#   NAME.pem, NAME.key  a server certificate for 127.0.0.1 and localhost, per server
#   client.pem/.key     a client certificate signed by ca.pem, for mutual TLS
#   client-encrypted.key  the same key as PKCS#8 encrypted with TLS_KEY_PASSWORD, for keyPassword
#   client-legacy.key   the same key in OpenSSL's legacy encrypted PEM (AES-256-CBC), same password
#   server.pem/.key     a server certificate for 127.0.0.1 and localhost that test fixtures
#                       (the Python gRPC external scaler) serve
#
# Keys are EC P-256: quick to make and accepted by every client Tidal uses.

TLS_DIR="$SERVICES_DIR/tls"
# The password of client-encrypted.key: a test password for a test key.
TLS_KEY_PASSWORD="tidal-test-key-pw"

# tls_new_key_and_csr NAME SUBJECT: NAME.key and NAME.csr.
tls_new_key_and_csr() {
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "$2" \
    -keyout "$TLS_DIR/$1.key" -out "$TLS_DIR/$1.csr" 2>/dev/null
}

# tls_sign NAME EXTENSION...: NAME.pem from NAME.csr, signed by ca.pem for ten years.
tls_sign() {
  local name="$1"
  shift
  printf '%s\n' "$@" >"$TLS_DIR/$name.ext"
  openssl x509 -req -days 3650 -in "$TLS_DIR/$name.csr" -CA "$TLS_DIR/ca.pem" \
    -CAkey "$TLS_DIR/ca.key" -CAcreateserial -extfile "$TLS_DIR/$name.ext" \
    -out "$TLS_DIR/$name.pem" 2>/dev/null
}

# tls_authorities: ca.pem, other-ca.pem and the client certificate, once.
tls_authorities() {
  mkdir -p "$TLS_DIR"
  local ca
  for ca in ca other-ca; do
    [[ -f "$TLS_DIR/$ca.pem" ]] && continue
    log "Making the test certificate authority $TLS_DIR/$ca.pem."
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -subj "/CN=Tidal test $ca" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign" \
      -keyout "$TLS_DIR/$ca.key" -out "$TLS_DIR/$ca.pem" 2>/dev/null
  done
  if [[ ! -f "$TLS_DIR/client.pem" ]]; then
    tls_new_key_and_csr client "/CN=tidal"
    tls_sign client "basicConstraints=CA:FALSE" "keyUsage=digitalSignature" \
      "extendedKeyUsage=clientAuth"
  fi
  if [[ ! -f "$TLS_DIR/client-encrypted.key" ]]; then
    openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$TLS_DIR/client.key" \
      -passout "pass:$TLS_KEY_PASSWORD" -out "$TLS_DIR/client-encrypted.key" 2>/dev/null
  fi
  if [[ ! -f "$TLS_DIR/client-legacy.key" ]]; then
    openssl ec -aes256 -in "$TLS_DIR/client.key" -passout "pass:$TLS_KEY_PASSWORD" \
      -out "$TLS_DIR/client-legacy.key" 2>/dev/null
  fi
  tls_server_pem server
}

# tls_server_pem NAME: NAME.pem and NAME.key for 127.0.0.1 and localhost, once.
tls_server_pem() {
  local name="$1"
  [[ -f "$TLS_DIR/$name.pem" ]] && return 0
  log "Making the test server certificate $TLS_DIR/$name.pem."
  tls_new_key_and_csr "$name" "/CN=localhost"
  tls_sign "$name" "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
    "keyUsage=digitalSignature" "extendedKeyUsage=serverAuth"
}

# tls_locked COMMAND...: COMMAND under the CA folder's lock. `up` starts the servers side by
# side and each may be the first to need the CA; without the lock two would make it at once and
# sign with keys the other overwrote.
tls_locked() {
  mkdir -p "$TLS_DIR"
  (
    flock 9
    "$@"
  ) 9>"$TLS_DIR/.lock"
}

# tls_server_cert NAME OWNER: NAME.pem and NAME.key for 127.0.0.1 and localhost, the key readable
# by OWNER alone (PostgreSQL refuses a key others can read).
tls_server_cert() {
  local name="$1" owner="$2"
  tls_locked tls_authorities
  tls_locked tls_server_pem "$name"
  chown "$owner:" "$TLS_DIR/$name.key"
  chmod 600 "$TLS_DIR/$name.key"
}

# tls_env: the CA files and the client certificate for the tests.
tls_env() {
  q TIDAL_TLS_CA "$TLS_DIR/ca.pem"
  q TIDAL_TLS_OTHER_CA "$TLS_DIR/other-ca.pem"
  q TIDAL_TLS_CLIENT_CERT "$TLS_DIR/client.pem"
  q TIDAL_TLS_CLIENT_KEY "$TLS_DIR/client.key"
  q TIDAL_TLS_CLIENT_KEY_ENCRYPTED "$TLS_DIR/client-encrypted.key"
  q TIDAL_TLS_CLIENT_KEY_LEGACY "$TLS_DIR/client-legacy.key"
  q TIDAL_TLS_CLIENT_KEY_PASSWORD "$TLS_KEY_PASSWORD"
  q TIDAL_TLS_SERVER_CERT "$TLS_DIR/server.pem"
  q TIDAL_TLS_SERVER_KEY "$TLS_DIR/server.key"
}
