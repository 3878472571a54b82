#!/usr/bin/env bash
# The yardstick of gateway mode: Jetty's own reverse proxy (ProxyHandler.Reverse: no servlet layer,
# no authentication; BareJettyProxy in src/bench) against SessionGate's gateway, both in front of
# the same upstream (a third standalone jar's /public/), N rotating bcrypt-10 users, interleaved
# pairs. Needs wrk and htpasswd. Targets 127.0.0.1 only.
#
#   etc/bench/gateway-vs-jetty-proxy.sh [users=50] [pairs=4] [seconds=10] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/../.."
. etc/bench/lib.sh
users=${1:-50}; pairs=${2:-4}; seconds=${3:-10}; connections=${4:-32}
app_port=18261; bare_port=18262; gw_port=18263
for tool in wrk htpasswd java curl; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install wrk apache2-utils curl)" >&2; exit 1; }
done
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
mvn -B -q -P bench package -DskipTests   # always: a stale jar would measure old code
mvn -B -q -P bench dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null
classpath="target/test-classes:target/classes:$(cat "$work/cp.txt")"
etc/bench/rotating-users.sh "$users" "$work"
printf 'users.file=users.htpasswd\nkey.secret=bench-secret-0123456789abcdef\n' > "$work/bench.properties"

java -Xms256m -Xmx1g -jar target/sessiongate-standalone.jar --config "$work/bench.properties" --port=$app_port \
  > "$work/app.log" 2>&1 & pids+=($!)
java -Xms512m -Xmx1g -cp "$classpath" dev.sessiongate.bench.BareJettyProxy $bare_port "http://127.0.0.1:$app_port/public" \
  > "$work/bare.log" 2>&1 & pids+=($!)
java -Xms512m -Xmx1g -jar target/sessiongate-standalone.jar --config "$work/bench.properties" --port=$gw_port \
  --upstream.url="http://127.0.0.1:$app_port/public" > "$work/gateway.log" 2>&1 & pids+=($!)
await_http "http://127.0.0.1:$app_port/health"; await_http "http://127.0.0.1:$gw_port/health"
await_answer "http://127.0.0.1:$bare_port/bench"

run() { # url → requests/s
  wrk -t2 -c"$connections" -d"${seconds}s" -s "$work/rotate.lua" "$1" | awk '/Requests\/sec/ {print $2}'
}
bare="http://127.0.0.1:$bare_port/bench"; gateway="http://127.0.0.1:$gw_port/bench"
echo "warm-up (authenticates the $users users once, warms both JITs)"
for _ in 1 2; do run "$bare" >/dev/null; run "$gateway" >/dev/null; done
median=$(interleave "$pairs" "$bare" "$gateway" jetty-proxy gateway)
echo "users=$users pairs=$pairs seconds=$seconds connections=$connections median gateway÷jetty-proxy = $median"
