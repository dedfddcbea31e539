# shellcheck shell=bash
# Certificates and keys for the local control plane. Source it after common.sh; call ensure_pki.
#
# Three CAs, as kubeadm lays them out, because each one is a trust decision of its own:
#   ca             clients of the apiserver (admin, controller-manager, scheduler, kwok) and the
#                  controller-manager's CSR signer, so certificates it signs log in too;
#   etcd-ca        the only clients etcd accepts, so a CSR-signed user certificate cannot read etcd;
#   front-proxy-ca the apiserver's identity towards aggregated API servers (request headers).
# Every file is created only when missing, so keys survive `down` and kubeconfigs stay valid.

# new_key FILE: an ECDSA P-256 key (fast to make, accepted by every component).
new_key() {
  [[ -s "$1" ]] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

# new_ca NAME CN: a self-signed CA valid for ten years.
new_ca() {
  local name="$1" cn="$2"
  [[ -s "$PKI/$name.crt" ]] && return
  new_key "$PKI/$name.key"
  openssl req -x509 -new -key "$PKI/$name.key" -subj "/CN=$cn" -days 3650 -out "$PKI/$name.crt" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,digitalSignature,keyCertSign,cRLSign" 2>/dev/null
}

# new_cert CA NAME SUBJECT USAGE [SANS]: a certificate signed by CA; USAGE is serverAuth and/or
# clientAuth; SANS is an openssl subjectAltName list.
new_cert() {
  local ca="$1" name="$2" subject="$3" usage="$4" sans="${5:-}" ext
  [[ -s "$PKI/$name.crt" ]] && return
  new_key "$PKI/$name.key"
  ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=$usage"
  [[ -n "$sans" ]] && ext+=$'\n'"subjectAltName=$sans"
  openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 3650 -extfile <(printf '%s\n' "$ext") \
    -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr"
}

ensure_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  new_ca ca tidal-dev-ca
  new_ca etcd-ca tidal-dev-etcd-ca
  new_ca front-proxy-ca tidal-dev-front-proxy-ca

  local loopback_sans="IP:127.0.0.1,DNS:localhost"
  # etcd dials itself with its serving certificate (its gRPC gateway), so it is a client too.
  new_cert etcd-ca etcd-server "/CN=etcd" serverAuth,clientAuth "$loopback_sans"
  new_cert etcd-ca apiserver-etcd-client "/CN=kube-apiserver-etcd-client" clientAuth
  # The kubernetes.default names only keep certificate checks happy for a client that asks for them;
  # nothing here resolves them, and the only address anyone dials is 127.0.0.1.
  new_cert ca apiserver "/CN=kube-apiserver" serverAuth \
    "$loopback_sans,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  new_cert front-proxy-ca front-proxy-client "/CN=front-proxy-client" clientAuth

  # Identities: the CN is the user name and each O a group, which is what RBAC binds to.
  new_cert ca admin "/O=system:masters/CN=tidal-admin" clientAuth
  new_cert ca controller-manager "/CN=system:kube-controller-manager" clientAuth
  new_cert ca scheduler "/CN=system:kube-scheduler" clientAuth
  new_cert ca kwok "/CN=tidal:kwok-controller" clientAuth
  new_cert ca metrics-server-client "/CN=tidal:metrics-server" clientAuth

  # kwok's kubelet-like server answers for every node at the node's InternalIP (127.0.1.i, through
  # kubelet-relay), so its certificate names all 254 node addresses: metrics-server verifies it
  # against our CA instead of skipping verification, and `up` may add nodes without a new one.
  local node_ips="" i
  for ((i = 1; i <= 254; i++)); do node_ips+=",IP:127.0.1.$i"; done
  new_cert ca kwok-serving "/CN=kwok-kubelet" serverAuth "$loopback_sans$node_ips"
  # The aggregator checks an APIService backend's certificate against <service>.<namespace>.svc,
  # even when the Service is an ExternalName that sends it to localhost.
  new_cert ca metrics-server "/CN=metrics-server" serverAuth \
    "$loopback_sans,DNS:metrics-server.kube-system.svc"

  # ServiceAccount tokens: the apiserver signs them with the private key and verifies with the
  # public one; the controller-manager uses the private key for legacy token Secrets. RSA because
  # some token consumers still only verify RS256.
  if [[ ! -s "$PKI/sa.key" ]]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key" 2>/dev/null
    openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  fi
}

# write_kubeconfig FILE USER CERT_NAME: a kubeconfig with the CA and the client pair embedded, so
# the file still works when copied elsewhere on this machine.
write_kubeconfig() {
  local file="$1" user="$2" cert="$3"
  # Holds a private key: readable by its owner only, from the first byte on.
  : >"$file.tmp"
  chmod 600 "$file.tmp"
  cat >>"$file.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: tidal
  cluster:
    server: $APISERVER_URL
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 <"$PKI/$cert.crt")
    client-key-data: $(base64 -w0 <"$PKI/$cert.key")
contexts:
- name: tidal
  context:
    cluster: tidal
    user: $user
current-context: tidal
EOF
  mv -f "$file.tmp" "$file"
}
