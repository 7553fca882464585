#!/usr/bin/env bash
# bench/footprint: the agent's idle cost on each role, as installed (install/publish.sh + install/install.sh):
# web with nginx, lb with HAProxy (and the pair failover on BIND), db with PostgreSQL archiving through
# nodeagent-wal-push; every interval at its production default. Per role: exec -> ready (median of --ready-runs
# restarts with the node's state in place), RSS after --idle-seconds idle, CPU over the next --cpu-seconds, threads.
# Last line: {"bench":"footprint","web_rss_mb":…,"lb_rss_mb":…,"db_rss_mb":…,"max_rss_mb":…,"max_cpu_pct":…,
# "max_ready_ms":…}. Targets: max_rss_mb <= 50, max_cpu_pct <= 0.2, max_ready_ms <= 1000.
# Options: --idle-seconds=300 --cpu-seconds=300 --ready-runs=3 --roles=web,lb,db; --quick = 60 s + 60 s, 1 restart
# (a functional run, not a measurement). The last line also carries "load": the highest 1-minute load average seen.
source "$(dirname "$0")/../lib.sh"
run_bench footprint "$@"
