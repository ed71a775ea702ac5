# The two commands a newcomer needs: `make demo` and `make test`. Everything they need installs from here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Node 24 LTS: the machine's node when it is new enough, else the pinned one hack/ensure-node.sh takes from the
# npm registry (binary + headers) and caches. Native addons build against those headers (npm_config_nodedir).
NODE_HOME := $(shell bash hack/ensure-node.sh)
ifneq ($(NODE_HOME),)
export PATH := $(NODE_HOME)/bin:$(PATH)
export npm_config_nodedir := $(NODE_HOME)
endif
# onnxruntime-node ships its CPU binaries in the package; its install script would only fetch CUDA files from
# outside the registries (see ../shared/reference/semantic-cache.md).
export ONNXRUNTIME_NODE_INSTALL := skip
# $(shell) does not see exported variables in every make version: pass PATH explicitly.
NODE_VERSION := $(shell PATH="$(PATH)" node -v)

# `npm ci` from the committed lockfile; the stamp names the Node version because native addons are built for
# one ABI: a different Node reinstalls from scratch (npm ci empties node_modules first).
node_modules/.installed-$(NODE_VERSION): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@ node_modules/.installed

.PHONY: help deps demo test test-unit test-integration crds bench-operator
help:
	@echo "make demo   - start an embedded control plane, run the operator on config/samples, show status"
	@echo "make test   - install everything needed, then run typecheck + all test layers"

deps: node_modules/.installed-$(NODE_VERSION)

demo: deps
	npx tsx hack/demo.ts

test: deps
	bash hack/test.sh

test-unit: deps
	npm run -s typecheck && npm run -s test:unit

test-integration: deps
	npm run -s test:integration

crds: deps
	npx tsx hack/gen-crds.ts

bench-operator: deps
	npm run -s bench:operator -- --count 500 --out .tmp/bench-operator.json
