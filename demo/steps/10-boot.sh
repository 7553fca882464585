# Step 1: a web node boots from its user-data, ensures its queue, registers, reports ready and stops cleanly.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
say "booting a web node from demo/user-data/web-1.yaml (run --once: stop after ready)"
agent run --once --user-data "$DEMO_ROOT/demo/user-data/web-1.yaml" --log-format text
