#!/usr/bin/env bash
# The first steps of `syncstore demo`, one command at a time (a look at the commands): start the sandbox,
# authorize both shops, import the existing listings, plan and sync the two pilot products by hand,
# then a batch of 10 through the queue, and show the read-back and the requests made.
set -euo pipefail
cd "$(dirname "$0")/.."
syncstore=${SYNCSTORE_BIN:-.venv/bin/syncstore}
export SYNCSTORE_HOME="${SYNCSTORE_HOME:-$PWD/.syncstore}"
rm -rf "$SYNCSTORE_HOME" && mkdir -p "$SYNCSTORE_HOME"
log="$SYNCSTORE_HOME/sandbox.log"
PYTHONUNBUFFERED=1 "$syncstore" sandbox serve --port "${SANDBOX_PORT:-8780}" --state "$SYNCSTORE_HOME/sandbox" >"$log" 2>&1 &
sandbox=$!
trap 'kill $sandbox 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do grep -q '^export SYNCSTORE_TIKTOK_APP_SECRET' "$log" && break; sleep 0.5; done
eval "$(grep '^export ' "$log")"
"$syncstore" auth shopee --sandbox-approve
"$syncstore" auth tiktok --sandbox-approve
"$syncstore" import --from all
"$syncstore" sync plan PROD-1 PROD-2 --platform both
"$syncstore" sync manual PROD-1 --platform both
"$syncstore" sync manual PROD-2 --platform both
"$syncstore" products show PROD-1
printf 'PROD-%s\n' $(seq 3 12) > "$SYNCSTORE_HOME/batch10.txt"
"$syncstore" sync batch --file "$SYNCSTORE_HOME/batch10.txt" --platform both || [ $? -eq 3 ]
"$syncstore" sandbox audit
"$syncstore" logs --product PROD-1 --limit 10
