#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls `make test`, which calls this).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== typecheck"
npm run -s typecheck

report_dir=.tmp/test-reports
mkdir -p "$report_dir"
status=0
for project in unit dataplane integration; do
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
  for (const p of ["unit", "dataplane", "integration"]) {
    const f = ".tmp/test-reports/" + p + ".json";
    if (!fs.existsSync(f)) { failed++; continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
    skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
'
exit "$status"
