#!/usr/bin/env bash
# The first steps of `syncstore demo`, one command at a time (a look at the commands): start the sandbox,
# authorize both shops, import the existing listings, map categories and fill attributes, plan and sync the two pilot products by hand,
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
# Categories and attributes come from the marketplaces: read the trees, map what the import did not,
# then give each mandatory attribute a value (here: the first listed one; lithium for batteries).
"$syncstore" categories refresh
"$syncstore" categories suggest --all --accept
"$syncstore" attributes missing --json | "${PYTHON:-.venv/bin/python}" -c '
import json, sys
for gap in json.load(sys.stdin)["missing"]:
    names = [v["name"] for v in gap["values"]]
    lithium = [n for n in names if "litium" in n.lower()] if gap["master_category"] == "battery" else []
    print(gap["platform"], gap["category_id"], gap["attribute_id"], (lithium or names or ["-"])[0], sep="\t")
    if lithium:
        print(gap["platform"], gap["category_id"], "Jenis Baterai", "LiPo", sep="\t")
' | sort -u | while IFS=$'\t' read -r platform category attribute value; do
  "$syncstore" attributes set "$category" "$attribute" "$value" --platform "$platform"
done
"$syncstore" attributes missing
"$syncstore" sync plan PROD-1 PROD-2 --platform both
"$syncstore" sync manual PROD-1 --platform both
"$syncstore" sync manual PROD-2 --platform both
"$syncstore" products show PROD-1
printf 'PROD-%s\n' $(seq 3 12) > "$SYNCSTORE_HOME/batch10.txt"
"$syncstore" sync batch --file "$SYNCSTORE_HOME/batch10.txt" --platform both || [ $? -eq 3 ]
"$syncstore" sandbox audit
"$syncstore" logs --product PROD-1 --limit 10
