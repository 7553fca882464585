#!/usr/bin/env bash
# bench/membership: how long from a web node's first healthy check to its first request through HAProxy, median over
# 20 joins, with membership applied through HAProxy's runtime API (the lb's default) and, in the same run, with a
# reload-based apply (regenerate the config, reload: haproxy -sf). Counts failed requests across both.
# Last line: {"bench":"membership","runtime_api_ms":<median>,"reload_ms":<median>,"failed":N}
set -euo pipefail
cd "$(dirname "$0")/../.."
export AWS_EC2_METADATA_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
tools/deps.sh >&2
dotnet build src/Executable/Executable.csproj -c Release -nologo -clp:NoSummary -v:q -warnaserror >&2
dotnet build bench/membership/MembershipBench.csproj -c Release -nologo -clp:NoSummary -v:q -warnaserror >&2
exec dotnet bench/membership/bin/Release/net10.0/membership-bench.dll "$@"
