#!/usr/bin/env bash
# Load test: the hit path with Redis on and off, in one run. Two standalone jars, one alone and one
# a cluster node on a redis-server this script starts;
# wrk with N rotating bcrypt-10 users against each /api/ in interleaved pairs, /public/ of the
# single node as the reference. Prints each pair, the medians, and the Redis commands the cluster
# node sent during its runs. Needs wrk, htpasswd, redis-server. Targets 127.0.0.1 only; its own
# redis-server listens on REDIS_PORT (default 18273), never on 6379.
#
#   etc/bench/cluster-vs-single.sh [users=50] [pairs=5] [seconds=10] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/../.."
. etc/bench/lib.sh
users=${1:-50}; pairs=${2:-5}; seconds=${3:-10}; connections=${4:-32}
for tool in wrk htpasswd redis-server redis-cli java; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install wrk apache2-utils redis-server)" >&2; exit 1; }
done
mvn -B -q package -DskipTests   # always: a stale jar would measure old code

single_port=${SINGLE_PORT:-18271}; cluster_port=${CLUSTER_PORT:-18272}; redis_port=${REDIS_PORT:-18273}
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
etc/bench/rotating-users.sh "$users" "$work"
printf 'users.file=users.htpasswd\nkey.secret=bench-secret-0123456789abcdef\n' > "$work/bench.properties"

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" > "$work/redis.log" 2>&1 &
pids+=($!)
java -Xms256m -Xmx1g -jar target/sessiongate-standalone.jar --config "$work/bench.properties" \
  --port="$single_port" > "$work/single.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
java -Xms256m -Xmx1g -jar target/sessiongate-standalone.jar --config "$work/bench.properties" \
  --port="$cluster_port" --store.redis-uri="redis://127.0.0.1:$redis_port" > "$work/cluster.log" 2>&1 &
pids+=($!)
await_http "http://127.0.0.1:$single_port/health"
await_http "http://127.0.0.1:$cluster_port/health"

run() { # url → requests/s
  wrk -t2 -c"$connections" -d"${seconds}s" -s "$work/rotate.lua" "$1" | awk '/Requests\/sec/ {print $2}'
}
public="http://127.0.0.1:$single_port/public/bench"
single="http://127.0.0.1:$single_port/api/bench"; cluster="http://127.0.0.1:$cluster_port/api/bench"
echo "warm-up (authenticates the $users users once on each node, warms the JIT)"
run "$single" >/dev/null; run "$cluster" >/dev/null; run "$public" >/dev/null
evals() { redis-cli -p "$redis_port" info commandstats | awk -F'[=,:]' '/^cmdstat_eval:/ {print $3+0}'; }
before=$(redis-cli -p "$redis_port" info stats | awk -F: '/total_commands_processed/ {print $2+0}')
evals_before=$(evals)
ratio=$(interleave "$pairs" "$single" "$cluster" "redis-off" "redis-on")
after=$(redis-cli -p "$redis_port" info stats | awk -F: '/total_commands_processed/ {print $2+0}')
evals_after=$(evals)
public_ratio=$(interleave 1 "$public" "$cluster" /public "redis-on")
echo "users=$users pairs=$pairs seconds=$seconds connections=$connections"
echo "median /api rps redis-on ÷ redis-off = $ratio; redis-on /api ÷ /public (one pair) = $public_ratio"
echo "during the pairs: $((evals_after - evals_before)) scripts from the cluster node (batched last-access writes; each"
echo "  runs ~10 commands inside), $((after - before)) commands in all, the once-a-second probe included"
echo "password checks: single $(grep -c event=session_created "$work/single.log"), cluster $(grep -c event=session_created "$work/cluster.log")"
