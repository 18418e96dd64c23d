#!/usr/bin/env bash
# Scores the customers of a CSV file (default: examples/customers.csv) in one call to POST /predict/batch.
# --data-binary sends the file as is: -d would strip its newlines and merge the rows into one.
# Usage: examples/curl/score-csv.sh [base URL] [file.csv]; the base URL defaults to BASE_URL or localhost:3000.
set -euo pipefail
base_url="${1:-${BASE_URL:-http://localhost:3000}}"
file="${2:-$(dirname "$0")/../customers.csv}"
curl -sS --fail-with-body "${base_url%/}/predict/batch" \
  -H 'content-type: text/csv' \
  --data-binary "@${file}"
echo
