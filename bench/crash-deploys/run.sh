#!/usr/bin/env bash
# bench/crash-deploys: The crash test: kill -9 the agent at a random moment during each of 200 deploys, restart it, and check
# that current always resolves to a complete release and the node cleans up and converges. Prints the counts.
# Options: --deploys=200 --max-delay-ms=1500
source "$(dirname "$0")/../lib.sh"
run_bench crash-deploys "$@"
