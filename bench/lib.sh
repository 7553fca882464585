# Shared by bench/*/run.sh (sourced): installs what is missing, builds the agent and the bench driver (warnings as
# errors), then runs one benchmark. The driver's JSON line is the last line printed.
set -euo pipefail
BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AWS_EC2_METADATA_DISABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

run_bench() {
  local name="$1"; shift
  "$BENCH_ROOT/tools/deps.sh" >&2
  dotnet build "$BENCH_ROOT/src/Executable/Executable.csproj" -c Release -nologo -clp:NoSummary -v:q -warnaserror >&2
  dotnet build "$BENCH_ROOT/bench/BenchTool/BenchTool.csproj" -c Release -nologo -clp:NoSummary -v:q -warnaserror >&2
  local work="${BENCH_WORK:-/tmp/nodeagent-bench}/$name"
  dotnet "$BENCH_ROOT/bench/BenchTool/bin/Release/net10.0/nodeagent-bench.dll" "$name" "$work" "$@"
}
