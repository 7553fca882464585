#!/usr/bin/env bash
# bench/run-all.sh: runs the benchmarks under bench/*/run.sh one after the other and keeps each one's last JSON line
# in bench/results/<bench>.json, with when it ran, how long it took, the machine's load average before and after,
# the options used and the commit. A bench that fails (non-zero exit, no JSON last line, or over its time limit) is
# recorded as failed, with the tail of its log and the last good result kept; the run goes on with the next bench.
# Then bench/report.sh regenerates BENCHMARKS.md (skip with --no-report).
#
# Usage: bench/run-all.sh [--only=a,b] [--skip=a,b] [--quick] [--args-NAME="--x=1 --y=2"] [--timeout=SECONDS]
#                         [--results=DIR] [--no-report] [--list]
#   --only / --skip   bench names (folder names under bench/)
#   --quick           shorter runs (the table below): fewer trials, smaller data; the result file says quick=true
#   --args-NAME       options for one bench, word-split, passed as its arguments (replaces its quick arguments)
#   --timeout         per bench, default 5400 s; the bench's whole process group is stopped when it runs over
# Each bench's full output goes to $BENCH_WORK/logs/<bench>.log (default /tmp/nodeagent-bench/logs).
set -uo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

declare -A QUICK_ARGS=(
  [crash-deploys]="--deploys=30"
  [deploy-latency]="--runs=3"
  [dns-race]="200"
  [failover]="5"
  [fleet-fanout]="--runs=1"
  [footprint]="--quick"
  [membership]="5"
  [rollout]="--nodes=4 --batches=2"
  [scale-in]="--web=1"
  [scale]="--agents=10 --idle-seconds=60 --runs=2"
  [swap-under-load]="--deploys=20"
)
declare -A QUICK_ENV=(
  [backup]="ROUNDS=1 SCALE=10 WAL_SEGMENTS=8"
  [replica]="ROUNDS=1 SCALE=10 HOT_TRANSACTIONS=5000"
)
declare -A ARGS=()
only="" skip="" quick=false timeout_s=5400 report=true list=false
results="$root/bench/results"
for arg in "$@"; do
  case "$arg" in
    --only=*) only="${arg#--only=}" ;;
    --skip=*) skip="${arg#--skip=}" ;;
    --quick) quick=true ;;
    --timeout=*) timeout_s="${arg#--timeout=}" ;;
    --results=*) results="${arg#--results=}" ;;
    --no-report) report=false ;;
    --list) list=true ;;
    --args-*=*) name="${arg#--args-}"; ARGS["${name%%=*}"]="${arg#*=}" ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-all.sh: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$timeout_s" =~ ^[0-9]+$ ]] || { echo "run-all.sh: --timeout must be whole seconds, got '$timeout_s'" >&2; exit 2; }
command -v jq >/dev/null || { echo "run-all.sh: jq is missing (tools/deps.sh installs it)" >&2; exit 2; }

all=()
for script in bench/*/run.sh; do
  all+=("$(basename "$(dirname "$script")")")
done
in_list() { local needle="$1" list=",$2,"; [[ "$list" == *",$needle,"* ]]; }
for name in ${only//,/ } ${skip//,/ } "${!ARGS[@]}"; do
  [ -f "bench/$name/run.sh" ] || { echo "run-all.sh: no bench named '$name' (have: ${all[*]})" >&2; exit 2; }
done
selected=()
for name in "${all[@]}"; do
  if [ -n "$only" ] && ! in_list "$name" "$only"; then continue; fi
  if [ -n "$skip" ] && in_list "$name" "$skip"; then continue; fi
  selected+=("$name")
done
if $list; then printf '%s\n' "${selected[@]}"; exit 0; fi

logs="${BENCH_WORK:-/tmp/nodeagent-bench}/logs"
mkdir -p "$results" "$logs"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
failures=0
summary=()

run_one() {
  local name="$1" log="$logs/$1.log" out="$results/$1.json"
  local -a args=() env=()
  if [ -n "${ARGS[$name]+x}" ]; then
    read -r -a args <<<"${ARGS[$name]}"
  elif $quick; then
    read -r -a args <<<"${QUICK_ARGS[$name]:-}"
    read -r -a env <<<"${QUICK_ENV[$name]:-}"
  fi
  local started load_before t0
  started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"; load_before="$(loadavg)"; t0=$(date +%s)
  echo "run-all: $name ${env[*]} ${args[*]} (log: $log, load $load_before)" >&2
  # Own session, so a timeout stops the bench's whole process group (agents, servers), not just its shell.
  setsid env "${env[@]}" bash "bench/$name/run.sh" "${args[@]}" >"$log" 2>&1 </dev/null &
  local pid=$! rc="" elapsed
  while kill -0 "$pid" 2>/dev/null; do
    if (( $(date +%s) - t0 > timeout_s )); then
      echo "run-all: $name over its ${timeout_s} s limit; stopping its process group $pid" >&2
      kill -TERM -- "-$pid" 2>/dev/null; sleep 10; kill -KILL -- "-$pid" 2>/dev/null
      rc=124
      break
    fi
    sleep 2
  done
  wait "$pid"; local code=$?
  rc="${rc:-$code}"
  elapsed=$(( $(date +%s) - t0 ))
  local last error="" status=ok result=null
  last="$(grep -v '^[[:space:]]*$' "$log" | tail -n 1)"
  if [ "$rc" != 0 ]; then
    status=failed; error="exit code $rc"
  elif ! jq -e 'type == "object"' >/dev/null 2>&1 <<<"$last"; then
    status=failed; error="last line is not a JSON object"
  else
    result="$last"
  fi
  local previous=null
  if [ -f "$out" ]; then
    previous="$(jq -c 'if .status == "ok" then {result, finished_at, duration_s, load_before, load_after, quick, args, commit} else .last_ok end' "$out" 2>/dev/null || echo null)"
  fi
  local tail_text=""
  [ "$status" = failed ] && tail_text="$(tail -n 15 "$log")"
  jq -n --arg bench "$name" --arg status "$status" --arg error "$error" --argjson exit_code "$rc" \
    --argjson result "$result" --arg started "$started" --arg finished "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --argjson duration "$elapsed" --arg load_before "$load_before" --arg load_after "$(loadavg)" \
    --arg args "${env[*]}${env[*]:+ }${args[*]}" --argjson quick "$quick" --arg commit "$commit" \
    --arg host "$(hostname)" --argjson cores "$(nproc)" --arg log "$log" --arg tail "$tail_text" \
    --argjson previous "$previous" '
    {bench: $bench, status: $status, exit_code: $exit_code, result: $result,
     started_at: $started, finished_at: $finished, duration_s: $duration,
     load_before: $load_before, load_after: $load_after, args: $args, quick: $quick,
     commit: $commit, host: $host, cores: $cores, log: $log}
    + (if $status == "failed" then {error: $error, log_tail: $tail, last_ok: $previous} else {} end)' >"$out.tmp" \
    && mv "$out.tmp" "$out"
  if [ "$status" = ok ]; then
    summary+=("ok      $name (${elapsed} s): $last")
  else
    failures=$((failures + 1))
    summary+=("FAILED  $name (${elapsed} s): $error; see $log")
  fi
}

for name in "${selected[@]}"; do
  run_one "$name"
done

echo >&2
printf '%s\n' "${summary[@]}" >&2
if $report; then
  bench/report.sh >&2 || { echo "run-all: bench/report.sh failed" >&2; failures=$((failures + 1)); }
fi
echo "{\"run_all\":${#selected[@]},\"failed\":$failures}"
exit $(( failures > 0 ? 1 : 0 ))
