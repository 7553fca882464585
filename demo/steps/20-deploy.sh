# Step 2: deploys. A local git repo is deployed to the web node, served by Debian's nginx (started and supervised by
# the agent) whose root follows `current`; then a second commit is deployed and the atomic switch shows.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
USER_DATA="$DEMO_ROOT/demo/user-data/web-1.yaml"
SITE="http://127.0.0.2:8080/"
REPOS="$DEMO_WORK/repos"

say "a local git repo for the app 'shop' ($REPOS/shop.git), first commit: v1"
rm -rf "$REPOS"
mkdir -p "$REPOS" "$DEMO_WORK/web-1/state"
git init -q --bare -b main "$REPOS/shop.git"
git clone -q "$REPOS/shop.git" "$REPOS/shop-work" 2>/dev/null
commit() {
  printf '<h1>shop %s</h1>\n' "$1" > "$REPOS/shop-work/index.html"
  git -C "$REPOS/shop-work" add -A
  git -C "$REPOS/shop-work" -c user.name=demo -c user.email=demo@example.com commit -q -m "$1"
  git -C "$REPOS/shop-work" push -q origin HEAD:main
}
commit v1

say "starting the web node: boot catch-up, then nginx, then registration (log: $DEMO_WORK/web-1.log)"
# dotnet directly (not the agent() function), so $! is the agent itself and SIGTERM reaches it.
dotnet "$NODEAGENT_DLL" run --user-data "$USER_DATA" --log-format text > "$DEMO_WORK/web-1.log" 2>&1 &
AGENT_PID=$!
stop_agent() {
  if kill -0 "$AGENT_PID" 2>/dev/null; then
    kill -TERM "$AGENT_PID"
    wait "$AGENT_PID" || true
  fi
}
trap stop_agent EXIT
for _ in $(seq 1 120); do
  curl -fs -o /dev/null http://127.0.0.2:9780/healthz && break
  kill -0 "$AGENT_PID" 2>/dev/null || { cat "$DEMO_WORK/web-1.log"; echo "the agent exited" >&2; exit 1; }
  sleep 0.5
done
curl -fs -o /dev/null http://127.0.0.2:9780/healthz || { cat "$DEMO_WORK/web-1.log"; echo "the agent never became ready" >&2; exit 1; }

say "nodeagent deploy --app shop --revision main --wait   (publishes, nudges the node, follows its progress)"
agent deploy --app shop --revision main --wait --timeout 2m --user-data "$USER_DATA"
say "nginx now serves:"
curl -fsS -D - "$SITE" | grep -Ei '^x-release|<h1>'

say "second commit (v2) and deploy: checked out beside the live release, then current is switched with rename(2)"
commit v2
agent deploy --app shop --revision main --wait --timeout 2m --user-data "$USER_DATA"
curl -fsS -D - "$SITE" | grep -Ei '^x-release|<h1>'
say "releases on the node (nodeagent releases shop)"
agent releases shop --user-data "$USER_DATA"
echo "current -> $(readlink "$DEMO_WORK/web-1/srv/shop/current")"

say "stopping the agent with SIGTERM: it marks itself draining, leaves the registry, then stops nginx"
stop_agent
trap - EXIT
if curl -fs -o /dev/null "$SITE"; then
  echo "nginx is still answering after the agent stopped" >&2
  exit 1
fi
echo "agent and nginx stopped"
