#!/usr/bin/env bash
# bench/fleet-fanout: 20 agents on this machine (own state dir, queue and loopback address each) and one deploy: time from
# publish until all 20 report success. Prints {"bench":"fleet-fanout","nodes":20,"all_live_ms":…}. Target <= 5000.
# Options: --nodes=20 --runs=3
# The agents run as installed (bench/lib.sh: install/publish.sh + install/install.sh); NODEAGENT_BENCH_AGENT=<path>
# runs another build.
source "$(dirname "$0")/../lib.sh"
run_bench fleet-fanout "$@"
