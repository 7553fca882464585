#!/usr/bin/env bash
# bench/swap-under-load: nginx (started by the agent) serves current while a small HTTP client keeps requesting it through 100
# deploys alternating two revisions. Prints {"bench":"swap-under-load","deploys":100,"requests":N,"failed":N,
# "stale_after_swap":N,"delta_builds":N}. Target: 0 failed, 0 stale, with delta releases on (the default; delta_builds
# counts the releases built as deltas, event 3014). Options: --deploys=100 --clients=8
source "$(dirname "$0")/../lib.sh"
run_bench swap-under-load "$@"
