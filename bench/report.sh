#!/usr/bin/env bash
# bench/report.sh: writes BENCHMARKS.md at the repository root from bench/results/*.json (written by bench/run-all.sh).
# For each bench: every figure with its anchor (the bare-tools floor, pgBackRest, reload-based HAProxy, the cost
# model, or the issue's target when there is no peer), the ratio, the target and whether it is met, with the date,
# options and load average of the run. A bench without a result file is shown as "not run"; a failed run shows the
# failure and the last good result. Never hand-edit BENCHMARKS.md: rerun this (or bench/run-all.sh).
# Usage: bench/report.sh [--results=DIR] [--out=FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
results="bench/results" out="BENCHMARKS.md"
for arg in "$@"; do
  case "$arg" in
    --results=*) results="${arg#--results=}" ;;
    --out=*) out="${arg#--out=}" ;;
    *) echo "report.sh: unknown option '$arg' (usage: bench/report.sh [--results=DIR] [--out=FILE])" >&2; exit 2 ;;
  esac
done
command -v jq >/dev/null || { echo "report.sh: jq is missing (tools/deps.sh installs it)" >&2; exit 2; }

# Every bench that has a run.sh, plus any result file without one (a bench that was removed still shows).
names=()
for script in bench/*/run.sh; do names+=("$(basename "$(dirname "$script")")"); done
for file in "$results"/*.json; do
  [ -e "$file" ] || continue
  n="$(basename "$file" .json)"
  [[ " ${names[*]} " == *" $n "* ]] || names+=("$n")
done

all='{}'
for n in "${names[@]}"; do
  file="$results/$n.json"
  if [ -f "$file" ]; then
    entry="$(jq -c . "$file")" || { echo "report.sh: $file is not valid JSON" >&2; exit 1; }
  else
    entry=null
  fi
  all="$(jq -c --arg n "$n" --argjson e "$entry" '. + {($n): $e}' <<<"$all")"
done

jq -r -n --argjson all "$all" --arg generated "$(date -u +%Y-%m-%dT%H:%MZ)" --arg results "$results" '
def r(n): if type == "number" then (. * pow(10; n) | round) / pow(10; n) else . end;
def ms: if type == "number" then "\(r(0)) ms" else "—" end;
def met(b): if b == null then "—" elif b then "met" else "**not met**" end;
def row(figure; value; anchor; ratio; target; ok):
  {figure: figure, value: value, anchor: anchor, ratio: (if ratio == null then "—" else (ratio | r(2) | tostring) end),
   target: target, met: ok};

# One list of rows per bench, from its JSON line.
def rows(name):
  if name == "deploy-latency" then
    if .delta_ms then
      [row("delta deploy: 3 files changed, previous release present (median, load \(.load // "?"))"; (.delta_ms | ms);
           "bare floor: git fetch + git archive \\| tar -x + mv -T, \(.floor_ms | ms)"; .delta_ratio; "≤ 0.25 × floor"; .delta_ratio <= 0.25),
       row("cold deploy: no previous release (median)"; (.cold_ms | ms);
           "same floor, \(.floor_ms | ms)"; .cold_ratio; "≤ 1.2 × floor + 150 ms = \((1.2 * .floor_ms + 150) | ms)"; .cold_ms <= 1.2 * .floor_ms + 150)]
    else
      [row("publish → `current` switched, one node (median of \(.runs // "?"), \(.files // "?") files)"; (.agent_ms | ms);
           "bare floor: git fetch + git archive \\| tar -x + mv -T, \(.floor_ms | ms)"; .ratio // (.agent_ms / .floor_ms);
           "≤ 1.2 × floor + 150 ms = \((1.2 * .floor_ms + 150) | ms)"; .agent_ms <= 1.2 * .floor_ms + 150)]
    end
  elif name == "fleet-fanout" then
    [row("publish → all \(.nodes) nodes succeeded (median)"; (.all_live_ms | ms); "issue 3 target, 5000 ms";
         .all_live_ms / 5000; "≤ 5000 ms"; .all_live_ms <= 5000)]
  elif name == "swap-under-load" then
    [row("non-2xx responses during \(.deploys) deploys"; "\(.failed) of \(.requests)"; "—"; null; "0"; .failed == 0),
     row("responses showing the old revision after the swap was reported"; "\(.stale_after_swap)"; "—"; null; "0"; .stale_after_swap == 0)]
  elif name == "crash-deploys" then
    [row("`current` not a complete release after kill -9 (\(.deploys) deploys)"; "\(.violations)"; "—"; null; "0"; .violations == 0),
     row("nodes converged after restart"; "\(.converged_after_restart) of \(.deploys)"; "—"; null; "all"; .converged_after_restart == .deploys),
     row("leftovers after restart"; "\(.leftovers_after_restart)"; "—"; null; "0"; .leftovers_after_restart == 0)]
  elif name == "membership" then
    [row("first healthy check → first proxied request (median)"; (.runtime_api_ms | ms);
         "reload-based HAProxy (regenerate + haproxy -sf), \(.reload_ms | ms)"; .runtime_api_ms / .reload_ms; "≤ 1000 ms"; .runtime_api_ms <= 1000),
     row("failed requests, both modes"; "\(.failed)"; "—"; null; "0"; .failed == 0)]
  elif name == "dns-race" then
    [row("split brain in \(.race_trials) races"; "\(.split_brain)"; "—"; null; "0 in 1000 trials";
         if .split_brain != 0 then false elif .race_trials >= 1000 then true else null end)]
  elif name == "failover" then
    [row("active lb killed → lb.<zone> answers the peer (median)"; (.failover_ms | ms); "check interval \(.interval_ms | ms)";
         .failover_ms / .interval_ms; "≤ 3 intervals = \((3 * .interval_ms) | ms)"; .failover_ms <= 3 * .interval_ms)]
  elif name == "scale-in" then
    [row("failed requests through web and lb scale-in"; "\(.failed)"; "—"; null; "0"; .failed == 0),
     row("active lb scale-in → lb.<zone> answers the standby"; (.lb_handover_ms | ms); "kill -9 + failure detection (in the bench log)";
         null; "≤ 2000 ms"; .lb_handover_ms <= 2000),
     row("web scale-in: notice seen → CONTINUE (median)"; (.web_drain_ms | ms); "—"; null; "none"; null)]
  elif name == "rollout" then
    [row("failed requests during a good rollout (\(.nodes) nodes, \(.batches) batches)"; "\(.good_failed_requests)"; "—"; null; "0"; .good_failed_requests == 0),
     row("most servers out of READY at once (show servers state every 100 ms)"; "\(.max_out_of_rotation)"; "batch size \(.nodes / .batches | ceil)";
         null; "≤ batch size"; .max_out_of_rotation <= (.nodes / .batches | ceil)),
     row("nodes that ever moved to a bad revision"; "\(.bad_nodes_touched)"; "batch size \(.nodes / .batches | ceil)"; null; "≤ batch size";
         .bad_nodes_touched <= (.nodes / .batches | ceil)),
     row("gate failed → batch back on its previous release"; (.rollback_ms | ms); "—"; null; "≤ 30000 ms"; .rollback_ms <= 30000),
     row("good rollout, publish → succeeded"; (.good_rollout_ms | ms); "—"; null; "none"; null)]
  elif name == "footprint" then
    [row("max idle RSS of web / lb / db agents, as installed (web \(.web_rss_mb) MB, lb \(.lb_rss_mb) MB, db \(.db_rss_mb) MB; load \(.load // "?"))";
         "\(.max_rss_mb) MB"; "—"; null; "≤ 50 MB"; .max_rss_mb <= 50),
     row("max idle CPU, % of one core"; "\(.max_cpu_pct) %"; "—"; null; "≤ 0.2 %"; .max_cpu_pct <= 0.2),
     row("max exec → ready (median of restarts)"; (.max_ready_ms | ms); "—"; null; "≤ 1000 ms"; .max_ready_ms <= 1000)]
  elif name == "backup" then
    [row("base backup time (agent / pgBackRest)"; "\(.backup_ratio | r(3))"; "pgBackRest 2.45, same run"; .backup_ratio; "≤ 1.0"; .backup_ratio <= 1.0),
     row("restore time (agent / pgBackRest)"; "\(.restore_ratio | r(3))"; "pgBackRest 2.45, same run"; .restore_ratio; "≤ 1.0"; .restore_ratio <= 1.0),
     row("WAL segments archived per second (archive_command)"; "\(.wal_per_s)/s"; "pgBackRest \(.wal_per_s_pgbackrest)/s";
         .wal_per_s / .wal_per_s_pgbackrest; "≥ pgBackRest"; .wal_per_s >= .wal_per_s_pgbackrest),
     row("stored bytes (agent / pgBackRest)"; "\(.bytes_ratio | r(3))"; "pgBackRest 2.45, same run"; .bytes_ratio; "none"; null)]
    + (if .enc_backup_ratio then
       [row("encrypted base backup time (agent, local key / pgBackRest aes-256-cbc)"; "\(.enc_backup_ratio | r(3))"; "pgBackRest 2.45 with repo1-cipher-type=aes-256-cbc, same run"; .enc_backup_ratio; "≤ 1.0"; .enc_backup_ratio <= 1.0),
        row("encrypted restore time (agent / pgBackRest aes-256-cbc)"; "\(.enc_restore_ratio | r(3))"; "pgBackRest 2.45 with repo1-cipher-type=aes-256-cbc, same run"; .enc_restore_ratio; "≤ 1.0"; .enc_restore_ratio <= 1.0)]
       else [] end)
  elif name == "replica" then
    [row("replica boot to streaming (agent / pgBackRest restore --type=standby + start)"; "\(.bootstrap_ratio | r(3))"; "pgBackRest 2.45, same run"; .bootstrap_ratio; "≤ 1.0"; .bootstrap_ratio <= 1.0),
     row("delta re-seed bytes / full restore bytes (at the S3 server)"; "\(.delta_bytes_ratio | r(3))"; "full restore of the same backup"; .delta_bytes_ratio; "≤ 0.25"; .delta_bytes_ratio <= 0.25),
     row("kill -9 of the primary → db.<zone> answers the replica and it takes a write"; (.failover_ms | ms); "check interval \(.interval_ms | ms)";
         .failover_ms / .interval_ms; "≤ 3 intervals = \((3 * .interval_ms) | ms)"; .failover_ms <= 3 * .interval_ms),
     row("acknowledged transactions lost, synchronous"; "\(.lost_sync)"; "—"; null; "0"; .lost_sync == 0),
     row("acknowledged transactions lost, asynchronous"; "\(.lost_async)"; "—"; null; "reported"; null)]
  elif name == "scale" then
    [row("publish → all \(.agents) agents succeeded (median of \(.fanout_runs // "?"))"; (.fanout_ms | ms);
         "issue 3 target for 20 nodes, 5000 ms"; .fanout_ms / 5000; "none named in issue 7"; null),
     row("idle AWS cost per web node, $/month (measured over \(.idle_seconds // "?") s, extrapolated to 30 days)";
         "$\(.idle_usd_per_web_node_month)"; "docs/cost.md model, $\(.modelled_usd_per_web_node_month // "?")";
         .ratio_vs_model; "≤ $0.25 (issue 4)"; .idle_usd_per_web_node_month <= 0.25)]
    + (if .idle_usd_per_web_node_month_fauxqs then
       [row("idle AWS cost per web node, $/month, from fauxqs'"'"'s own count"; "$\(.idle_usd_per_web_node_month_fauxqs)";
            "docs/cost.md model, $\(.modelled_usd_per_web_node_month)"; .idle_usd_per_web_node_month_fauxqs / .modelled_usd_per_web_node_month;
            "≤ $0.25 (issue 4)"; .idle_usd_per_web_node_month_fauxqs <= 0.25)] else [] end)
    + [
     row("idle AWS requests per web node (window; agents counted \(.idle_requests_agents // "?"), fauxqs saw \(.idle_requests_fauxqs // "?"))";
         "\(.idle_requests_per_node) in \(.idle_seconds) s ≈ \(.idle_requests_per_node_month)/month"; "docs/cost.md model, \(.modelled_requests_per_node_month // 159840)/month";
         (if .idle_requests_per_node_month then .idle_requests_per_node_month / (.modelled_requests_per_node_month // 159840) else null end); "none"; null),
     row("registry listing of all \(.agents) nodes, cold (LIST + one GET per node), median"; (.list_ms | ms);
         "same listing with the ETag cache (an lb'"'"'s sync), \(.list_warm_ms | ms)";
         (if .list_warm_ms then .list_ms / .list_warm_ms else null end); "none"; null),
     row("`nodeagent status --cluster`, whole process, median"; (.status_cli_ms | ms); "—"; null; "none"; null),
     row("agent RSS (median, idle)"; "\(.rss_mb_per_agent) MB"; "—"; null; "none"; null)]
  else
    [to_entries[] | select(.key != "bench") | row(.key; (.value | tostring); "—"; null; "—"; null)]
  end;

def table(rs):
  "| Figure | Value | Anchor | Ratio | Target | Met |",
  "|---|---|---|---|---|---|",
  (rs[] | "| \(.figure) | \(.value) | \(.anchor) | \(.ratio) | \(.target) | \(met(.met)) |");

def verdict(rs): [rs[] | .met | select(. != null)] as $m
  | if ($m | length) == 0 then "no target" elif all($m[]; .) then "met" else "**not met**" end;

def runline(e): "\(e.finished_at // "?") · load \(e.load_before // "?") → \(e.load_after // "?") · \(e.duration_s // "?") s"
  + (if (e.args // "") != "" then " · options `\(e.args)`" else "" end)
  + (if e.quick then " · **quick run** (reduced counts, not the issue'"'"'s full run)" else "" end)
  + (if e.commit then " · commit \(e.commit)" else "" end);

"# Benchmarks",
"",
"<!-- GENERATED FILE: do not edit. Regenerate with bench/report.sh (bench/run-all.sh runs it after the benches). -->",
"Generated by `bench/report.sh` from `\($results)/*.json` on \($generated). Do not edit by hand: run",
"`bench/run-all.sh` (all benches, or `--only=NAME`) and the file is regenerated. Each result is the last JSON line its",
"`bench/NAME/run.sh` printed; the machine is 2 shared cores, so the load average of each run is shown with it.",
"",
"| Bench | Status | Targets | Run |",
"|---|---|---|---|",
($all | to_entries[] | .key as $n | .value as $e |
  if $e == null then "| [\($n)](#\($n)) | not run | — | — |"
  elif $e.status == "ok" then "| [\($n)](#\($n)) | ok | \(verdict($e.result | rows($n))) | \($e.finished_at) (load \($e.load_before | split(" ")[0])) |"
  else "| [\($n)](#\($n)) | **failed** (\($e.error)) | \(if $e.last_ok then "last ok: " + verdict($e.last_ok.result | rows($n)) else "—" end) | \($e.finished_at) |"
  end),
"",
($all | to_entries[] | .key as $n | .value as $e |
  "## \($n)",
  "",
  if $e == null then
    "Not run: no `\($results)/\($n).json`. Run `bench/run-all.sh --only=\($n)`.", ""
  elif $e.status == "ok" then
    runline($e), "", table($e.result | rows($n)), ""
  else
    "**Failed** at \($e.finished_at) (\($e.error); log `\($e.log)`, load \($e.load_before) → \($e.load_after)).", "",
    if $e.last_ok then
      "Last good result: \(runline($e.last_ok))", "", table($e.last_ok.result | rows($n)), ""
    else "No earlier good result.", "" end
  end)
' >"$out.tmp"
mv "$out.tmp" "$out"
echo "report.sh: wrote $out from ${#names[@]} benches" >&2
