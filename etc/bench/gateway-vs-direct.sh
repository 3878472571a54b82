#!/usr/bin/env bash
# Load test of gateway mode: the demo application directly (/public/ of one standalone jar) against
# the same application through a SessionGate gateway (a second standalone jar with upstream.url),
# N rotating Basic users (bcrypt cost 10), interleaved pairs, printing each ratio and the median.
# Needs wrk and htpasswd (Debian: wrk, apache2-utils). Targets 127.0.0.1 only.
#
#   etc/bench/gateway-vs-direct.sh [users=50] [pairs=5] [seconds=10] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/../.."
. etc/bench/lib.sh
users=${1:-50}; pairs=${2:-5}; seconds=${3:-10}; connections=${4:-32}
app_port=${APP_PORT:-18191}; gw_port=${GW_PORT:-18192}
for tool in wrk htpasswd java curl; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install wrk apache2-utils curl)" >&2; exit 1; }
done
mvn -B -q package -DskipTests   # always: a stale jar would measure old code

work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
etc/bench/rotating-users.sh "$users" "$work"
printf 'users.file=users.htpasswd\nkey.secret=bench-secret-0123456789abcdef\n' > "$work/bench.properties"

java -Xms256m -Xmx1g -jar target/sessiongate-standalone.jar --config "$work/bench.properties" \
  --port="$app_port" > "$work/app.log" 2>&1 &
pids+=($!)
java -Xms256m -Xmx1g -jar target/sessiongate-standalone.jar --config "$work/bench.properties" \
  --port="$gw_port" --upstream.url="http://127.0.0.1:$app_port/public" > "$work/gateway.log" 2>&1 &
pids+=($!)
for port in "$app_port" "$gw_port"; do
  await_http "http://127.0.0.1:$port/health"
done

run() { # url → requests/s
  wrk -t2 -c"$connections" -d"${seconds}s" -s "$work/rotate.lua" "$1" | awk '/Requests\/sec/ {print $2}'
}
direct="http://127.0.0.1:$app_port/public/bench"; gateway="http://127.0.0.1:$gw_port/bench"
echo "warm-up (authenticates the $users users once, warms the JIT)"
run "$gateway" >/dev/null; run "$direct" >/dev/null
median=$(interleave "$pairs" "$direct" "$gateway" direct gateway)
echo "users=$users pairs=$pairs seconds=$seconds connections=$connections median gateway÷direct = $median"
echo "password checks: $(grep -c event=session_created "$work/gateway.log")"
