#!/usr/bin/env bash
# The action's scan step. Inputs arrive only as environment variables (never expanded into
# the script text), are split into arguments without eval, and lslint's exit code is the gate.
set -euo pipefail
: "${LSLINT:?}" "${RUNNER_TEMP:?}" "${GITHUB_OUTPUT:?}"

fail() {  # one error annotation; the message is escaped so an input cannot start a new command
  local message="${1//%/%25}"
  message="${message//$'\r'/%0D}"
  echo "::error title=lslint action::${message//$'\n'/%0A}"
  echo "exit-code=2" >> "$GITHUB_OUTPUT"
  exit 2
}

boolean() {  # sets the variable named $1 from a "true"/"false" input, or fails naming it
  case "${3,,}" in
    true) printf -v "$1" true ;;
    false | "") printf -v "$1" false ;;
    *) fail "input $2 must be true or false, not '$3'" ;;
  esac
}

words() { tr ',\n' '  ' <<< "$1"; }  # commas and newlines separate like spaces

threshold() {  # sets fail_on from the fail-on input; empty leaves the choice to the config
  local level="${1#"${1%%[![:space:]]*}"}"  # surrounding blanks and case do not matter
  level="${level%"${level##*[![:space:]]}"}"
  level="${level,,}"
  case "$level" in
    "" | info | low | medium | high | critical | never) fail_on="$level" ;;
    *) fail "input fail-on must be one of info, low, medium, high, critical, never, not '$1'" ;;
  esac
}

boolean all_regions all-regions "${INPUT_ALL_REGIONS:-false}"
boolean summary summary "${INPUT_SUMMARY:-true}"
threshold "${INPUT_FAIL_ON:-}"
report_json="$RUNNER_TEMP/lslint-report.json"
report_markdown="$RUNNER_TEMP/lslint-summary.md"
rm -f "$report_json" "$report_markdown"
# The report outputs name only files this run wrote: a failed run must not leave an older
# run's SARIF or JUnit file behind to be uploaded as if it were current.
for report in "${INPUT_SARIF_FILE:-}" "${INPUT_JUNIT_FILE:-}"; do
  if [ -n "$report" ] && [ -f "$report" ] && [ ! -L "$report" ]; then rm -f -- "$report"; fi
done

args=(scan --format github --report "json=$report_json")
# Only a given input overrides the config's fail_on; lslint's own default applies without either.
if [ -n "$fail_on" ]; then args+=(--fail-on "$fail_on"); fi
if [ -n "${INPUT_INPUT:-}" ]; then
  read -r -a paths <<< "$(words "$INPUT_INPUT")"
  for path in "${paths[@]}"; do args+=(--input "$path"); done
else
  read -r -a regions <<< "$(words "${INPUT_REGIONS:-}")"
  for region in "${regions[@]}"; do args+=(--region "$region"); done
  if [ "$all_regions" = true ]; then args+=(--all-regions); fi
  read -r -a kinds <<< "$(words "${INPUT_KINDS:-}")"
  for kind in "${kinds[@]}"; do args+=(--kind "$kind"); done
fi
if [ -n "${INPUT_CONFIG:-}" ]; then args+=(--config "$INPUT_CONFIG"); fi
read -r -a rule_paths <<< "$(words "${INPUT_RULES:-}")"
for path in "${rule_paths[@]}"; do args+=(--rules "$path"); done
if [ -n "${INPUT_SARIF_FILE:-}" ]; then args+=(--report "sarif=$INPUT_SARIF_FILE"); fi
if [ -n "${INPUT_JUNIT_FILE:-}" ]; then args+=(--report "junit=$INPUT_JUNIT_FILE"); fi
if [ "$summary" = true ]; then args+=(--report "markdown=$report_markdown"); fi
# Spaces or newlines separate (a YAML block may give one per line); commas stay, as in
# "--select LS001,LS002". read alone would stop at the first newline.
read -r -a extra <<< "$(tr '\r\n' '  ' <<< "${INPUT_ARGS:-}")"
args+=("${extra[@]}")

status=0
"$LSLINT" "${args[@]}" || status=$?

if [ "$summary" = true ] && [ -f "$report_markdown" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$report_markdown" >> "$GITHUB_STEP_SUMMARY"
fi
findings="" effective_fail_on=""
if [ -f "$report_json" ]; then
  # The gate's own figures: the threshold it applied (input, config or default) and the
  # findings at or above it that are neither suppressed nor baselined.
  figures=$("$(dirname "$LSLINT")/python" -c '
import json, sys
summary = json.load(open(sys.argv[1], encoding="utf-8"))["summary"]
print(summary["failing"], summary["fail_on"])' "$report_json") || figures=""
  read -r findings effective_fail_on <<< "$figures"
fi
{
  echo "exit-code=$status"
  echo "findings=$findings"
  echo "fail-on=$effective_fail_on"
  if [ -n "${INPUT_SARIF_FILE:-}" ] && [ -f "$INPUT_SARIF_FILE" ]; then echo "sarif-file=$INPUT_SARIF_FILE"; fi
  if [ -n "${INPUT_JUNIT_FILE:-}" ] && [ -f "$INPUT_JUNIT_FILE" ]; then echo "junit-file=$INPUT_JUNIT_FILE"; fi
} >> "$GITHUB_OUTPUT"
exit "$status"
