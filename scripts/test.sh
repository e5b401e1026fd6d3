#!/usr/bin/env bash
# Sets up a fresh machine and passes the tests: lint, typecheck, then every jest suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
npm run lint --silent
npm run typecheck --silent

report="$(mktemp)"
status=0
npx jest --ci --json --outputFile="$report" || status=$?
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' "$report"
rm -f "$report"
exit "$status"
