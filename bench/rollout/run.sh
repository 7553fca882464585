#!/usr/bin/env bash
# Rolling deploys under load on a rollout fleet (2 lb with failover, N web, the local S3/SQS server, BIND, nginx,
# HAProxy 2.6), a client resolving lb.<zone> before every request the whole time: a good revision rolls out in
# batches, then a bad one (passes the validate hook, answers 500 to a third of real requests) must halt after its
# first batch and switch that batch back.
#   good_failed_requests  requests failed during the good rollout (target 0)
#   max_out_of_rotation   most servers out of READY at once on the active lb, sampled every 100 ms (target <= batch size)
#   bad_nodes_touched     web nodes that ever moved to the bad revision (target <= batch size)
#   rollback_ms           gate failed -> the batch back on its previous release (target <= 30000)
#   good_rollout_ms       deploy --wait of the good revision, publish -> succeeded
# Usage: bench/rollout/run.sh [--nodes=8] [--batches=4]
# Last line: {"bench":"rollout","nodes":8,"batches":4,"good_failed_requests":0,"max_out_of_rotation":2,"bad_nodes_touched":2,"rollback_ms":R,"good_rollout_ms":G,"load":"..."}
set -euo pipefail
cd "$(dirname "$0")/../.."
export AWS_EC2_METADATA_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
tools/deps.sh >&2
dotnet build NodeAgent.sln -c Release -nologo -clp:NoSummary -v quiet >&2
dotnet build bench/RolloutBench/RolloutBench.csproj -c Release -nologo -clp:NoSummary -v quiet >&2
dotnet bench/RolloutBench/bin/Release/net10.0/RolloutBench.dll "$@"
