# Portside. `make test` installs what it needs (as root: Debian packages too) and runs
# every check; `make lab` runs Portside in network namespaces on this machine.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CACHE := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/portside
NODE_BIN := $(shell hack/node-bin.sh)
export PATH := $(NODE_BIN):$(CURDIR)/node_modules/.bin:$(PATH)
# node-gyp builds the native addon against the headers of the node that runs it.
export npm_config_nodedir := $(abspath $(NODE_BIN)/..)

TEST_FILES = $(shell find lib operator speaker explain crds e2e bench hack bin config -name '*.test.ts' 2>/dev/null | sort)
# Network-namespace tests run one file at a time: their timings (BFD, liveness) must not
# compete for the two cores, and the labs that give the root namespace a foot on their
# bridge must not overlap.
NETNS_TEST_FILES = $(filter %.netns.test.ts,$(TEST_FILES))
# Two runs on one machine (two clones, a lab and a test) would collide on the root
# namespace's foot: they take turns.
NETNS_LOCK := /tmp/portside-netns.lock

.PHONY: all deps tools image generate check-generated lint typecheck unit test bench lab lab-down clean

all: test

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: node_modules/.installed
	hack/deps.sh

# The real helm and kustomize, built once from the Go module proxy into the cache (deps
# builds them too); hack/render-manifests.ts renders config/manifests/ with kustomize.
tools:
	hack/tools/build.sh >/dev/null

# The image users run, from the Dockerfile, built with Debian's podman on a local Debian +
# Node 24 base (no container registry); prints its ID, its tag and the docker archive that
# `ctr images import` takes. Cold: minutes; warm: seconds (hack/image/build.sh).
image:
	hack/image/build.sh

generate: node_modules/.installed tools
	node hack/generate.ts
	node hack/render-manifests.ts

# Generated files must be committed as `make generate` writes them.
check-generated: generate
	@if [ -n "$$(git status --porcelain -- crds config)" ]; then \
	  git status --porcelain -- crds config; \
	  echo "generated files are stale: run 'make generate' and commit the result" >&2; exit 1; fi

lint: node_modules/.installed
	eslint --max-warnings 0 .

typecheck: node_modules/.installed
	tsc -p tsconfig.json

# Pure unit tests only (no root, no control plane, no image).
unit: node_modules/.installed tools
	node --test $(filter-out %.apiserver.test.ts %.netns.test.ts %.podman.test.ts,$(TEST_FILES))

# Without root there is no podman here: make test leaves the image out (its test skips loudly).
IMAGE_FOR_TEST := $(if $(filter 0,$(shell id -u)),image)
test: deps $(IMAGE_FOR_TEST) check-generated lint typecheck
	node --test --test-concurrency=2 $(filter-out $(NETNS_TEST_FILES),$(TEST_FILES))
	flock $(NETNS_LOCK) node --test --test-concurrency=1 $(NETNS_TEST_FILES)

bench: deps
	node bench/run.ts

# `make lab KUBELET=1`: the nodes are real kubelets with containerd and kube-proxy.
# `make lab BGP_BACKEND=native|frr|host-frr`: who speaks BGP for the nodes (e2e/lab/backends.ts).
lab: deps
	node e2e/lab/main.ts up $(if $(KUBELET),--kubelet) $(if $(BGP_BACKEND),--bgp-backend=$(BGP_BACKEND))

lab-down: node_modules/.installed
	node e2e/lab/main.ts down

clean:
	rm -rf node_modules build
