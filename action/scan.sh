#!/usr/bin/env bash
# The action's scan step. Inputs arrive only as environment variables (never expanded into
# the script text), are split into arguments without eval, and lslint's exit code is the gate.
set -euo pipefail
: "${LSLINT:?}" "${RUNNER_TEMP:?}" "${GITHUB_OUTPUT:?}"

fail() { echo "::error title=lslint action::$1"; echo "exit-code=2" >> "$GITHUB_OUTPUT"; exit 2; }

boolean() {  # sets the variable named $1 from a "true"/"false" input, or fails naming it
  case "${3,,}" in
    true) printf -v "$1" true ;;
    false | "") printf -v "$1" false ;;
    *) fail "input $2 must be true or false, not '$3'" ;;
  esac
}

words() { tr ',\n' '  ' <<< "$1"; }  # commas and newlines separate like spaces

boolean all_regions all-regions "${INPUT_ALL_REGIONS:-false}"
boolean summary summary "${INPUT_SUMMARY:-true}"
report_json="$RUNNER_TEMP/lslint-report.json"
report_markdown="$RUNNER_TEMP/lslint-summary.md"
rm -f "$report_json" "$report_markdown"

args=(scan --format github --fail-on "${INPUT_FAIL_ON:-low}" --report "json=$report_json")
if [ -n "${INPUT_INPUT:-}" ]; then
  read -r -a paths <<< "$(words "$INPUT_INPUT")"
  for path in "${paths[@]}"; do args+=(--input "$path"); done
else
  read -r -a regions <<< "$(words "${INPUT_REGIONS:-}")"
  for region in "${regions[@]}"; do args+=(--region "$region"); done
  if [ "$all_regions" = true ]; then args+=(--all-regions); fi
fi
if [ -n "${INPUT_CONFIG:-}" ]; then args+=(--config "$INPUT_CONFIG"); fi
read -r -a rule_paths <<< "$(words "${INPUT_RULES:-}")"
for path in "${rule_paths[@]}"; do args+=(--rules "$path"); done
if [ -n "${INPUT_SARIF_FILE:-}" ]; then args+=(--report "sarif=$INPUT_SARIF_FILE"); fi
if [ -n "${INPUT_JUNIT_FILE:-}" ]; then args+=(--report "junit=$INPUT_JUNIT_FILE"); fi
if [ "$summary" = true ]; then args+=(--report "markdown=$report_markdown"); fi
read -r -a extra <<< "${INPUT_ARGS:-}"
args+=("${extra[@]}")

status=0
"$LSLINT" "${args[@]}" || status=$?

if [ "$summary" = true ] && [ -f "$report_markdown" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$report_markdown" >> "$GITHUB_STEP_SUMMARY"
fi
findings=""
if [ -f "$report_json" ]; then
  # The count the gate used: findings that are neither suppressed nor baselined.
  findings=$("$(dirname "$LSLINT")/python" -c \
    'import json, sys; print(json.load(open(sys.argv[1]))["summary"]["counted"])' "$report_json")
fi
{
  echo "exit-code=$status"
  echo "findings=$findings"
  if [ -n "${INPUT_SARIF_FILE:-}" ] && [ -f "$INPUT_SARIF_FILE" ]; then echo "sarif-file=$INPUT_SARIF_FILE"; fi
  if [ -n "${INPUT_JUNIT_FILE:-}" ] && [ -f "$INPUT_JUNIT_FILE" ]; then echo "junit-file=$INPUT_JUNIT_FILE"; fi
} >> "$GITHUB_OUTPUT"
exit "$status"
