#!/usr/bin/env bash
# Smoke check of the cached control plane: starts etcd and kube-apiserver on free
# loopback ports with openssl-generated certs, checks /version and /readyz, then stops
# exactly the processes it started. Prints the flags it used.
#   hack/controlplane/smoke.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$("$here/build.sh")"
want="${K8S_VERSION:-$(basename "$bin" | sed -n 's/^k8s-//p')}"
work="$(mktemp -d)"
pids=()
stop() { # newest first: kube-apiserver, then etcd
  local i p t
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    p="${pids[$i]}"; t=$(date +%s%N)
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
    echo "smoke: pid $p stopped in $(( ($(date +%s%N) - t) / 1000000 )) ms" >&2
  done
  rm -rf "$work"
}
trap stop EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Certificates: one CA; apiserver serving cert for 127.0.0.1/localhost; an admin client
# cert in system:masters; a service-account signing key.
c="$work/certs"; mkdir -p "$c"
ossl() { openssl "$@" 2>/dev/null; }
ec() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
ec "$c/ca.key"
ossl req -x509 -new -key "$c/ca.key" -subj /CN=portside-test-ca -days 1 -out "$c/ca.crt"
ec "$c/apiserver.key"
ossl req -new -key "$c/apiserver.key" -subj /CN=kube-apiserver -out "$c/apiserver.csr"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$c/srv.ext"
ossl x509 -req -in "$c/apiserver.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" -CAcreateserial \
  -days 1 -extfile "$c/srv.ext" -out "$c/apiserver.crt"
ec "$c/admin.key"
ossl req -new -key "$c/admin.key" -subj "/O=system:masters/CN=admin" -out "$c/admin.csr"
printf 'extendedKeyUsage=clientAuth\n' > "$c/cli.ext"
ossl x509 -req -in "$c/admin.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" -CAcreateserial \
  -days 1 -extfile "$c/cli.ext" -out "$c/admin.crt"
ec "$c/sa.key"
ossl pkey -in "$c/sa.key" -pubout -out "$c/sa.pub"

etcd_client="$(free_port)"; etcd_peer="$(free_port)"; api_port="$(free_port)"
etcd_args=(
  --data-dir="$work/etcd" --name=smoke
  --listen-client-urls="http://127.0.0.1:$etcd_client" --advertise-client-urls="http://127.0.0.1:$etcd_client"
  --listen-peer-urls="http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer"
  --initial-cluster="smoke=http://127.0.0.1:$etcd_peer"
  --unsafe-no-fsync=true
)
"$bin/etcd" "${etcd_args[@]}" > "$work/etcd.log" 2>&1 &
pids+=("$!")

api_args=(
  --advertise-address=127.0.0.1
  --bind-address=127.0.0.1 --secure-port="$api_port"
  --etcd-servers="http://127.0.0.1:$etcd_client"
  --cert-dir="$c" --tls-cert-file="$c/apiserver.crt" --tls-private-key-file="$c/apiserver.key"
  --client-ca-file="$c/ca.crt"
  --authorization-mode=RBAC
  --service-cluster-ip-range=10.0.0.0/24
  --allow-privileged=true
  --disable-admission-plugins=ServiceAccount
  --service-account-issuer="https://127.0.0.1:$api_port/"
  --service-account-key-file="$c/sa.pub"
  --service-account-signing-key-file="$c/sa.key"
)
start=$(date +%s%N)
"$bin/kube-apiserver" "${api_args[@]}" > "$work/apiserver.log" 2>&1 &
pids+=("$!")

curl_api() { curl -sS --cacert "$c/ca.crt" --cert "$c/admin.crt" --key "$c/admin.key" "https://127.0.0.1:$api_port$1"; }
ok=""
for _ in $(seq 1 600); do
  if [ "$(curl_api /readyz 2>/dev/null || true)" = ok ]; then ok=1; break; fi
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { tail -30 "$work"/*.log >&2; echo "smoke: a process died" >&2; exit 1; }; done
  sleep 0.1
done
[ -n "$ok" ] || { tail -30 "$work/apiserver.log" >&2; echo "smoke: /readyz never ok" >&2; exit 1; }
echo "smoke: /readyz ok after $(( ($(date +%s%N) - start) / 1000000 )) ms" >&2
version="$(curl_api /version)"
echo "$version" >&2
grep -q "\"gitVersion\": \"$want\"" <<<"$version" || { echo "smoke: /version is not $want" >&2; exit 1; }
# kube-controller-manager with only the controllers the tests use, as admin.
cat > "$work/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: smoke, cluster: {server: "https://127.0.0.1:$api_port", certificate-authority: "$c/ca.crt"}}]
users: [{name: admin, user: {client-certificate: "$c/admin.crt", client-key: "$c/admin.key"}}]
contexts: [{name: smoke, context: {cluster: smoke, user: admin}}]
current-context: smoke
EOF
kcm_port="$(free_port)"
# shellcheck disable=SC2054 # the commas are in --controllers
kcm_args=(
  --kubeconfig="$work/kubeconfig"
  --controllers=endpointslice-controller,garbage-collector-controller,namespace-controller
  --leader-elect=false --use-service-account-credentials=false
  --bind-address=127.0.0.1 --secure-port="$kcm_port" --cert-dir="$work/kcm-certs"
)
"$bin/kube-controller-manager" "${kcm_args[@]}" > "$work/kcm.log" 2>&1 &
pids+=("$!")
ok=""
for _ in $(seq 1 300); do
  if [ "$(curl -sk "https://127.0.0.1:$kcm_port/healthz" 2>/dev/null || true)" = ok ]; then ok=1; break; fi
  kill -0 "${pids[-1]}" 2>/dev/null || { tail -30 "$work/kcm.log" >&2; echo "smoke: kube-controller-manager died" >&2; exit 1; }
  sleep 0.1
done
[ -n "$ok" ] || { tail -30 "$work/kcm.log" >&2; echo "smoke: kube-controller-manager /healthz never ok" >&2; exit 1; }
echo "smoke: kube-controller-manager /healthz ok" >&2
echo "smoke: kube-controller-manager flags: ${kcm_args[*]}" >&2
echo "smoke: etcd flags: ${etcd_args[*]}" >&2
echo "smoke: kube-apiserver flags: ${api_args[*]}" >&2
echo "smoke: OK ($want)" >&2
