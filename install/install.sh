#!/usr/bin/env bash
# Installs nodeagent as a self-contained binary with its systemd unit and config dir. Meant for image baking:
# run it once in the image build (Packer etc.); every instance launched from the image then configures itself from
# its user-data. See docs/install.md.
#
#   install/install.sh [--from DIR] [--prefix /opt/nodeagent] [--config-dir /etc/nodeagent]
#                      [--unit-dir /etc/systemd/system] [--no-systemctl]
#
#   --from DIR      install this published build (install/publish.sh's output) instead of publishing from source
#   --no-systemctl  do not run systemctl (for chroots, containers and tests)
set -euo pipefail
src_root="$(cd "$(dirname "$0")/.." && pwd)"
from=""
prefix="/opt/nodeagent"
config_dir="/etc/nodeagent"
unit_dir="/etc/systemd/system"
systemctl=1
while [ $# -gt 0 ]; do
  case "$1" in
    --from) from="$2"; shift 2 ;;
    --prefix) prefix="$2"; shift 2 ;;
    --config-dir) config_dir="$2"; shift 2 ;;
    --unit-dir) unit_dir="$2"; shift 2 ;;
    --no-systemctl) systemctl=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ -z "$from" ]; then
  command -v dotnet >/dev/null || { echo "install.sh: dotnet SDK not found; pass --from with a published build" >&2; exit 1; }
  from="$(mktemp -d)"
  trap 'rm -rf "$from"' EXIT
  echo "publishing a self-contained linux-x64 build (install/publish.sh)"
  "$src_root/install/publish.sh" "$from" >/dev/null
fi
[ -x "$from/nodeagent" ] || { echo "install.sh: $from/nodeagent is missing or not executable" >&2; exit 1; }

# Install into a fresh directory next to the old one, then swap, so a half-copied binary is never live.
mkdir -p "$(dirname "$prefix")"
staging="$prefix.new.$$"
rm -rf "$staging"
cp -a "$from" "$staging"
mkdir -p "$staging/docs"
cp "$src_root/README.md" "$staging/docs/README.md" 2>/dev/null || true
cp -r "$src_root/docs/." "$staging/docs/" 2>/dev/null || true
install -m 0755 "$src_root/install/symbolize.sh" "$staging/symbolize.sh"
"$staging/nodeagent" version >/dev/null
if [ -d "$prefix" ]; then
  rm -rf "$prefix.old"
  mv "$prefix" "$prefix.old"
fi
mv "$staging" "$prefix"
rm -rf "$prefix.old"

mkdir -p "$config_dir" "$unit_dir"
chmod 0750 "$config_dir"
install -m 0644 "$src_root/install/nodeagent.service" "$unit_dir/nodeagent.service"
sed -i "s#/opt/nodeagent#$prefix#g" "$unit_dir/nodeagent.service"
[ -f "$config_dir/environment" ] || printf '# NODEAGENT_USER_DATA=%s/user-data.yaml\n' "$config_dir" >"$config_dir/environment"

if [ "$systemctl" -eq 1 ] && command -v systemctl >/dev/null; then
  systemctl daemon-reload
  systemctl enable nodeagent.service
fi
echo "nodeagent $("$prefix/nodeagent" version | head -1 | cut -d' ' -f2) installed in $prefix (unit: $unit_dir/nodeagent.service)"
