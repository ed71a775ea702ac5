# The two commands a newcomer needs: `make demo` and `make test`. Everything they need installs from here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

node_modules/.installed: package.json package-lock.json
	npm install --no-audit --no-fund
	touch $@

.PHONY: help deps demo test test-unit test-integration crds bench-operator
help:
	@echo "make demo   - start an embedded control plane, run the operator on config/samples, show status"
	@echo "make test   - install everything needed, then run typecheck + all test layers"

deps: node_modules/.installed

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
