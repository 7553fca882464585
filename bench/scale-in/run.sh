#!/usr/bin/env bash
# Web and lb scale-in under load on the lifecycle fleet (2 lb, N+1 web, 1 db; instance metadata and Auto Scaling
# stand-ins, real everything else), with a client resolving lb.<zone> before every request the whole time.
#   anchor        kill -9 of the active lb: time until clients are served by the standby (failure detection)
#   web_drain_ms  median over N web nodes: the agent reads "Terminated" -> CONTINUE (left every lb, deregistered, stopped)
#   lb_handover_ms the active lb reads "Terminated" -> lb.<zone> answers the standby (target <= 2000)
#   failed        requests failed outside the anchor's kill window (target 0)
# Usage: bench/scale-in/run.sh [--web=3]
# Last line: {"bench":"scale-in","failed":F,"web_drain_ms":W,"lb_handover_ms":L}
set -euo pipefail
cd "$(dirname "$0")/../.."
export AWS_EC2_METADATA_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
tools/deps.sh >&2
dotnet build NodeAgent.sln -c Release -nologo -clp:NoSummary -v quiet >&2
dotnet build bench/ScaleInBench/ScaleInBench.csproj -c Release -nologo -clp:NoSummary -v quiet >&2
dotnet bench/ScaleInBench/bin/Release/net10.0/ScaleInBench.dll "$@"
