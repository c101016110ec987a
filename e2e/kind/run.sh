#!/usr/bin/env bash
# End-to-end test of Portside in a kind cluster, with an FRR router on the kind network.
# Needs Docker, kind >= 0.20 and kubectl; see e2e/kind/README.md.
#   e2e/kind/run.sh [--keep]
# --keep leaves the cluster and the FRR container up; otherwise both are deleted on exit.
set -euo pipefail

KEEP=false
for arg in "$@"; do
  case $arg in
    --keep) KEEP=true ;;
    -h | --help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (usage: e2e/kind/run.sh [--keep])" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

CLUSTER=portside-e2e
CTX=kind-$CLUSTER
NS=portside-system
APP_NS=portside-e2e
FRR=portside-e2e-frr
CLIENT=portside-e2e-client
FRR_IMAGE=${FRR_IMAGE:-quay.io/frrouting/frr:8.4.0}
CURL_IMAGE=${CURL_IMAGE:-curlimages/curl:8.5.0}
ECHO_IMAGE=${ECHO_IMAGE:-registry.k8s.io/e2e-test-images/agnhost:2.47}
FRR_ASN=64513
NODE_ASN=64512
BGP_POOL=203.0.113.0/28
LIVENESS_SECRET=portside-liveness-key
EXCLUDE_LABEL=node.kubernetes.io/exclude-from-external-load-balancers
FAILOVER_TAINT=portside.dev/e2e-down

log() { printf '==> %s\n' "$*"; }
pass() { printf 'PASS %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*" >&2; exit 1; }
k() { kubectl --context "$CTX" "$@"; }

# eventually SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds (PASS) or the
# deadline passes (FAIL, with the command's last output). The sleep paces the polling; the
# condition is the assertion.
eventually() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      "$@" >&2 || true
      fail "$what (no success within ${timeout}s)"
    fi
    sleep 2
  done
  pass "$what"
}

# --- requirements -----------------------------------------------------------------------
missing=0
command -v docker >/dev/null || { echo "missing: docker (https://docs.docker.com/engine/install/)" >&2; missing=1; }
command -v kind >/dev/null || { echo "missing: kind >= 0.20 (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)" >&2; missing=1; }
command -v kubectl >/dev/null || { echo "missing: kubectl (https://kubernetes.io/docs/tasks/tools/)" >&2; missing=1; }
((missing == 0)) || exit 1
docker info >/dev/null 2>&1 || { echo "missing: a running Docker engine ('docker info' fails)" >&2; exit 1; }
if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  echo "kind cluster $CLUSTER already exists (a --keep run?): kind delete cluster --name $CLUSTER" >&2
  exit 1
fi
if docker container inspect "$FRR" >/dev/null 2>&1 || docker container inspect "$CLIENT" >/dev/null 2>&1; then
  echo "container $FRR or $CLIENT already exists: docker rm -f $FRR $CLIENT" >&2
  exit 1
fi

VERSION=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' package.json | head -n 1)
[[ -n $VERSION ]] || fail "no version in package.json"
IMAGE=ghcr.io/portside/portside:$VERSION
MANIFEST=config/manifests/portside.yaml
WORK=$(mktemp -d)

