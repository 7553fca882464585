#!/usr/bin/env bash
# Runs `nodeagent validate` (the built binary) on every file of the user-data seed corpus and checks, per case: exit
# code 0 or 3 as expected.tsv says, its reason in the output, no stack trace, under 2 s of CPU time (user + system,
# the whole process, .NET start-up included: on a shared machine wall time measures the neighbours) and under 200 MB
# peak RSS (GNU time). Wall time is reported too. Prints one line per failing case and one summary line last; exits 1
# if any case failed.
# Usage: tools/validate-corpus.sh [BINARY_DIR]   (default: src/Executable/bin/Release/net10.0, built first if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-src/Executable/bin/Release/net10.0}"
[[ -f "$bin/nodeagent.dll" ]] || dotnet build src/Executable -c Release -nologo -clp:NoSummary >/dev/null
corpus=tests/NodeAgent.Tests/Fuzz/corpus/user-data
out=$(mktemp) times=$(mktemp)
trap 'rm -f "$out" "$times"' EXIT
report=""
cases=0 failed=0 max_ms=0 max_wall=0 max_kb=0 other_codes=0
while IFS=$'\t' read -r file expected fragment; do
  [[ -z "$file" || "$file" == \#* ]] && continue
  cases=$((cases + 1))
  set +e
  /usr/bin/time -f '%e %U %S %M' -o "$times" dotnet "$bin/nodeagent.dll" validate "$corpus/$file" >"$out" 2>&1
  code=$?
  set -e
  read -r wall user sys kb < <(tail -n 1 "$times")
  ms=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000 }')
  wall_ms=$(awk -v w="$wall" 'BEGIN { printf "%d", w * 1000 }')
  (( ms > max_ms )) && max_ms=$ms
  (( wall_ms > max_wall )) && max_wall=$wall_ms
  (( kb > max_kb )) && max_kb=$kb
  problem=""
  [[ "$code" == "$expected" ]] || problem+=" exit $code (expected $expected);"
  [[ "$code" == 0 || "$code" == 3 ]] || { problem+=" exit code is neither 0 nor 3;"; other_codes=$((other_codes + 1)); }
  grep -qF -- "$fragment" "$out" || problem+=" output lacks '$fragment';"
  ! grep -qE '^\s+at [A-Za-z]' "$out" || problem+=" stack trace printed;"
  (( ms < 2000 )) || problem+=" took ${ms} ms of CPU;"
  (( kb < 204800 )) || problem+=" peak RSS ${kb} KB;"
  if [[ -n "$problem" ]]; then
    failed=$((failed + 1))
    echo "FAIL $file:$problem"
    report+="$problem"$'\n'
  fi
done <"$corpus/expected.tsv"
echo "validate-corpus: $cases cases, $((cases - failed)) passed, $failed failed; exit codes other than 0/3: $other_codes; stack traces: $(grep -c 'stack trace' <<<"$report" || true); most CPU $max_ms ms (limit 2000), slowest wall $max_wall ms, largest peak RSS $((max_kb / 1024)) MB (limit 200); load $(cut -d' ' -f1-3 /proc/loadavg)"
[[ $failed == 0 ]]
