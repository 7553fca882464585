#!/usr/bin/env bash
# Two lb nodes race for lb.<zone> over RFC 2136 + TSIG against a real BIND 9 on loopback, TRIALS times (default
# 1000): half race for a free name, half race to take it over from a dead holder. Exactly one owner every time.
# Last line: {"race_trials":N,"split_brain":0}
set -euo pipefail
cd "$(dirname "$0")/../.."
export AWS_EC2_METADATA_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
trials="${1:-1000}"
dotnet build bench/DnsBench/DnsBench.csproj -c Release -nologo -clp:NoSummary -v quiet >&2
dotnet bench/DnsBench/bin/Release/net10.0/DnsBench.dll race "$trials"
