#!/usr/bin/env bash
# Kills the active lb node (SIGKILL to its agent and its HAProxy) of a real pair and measures, with a DNS client against the BIND server, how
# long until lb.<zone> answers with the peer's address. Median over TRIALS (default 20); interval 2 s, fall 2.
# Needs the local S3/SQS stack installed (tools/deps.sh). Last line:
#   {"bench":"failover","interval_ms":2000,"failover_ms":<median>}
set -euo pipefail
cd "$(dirname "$0")/../.."
export AWS_EC2_METADATA_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
trials="${1:-20}"
dotnet build NodeAgent.sln -c Release -nologo -clp:NoSummary -v quiet >&2
dotnet build bench/DnsBench/DnsBench.csproj -c Release -nologo -clp:NoSummary -v quiet >&2
dotnet bench/DnsBench/bin/Release/net10.0/DnsBench.dll failover "$trials"
