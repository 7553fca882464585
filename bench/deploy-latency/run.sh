#!/usr/bin/env bash
# bench/deploy-latency: Time from publish to current switched on one node, for a ~50 MB / ~5,000-file repo and a small delta
# commit, against the hand-made floor (git fetch + git archive | tar -x + mv -T) measured in the same run.
# Prints {"bench":"deploy-latency","agent_ms":…,"floor_ms":…,"ratio":…}. Target: agent <= 1.2 x floor + 150 ms.
# Options: --runs=7 --files=5000 --file-bytes=10240 --settle-seconds=35 (a pause after the setup, so the inodes its deletions freed are no longer "recently deleted" to ext4; see DeployLatency.cs)
source "$(dirname "$0")/../lib.sh"
run_bench deploy-latency "$@"
