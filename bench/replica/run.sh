#!/usr/bin/env bash
# Replica benchmark (issue 13): nodeagent against pgBackRest 2.45 in the same run, on one PostgreSQL 15 pgbench
# database (scale 70, ~1 GB), the same local S3 server (fauxqs; pgBackRest through nginx TLS), BIND on loopback.
#   - bootstrap: a replica booted from user-data (restore from the archive + start + catch-up) until the primary shows
#     it streaming, against pgbackrest restore --type=standby + start until streaming; ROUNDS each, alternating order,
#     no load (medians);
#   - delta: the replica stops, HOT_TRANSACTIONS change a hot set (the first 100,000 accounts) and append history, a new
#     backup, retention drops the WAL the replica would need; bytes the S3 server sends for its delta re-seed until it
#     streams, against a full restore of the same backup (counted by a relay in front of the server);
#   - failover: kill -9 of the primary's agent and PostgreSQL under pgbench and a client recording acknowledged ids,
#     interval 2 s, fall 2: time until db.<zone> answers the replica and it takes a write (the larger of the asynchronous
#     and the synchronous run), and acknowledged transactions lost in each mode.
# nodeagent runs as installed (install/publish.sh: the NativeAOT agent, the NativeAOT wal-push/wal-fetch client next to it).
# Last line: {"bench":"replica","bootstrap_ratio":R,"delta_bytes_ratio":D,"failover_ms":F,"interval_ms":I,"lost_sync":0,"lost_async":N}
# Usage: bench/replica/run.sh [WORK_DIR]   (env: SCALE=70 ROUNDS=3 HOT_TRANSACTIONS=20000)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export AWS_EC2_METADATA_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work="${1:-${BENCH_WORK:-/tmp/nodeagent-bench}/replica}"
rm -rf "$work" && mkdir -p "$work" && chmod 755 "$work"
"$root/tools/deps.sh" >&2
echo "[$(date +%H:%M:%S)] publishing nodeagent as install/install.sh does (install/publish.sh: NativeAOT agent and wal-push client)" >&2
"$root/install/publish.sh" "$work/agent" >&2
chmod -R a+rX "$work/agent"
dotnet build "$root/bench/ReplicaBench/ReplicaBench.csproj" -c Release -nologo -clp:NoSummary -v:q -warnaserror >&2
NODEAGENT_BENCH_AGENT="$work/agent/nodeagent" dotnet "$root/bench/ReplicaBench/bin/Release/net10.0/ReplicaBench.dll" "$work/run"
