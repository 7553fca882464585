#!/usr/bin/env bash
# bench/scale: 50 web agents on this machine (each its own process, state dir, queue, loopback address and user-data
# file) against the bench's own fauxqs. Measures:
#   - deploy fan-out: publish -> all agents' status records say succeeded (median over --runs deploys, after a warm-up);
#   - registry listing of all nodes through the agent's registry code (cold and with the ETag cache) and through
#     `nodeagent status --cluster` (a whole process);
#   - each node's idle AWS requests over --idle-seconds (default 600): the agents' nodeagent_aws_requests_total
#     counters (/metrics) before and after, checked against fauxqs's own count (count-requests.mjs, preloaded),
#     priced at list prices and extrapolated linearly to a 30-day month; compared with docs/cost.md's model.
# Last line: {"bench":"scale","agents":50,"fanout_ms":…,"idle_usd_per_web_node_month":…,…}. Target: <= 0.25 $/month.
# Options: --agents=50 --runs=3 --idle-seconds=600 --list-runs=7 --batch=10 --deploy-timeout=240   (quick: --agents=10 --idle-seconds=60)
source "$(dirname "$0")/../lib.sh"
# The agents run as installed (bench/lib.sh), with the runtime settings the installed build carries (workstation,
# non-concurrent GC and the rest: src/Executable/Executable.csproj); nothing is overridden here.
export FAUXQS_COUNT_FILE="${BENCH_WORK:-/tmp/nodeagent-bench}/scale-fauxqs-requests.json"
export NODE_OPTIONS="--import=$BENCH_ROOT/bench/scale/count-requests.mjs"
mkdir -p "$(dirname "$FAUXQS_COUNT_FILE")"
rm -f "$FAUXQS_COUNT_FILE"
run_bench scale "$@"
