# syntax=docker/dockerfile:1
# Portside: one image, one CLI (`portside controller`, `portside speaker`).
#   docker build -t ghcr.io/portside/portside:0.1.0 .
# `make image` builds this same file with podman and BASE set to a local stand-in for
# node:24-slim made from Debian packages (hack/image/base.sh): no registry pull.
# The build stage installs dependencies, builds the N-API addon (native/) and bundles the
# shipped TypeScript with the production packages into minified JavaScript (hack/bundle.ts:
# bin/portside.js and a chunk per command): Node's type stripping would keep its compiler
# and every source text in memory (≈ 28 MB of RSS per process), and ≈ 190 separate modules
# another 15–17 MB (docs/benchmarks.md). It also makes controller.blob, the controller's V8
# startup snapshot (its Deployment runs `node --snapshot-blob /app/controller.blob`), which
# only the Node that built it loads: this stage's, which is the final stage's (one BASE).
# Development and the tests run the .ts directly.
# config/dockerfile.test.ts lints this file.

ARG BASE=node:24-slim

FROM ${BASE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
# The official image ships Node's headers in /usr/local/include/node, which node-gyp needs.
COPY hack/node-bin.sh hack/node-bin.sh
COPY native/ native/
RUN npm_config_nodedir=/usr/local native/build.sh \
 && test -f native/build/Release/portside_native.node
COPY hack/bundle.ts hack/bundle.ts
COPY bin/ bin/
COPY crds/ crds/
COPY lib/ lib/
COPY operator/ operator/
COPY speaker/ speaker/
COPY explain/ explain/
RUN node hack/bundle.ts dist \
 && test -f dist/bin/portside.js -a -f dist/controller.blob -a -f dist/native/index.js -a -f dist/THIRD-PARTY-LICENSES.txt

FROM ${BASE}
# The FRR backends (docs/bgp-backends.md) talk to FRR through `vtysh` (Debian's frr package)
# and host-frr's connected mode keeps its addresses with `ip` (iproute2). FRR's groups get the
# ids of the FRR image (frr-image/Dockerfile) first, so a Pod's `supplementalGroups: [901]`
# opens the sidecar's vty sockets (0770 frr:frrvty) to the speaker; vtysh reads vtysh.conf as
# root without CAP_DAC_OVERRIDE. +36 MB (349 → 385 MB): one image for every backend.
RUN groupadd --system --gid 901 frrvty \
 && groupadd --system --gid 902 frr \
 && useradd --system --uid 902 --gid frr --groups frrvty --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin frr \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends frr iproute2 \
 && apt-get clean \
 && chmod 755 /etc/frr && chmod 644 /etc/frr/vtysh.conf \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log /var/cache/debconf/*-old
ENV NODE_ENV=production
WORKDIR /app
# No node_modules: the production packages are in the bundle (nothing resolves a package at
# run time), their licences in /app/THIRD-PARTY-LICENSES.txt; no source maps.
COPY --from=build /app/native/build/Release/portside_native.node native/build/Release/portside_native.node
COPY package.json ./
COPY --from=build /app/dist/ ./
COPY --from=build /app/bin/kubectl-portside bin/
# `portside` and the kubectl plugin on the PATH: `kubectl exec … -- portside status`.
RUN printf '#!/bin/sh\nexec node /app/bin/portside.js "$@"\n' > /usr/local/bin/portside \
 && chmod 755 /usr/local/bin/portside \
 && ln -s /app/bin/kubectl-portside /usr/local/bin/kubectl-portside
# Numeric, so the kubelet can verify runAsNonRoot; the speaker's pod overrides it to
# root with only NET_RAW, NET_ADMIN and NET_BIND_SERVICE (see config/base/speaker.yaml).
USER 65532:65532
ENTRYPOINT ["node", "/app/bin/portside.js"]