cleanup() {
  local rc=$?
  if [[ $KEEP == true ]]; then
    log "--keep: cluster $CLUSTER (kubectl --context $CTX), containers $FRR and $CLIENT left running"
    log "remove them with: kind delete cluster --name $CLUSTER && docker rm -f $FRR $CLIENT"
  else
    log "cleaning up"
    docker rm -f "$FRR" "$CLIENT" >/dev/null 2>&1 || true
    kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT

# --- IPv4 arithmetic ----------------------------------------------------------------------
ip2int() {
  local a b c d
  IFS=. read -r a b c d <<<"$1"
  echo $(((a << 24) | (b << 16) | (c << 8) | d))
}
int2ip() {
  local n=$1
  echo "$(((n >> 24) & 255)).$(((n >> 16) & 255)).$(((n >> 8) & 255)).$((n & 255))"
}
# in_range IP FIRST LAST
in_range() {
  local n
  n=$(ip2int "$1")
  ((n >= $(ip2int "$2") && n <= $(ip2int "$3")))
}

# --- cluster, image, Portside -------------------------------------------------------------
log "creating kind cluster $CLUSTER"
kind create cluster --name "$CLUSTER" --config e2e/kind/cluster.yaml --wait 180s

log "building $IMAGE"
docker build -f Dockerfile -t "$IMAGE" .
kind load docker-image "$IMAGE" --name "$CLUSTER"

log "installing Portside from $MANIFEST"
k apply --server-side -f "$MANIFEST"
k create secret generic "$LIVENESS_SECRET" -n "$NS" \
  --from-literal=key="$(head -c 32 /dev/urandom | base64)"
k -n "$NS" rollout status deployment/portside-controller --timeout=300s
k -n "$NS" rollout status daemonset/portside-speaker --timeout=300s
pass "controller Deployment and speaker DaemonSet ready"

# --- the kind network and the FRR router ------------------------------------------------
SUBNET=
for s in $(docker network inspect kind -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}'); do
  if [[ $s != *:* ]]; then SUBNET=$s; break; fi
done
[[ -n $SUBNET ]] || fail "the kind network has no IPv4 subnet"
PREFIX=${SUBNET#*/}
((PREFIX <= 24)) || fail "kind subnet $SUBNET is smaller than a /24"
NET_INT=$(ip2int "${SUBNET%/*}")
BCAST_INT=$((NET_INT | ((1 << (32 - PREFIX)) - 1)))
# Docker hands out addresses from the bottom of the subnet; the L2 pool takes the top 30.
L2_FIRST=$(int2ip $((BCAST_INT - 30)))
L2_LAST=$(int2ip $((BCAST_INT - 1)))
BGP_FIRST=203.0.113.0
BGP_LAST=203.0.113.15
log "kind subnet $SUBNET; L2 pool $L2_FIRST-$L2_LAST; BGP pool $BGP_POOL"

mkdir -p "$WORK/frr"
sed -e "s|@KIND_SUBNET@|$SUBNET|g" -e "s|@FRR_ASN@|$FRR_ASN|g" -e "s|@NODE_ASN@|$NODE_ASN|g" \
  e2e/kind/frr.conf >"$WORK/frr/frr.conf"
cat >"$WORK/frr/daemons" <<'EOF'
bgpd=yes
ospfd=no
ospf6d=no
ripd=no
ripngd=no
isisd=no
pimd=no
ldpd=no
nhrpd=no
eigrpd=no
babeld=no
sharpd=no
pbrd=no
bfdd=no
fabricd=no
vrrpd=no
pathd=no
vtysh_enable=yes
zebra_options="  -A 127.0.0.1 -s 90000000"
bgpd_options="   -A 127.0.0.1"
EOF
: >"$WORK/frr/vtysh.conf"
chmod 0777 "$WORK/frr"
chmod 0666 "$WORK/frr/frr.conf" "$WORK/frr/daemons" "$WORK/frr/vtysh.conf"

log "starting FRR ($FRR_IMAGE) on the kind network"
docker pull -q "$CURL_IMAGE" >/dev/null
# Privileged: zebra installs the learned ECMP route into the container's kernel, which the
# curl below (run in the same network namespace) follows.
docker run -d --name "$FRR" --privileged --network kind -v "$WORK/frr:/etc/frr" "$FRR_IMAGE" >/dev/null
FRR_IP=$(docker inspect -f '{{with index .NetworkSettings.Networks "kind"}}{{.IPAddress}}{{end}}' "$FRR")
[[ -n $FRR_IP ]] || fail "FRR container has no address on the kind network"
eventually 60 "FRR bgpd answers vtysh" docker exec "$FRR" vtysh -c 'show bgp summary'
log "FRR at $FRR_IP (AS $FRR_ASN); nodes are AS $NODE_ASN"

# A long-lived client on the kind network: its ARP cache survives the failover below.
docker run -d --name "$CLIENT" --network kind --entrypoint sleep "$CURL_IMAGE" 86400 >/dev/null

# Nodes that may announce: kind labels its control plane as excluded from load balancers.
ANNOUNCERS=$(k get nodes -l "!$EXCLUDE_LABEL" \
  -o jsonpath='{range .items[*]}{.status.addresses[?(@.type=="InternalIP")].address}{" "}{end}')
[[ -n ${ANNOUNCERS// /} ]] || fail "no node may announce (all carry $EXCLUDE_LABEL)"
log "announcing nodes: $ANNOUNCERS"

# --- Portside configuration -------------------------------------------------------------
log "applying pools, advertisements and the BGP peer"
k apply -f - <<EOF
apiVersion: portside.dev/v1beta1
kind: IPAddressPool
metadata:
  name: e2e-l2
  namespace: $NS
spec:
  addresses:
    - $L2_FIRST-$L2_LAST
---
apiVersion: portside.dev/v1beta1
kind: IPAddressPool
metadata:
  name: e2e-bgp
  namespace: $NS
spec:
  addresses:
    - $BGP_POOL
---
apiVersion: portside.dev/v1beta1
kind: L2Advertisement
metadata:
  name: e2e-l2
  namespace: $NS
spec:
  ipAddressPools:
    - e2e-l2
---
apiVersion: portside.dev/v1beta1
kind: BGPPeer
metadata:
  name: e2e-frr
  namespace: $NS
spec:
  myASN: $NODE_ASN
  peerASN: $FRR_ASN
  peerAddress: $FRR_IP
---
apiVersion: portside.dev/v1beta1
kind: BGPAdvertisement
metadata:
  name: e2e-bgp
  namespace: $NS
spec:
  ipAddressPools:
    - e2e-bgp
EOF

log "deploying the echo server and its Services"
k apply -f - <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $APP_NS
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: echo
  namespace: $APP_NS
spec:
  replicas: 2
  selector:
    matchLabels:
      app: echo
  template:
    metadata:
      labels:
        app: echo
    spec:
      containers:
        - name: echo
          image: $ECHO_IMAGE
          args: ["netexec", "--http-port=8080"]
          ports:
            - containerPort: 8080
          readinessProbe:
            httpGet:
              path: /healthz
              port: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: e2e-l2
  namespace: $APP_NS
  annotations:
    portside.dev/address-pool: e2e-l2
spec:
  type: LoadBalancer
  selector:
    app: echo
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: e2e-bgp
  namespace: $APP_NS
  annotations:
    portside.dev/address-pool: e2e-bgp
spec:
  type: LoadBalancer
  selector:
    app: echo
  ports:
    - port: 80
      targetPort: 8080
EOF
k -n "$APP_NS" rollout status deployment/echo --timeout=300s
pass "echo Deployment ready"

# --- checks -----------------------------------------------------------------------------
svc_ip() {
  k -n "$APP_NS" get svc "$1" -o jsonpath='{.status.loadBalancer.ingress[0].ip}'
}
# svc_ip_in SERVICE FIRST LAST
svc_ip_in() {
  local ip
  ip=$(svc_ip "$1") || return 1
  [[ -n $ip ]] && in_range "$ip" "$2" "$3"
}
allocated() {
  local status
  status=$(k -n "$APP_NS" get svc "$1" \
    -o jsonpath='{.status.conditions[?(@.type=="portside.dev/Allocated")].status}') || return 1
  [[ $status == True ]]
}
# status_nodes KIND SERVICE: the nodes of the ServiceL2Status / ServiceBGPStatus objects.
status_nodes() {
  k -n "$NS" get "$1" -l "portside.dev/service-name=$2,portside.dev/service-namespace=$APP_NS" \
    -o jsonpath='{.items[*].status.node}'
}
has_status() {
  local nodes
  nodes=$(status_nodes "$1" "$2") || return 1
  [[ -n $nodes ]]
}
# frr_route VIP: FRR's table has VIP/32 with every announcing node as a next hop.
frr_route() {
  local out ip
  out=$(docker exec "$FRR" vtysh -c 'show bgp ipv4 unicast json') || return 1
  grep -Fq "\"$1/32\"" <<<"$out" || return 1
  for ip in $ANNOUNCERS; do
    grep -Eq "\"ip\": ?\"${ip//./\\.}\"" <<<"$out" || return 1
  done
}
curl_from_frr() {
  local body
  body=$(docker run --rm --network "container:$FRR" "$CURL_IMAGE" -fsS --max-time 3 "http://$1/hostname") || return 1
  [[ $body == echo-* ]]
}
curl_from_client() {
  local body
  body=$(docker exec "$CLIENT" curl -fsS --max-time 3 "http://$1/hostname") || return 1
  [[ $body == echo-* ]]
}
l2_moved_from() {
  local node
  for node in $(status_nodes servicel2statuses.portside.dev e2e-l2); do
    [[ $node != "$1" ]] && return 0
  done
  return 1
}
# leader_is_new OLD_PODS: the controller Lease is held by a running pod not in OLD_PODS.
leader_is_new() {
  local holder pods
  holder=$(k -n "$NS" get lease portside-controller -o jsonpath='{.spec.holderIdentity}') || return 1
  pods=$(k -n "$NS" get pods -l app.kubernetes.io/component=controller \
    --field-selector status.phase=Running -o jsonpath='{.items[*].metadata.name}') || return 1
  [[ -n $holder && " $1 " != *" $holder "* && " $pods " == *" $holder "* ]]
}

eventually 120 "e2e-l2 has an IP in pool e2e-l2 ($L2_FIRST-$L2_LAST)" svc_ip_in e2e-l2 "$L2_FIRST" "$L2_LAST"
eventually 120 "e2e-bgp has an IP in pool e2e-bgp ($BGP_POOL)" svc_ip_in e2e-bgp "$BGP_FIRST" "$BGP_LAST"
L2_IP=$(svc_ip e2e-l2)
BGP_IP=$(svc_ip e2e-bgp)
log "e2e-l2 = $L2_IP, e2e-bgp = $BGP_IP"
eventually 60 "e2e-l2 condition portside.dev/Allocated is True" allocated e2e-l2
eventually 60 "e2e-bgp condition portside.dev/Allocated is True" allocated e2e-bgp
eventually 120 "ServiceL2Status exists for e2e-l2" has_status servicel2statuses.portside.dev e2e-l2
eventually 120 "ServiceBGPStatus exists for e2e-bgp" has_status servicebgpstatuses.portside.dev e2e-bgp
eventually 180 "FRR learns $BGP_IP/32 with next hops $ANNOUNCERS" frr_route "$BGP_IP"
eventually 120 "curl from FRR to the BGP VIP $BGP_IP answers" curl_from_frr "$BGP_IP"
eventually 120 "curl from the kind network to the L2 VIP $L2_IP answers" curl_from_client "$L2_IP"

# --- controller restart changes no IP -------------------------------------------------
log "restarting the controller"
OLD_CONTROLLERS=$(k -n "$NS" get pods -l app.kubernetes.io/component=controller -o jsonpath='{.items[*].metadata.name}')
k -n "$NS" rollout restart deployment/portside-controller
k -n "$NS" rollout status deployment/portside-controller --timeout=300s
eventually 120 "a restarted controller pod holds the Lease" leader_is_new "$OLD_CONTROLLERS"
# A new Service getting an IP shows the new leader has reconciled since it took the Lease.
k apply -f - <<EOF
apiVersion: v1
kind: Service
metadata:
  name: e2e-probe
  namespace: $APP_NS
  annotations:
    portside.dev/address-pool: e2e-l2
spec:
  type: LoadBalancer
  selector:
    app: echo
  ports:
    - port: 80
      targetPort: 8080
EOF
eventually 120 "the new leader allocates (e2e-probe gets an IP)" svc_ip_in e2e-probe "$L2_FIRST" "$L2_LAST"
k -n "$APP_NS" delete service e2e-probe --wait=false
if [[ $(svc_ip e2e-l2) == "$L2_IP" && $(svc_ip e2e-bgp) == "$BGP_IP" ]]; then
  pass "controller restart changed no IP ($L2_IP, $BGP_IP)"
else
  fail "controller restart changed IPs: e2e-l2 $L2_IP -> $(svc_ip e2e-l2), e2e-bgp $BGP_IP -> $(svc_ip e2e-bgp)"
fi

# --- L2 failover --------------------------------------------------------------------------
OWNER=$(status_nodes servicel2statuses.portside.dev e2e-l2)
OWNER=${OWNER%% *}
[[ -n $OWNER ]] || fail "no L2 owner for e2e-l2"
log "L2 owner of $L2_IP is $OWNER: tainting it (NoSchedule, so the DaemonSet cannot put the speaker back) and deleting its speaker pod"
k taint node "$OWNER" "$FAILOVER_TAINT=true:NoSchedule"
k -n "$NS" delete pod -l app.kubernetes.io/component=speaker --field-selector "spec.nodeName=$OWNER" --wait=false
eventually 120 "L2 VIP $L2_IP moved off $OWNER" l2_moved_from "$OWNER"
eventually 90 "curl from the kind network to the L2 VIP $L2_IP answers after failover" curl_from_client "$L2_IP"
[[ $(svc_ip e2e-l2) == "$L2_IP" ]] || fail "failover changed the L2 Service's IP"
pass "L2 failover kept IP $L2_IP"
k taint node "$OWNER" "$FAILOVER_TAINT=true:NoSchedule-"
k -n "$NS" rollout status daemonset/portside-speaker --timeout=300s
pass "speaker DaemonSet ready again on $OWNER"

log "all checks passed"
