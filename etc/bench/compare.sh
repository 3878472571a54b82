#!/usr/bin/env bash
# Load comparison on one machine, in one run: requests/s against the number of rotating Basic users
# for the standalone jar's /public/ (no authentication), /api/ (SessionGate), Spring Security's
# Basic + BCrypt on the same Jetty and handler, and Caddy's basicauth + reverse_proxy in front of
# /public/ (where the Debian caddy package installs). Writes docs/bench-rps.csv and, with gnuplot,
# docs/bench-rps.png. Needs wrk, htpasswd, curl (Debian: wrk, apache2-utils, curl); targets
# 127.0.0.1 only.
#
#   USERS_LIST="1 50 500 3000" COST=10 SECONDS_EACH=10 PAIRS=3 CONNECTIONS=32 etc/bench/compare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. etc/bench/lib.sh
users_list=${USERS_LIST:-1 50 500 3000}; cost=${COST:-10}; seconds=${SECONDS_EACH:-10}
pairs=${PAIRS:-3}; connections=${CONNECTIONS:-32}
app_port=18201; spring_port=18202; caddy_port=18203
for tool in wrk htpasswd java curl mvn; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install wrk apache2-utils curl)" >&2; exit 1; }
done
if ! command -v caddy >/dev/null && [ "$(id -u)" -eq 0 ]; then
  apt-get install -y -q caddy >/dev/null 2>&1 || echo "caddy did not install: its column stays empty"
fi

work=$(mktemp -d)
pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; pids=(); }
trap 'stop; rm -rf "$work"' EXIT
mvn -B -q -P bench package -DskipTests
mvn -B -q -P bench dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null
classpath="target/test-classes:target/classes:$(cat "$work/cp.txt")"

rps() { # url lua → requests/s
  wrk -t2 -c"$connections" -d"${seconds}s" -s "$2" "$1" | awk '/Requests\/sec/ {print $2}'
}

csv=docs/bench-rps.csv
echo "users,public,api,api_over_public,spring_security,caddy" > "$csv"
for n in $users_list; do
  dir="$work/$n"; mkdir -p "$dir"
  echo "== $n users (bcrypt cost $cost)"
  COST=$cost etc/bench/rotating-users.sh "$n" "$dir"
  printf 'users.file=users.htpasswd\nkey.secret=bench-secret-0123456789abcdef\nsessions.max=1000000\n' > "$dir/gate.properties"
  java -Xms512m -Xmx1g -jar target/sessiongate-standalone.jar --config "$dir/gate.properties" --port=$app_port \
    > "$dir/app.log" 2>&1 & pids+=($!)
  java -Xms256m -Xmx1g -cp "$classpath" dev.sessiongate.bench.SpringSecurityPeer $spring_port "$dir/users.htpasswd" \
    > "$dir/spring.log" 2>&1 & pids+=($!)
  caddy_url=""
  if command -v caddy >/dev/null; then
    { printf '{\n\tadmin off\n\tauto_https off\n}\n:%s {\n\tbasicauth {\n' $caddy_port
      while IFS=: read -r user hash; do printf '\t\t%s %s\n' "$user" "$(printf '%s' "$hash" | base64 -w0)"; done < "$dir/users.htpasswd"
      printf '\t}\n\treverse_proxy 127.0.0.1:%s\n}\n' $app_port; } > "$dir/Caddyfile"
    caddy run --config "$dir/Caddyfile" --adapter caddyfile > "$dir/caddy.log" 2>&1 & pids+=($!)
    caddy_url="http://127.0.0.1:$caddy_port/public/bench"
    await_answer "http://127.0.0.1:$caddy_port/"
  fi
  await_http "http://127.0.0.1:$app_port/health"; await_answer "http://127.0.0.1:$spring_port/api/"

  # Warm-up: every user's first /api request runs one bcrypt check, and so does Caddy's first
  # request of a user while its cache has room; give both the time, then the JIT.
  warm=$(awk -v n="$n" -v c="$cost" 'BEGIN {w = 5 + n * 0.06 * 2^(c - 10) * 0.75; printf "%d", w}')
  wrk -t2 -c"$connections" -d"${warm}s" -s "$dir/rotate.lua" "http://127.0.0.1:$app_port/api/bench" >/dev/null
  [ -n "$caddy_url" ] && wrk -t2 -c"$connections" -d"${warm}s" -s "$dir/rotate.lua" "$caddy_url" >/dev/null
  rps "http://127.0.0.1:$app_port/public/bench" "$dir/rotate.lua" >/dev/null
  checks=$(grep -c event=session_created "$dir/app.log" || true)
  ratios=(); pubs=(); apis=()
  for p in $(seq 1 "$pairs"); do
    pub=$(rps "http://127.0.0.1:$app_port/public/bench" "$dir/rotate.lua")
    api=$(rps "http://127.0.0.1:$app_port/api/bench" "$dir/rotate.lua")
    pubs+=("$pub"); apis+=("$api")
    ratios+=("$(awk -v a="$api" -v b="$pub" 'BEGIN {printf "%.3f", a / b}')")
    echo "  pair $p: /public $pub rps, /api $api rps, ratio ${ratios[-1]}"
  done
  spring=$(rps "http://127.0.0.1:$spring_port/api/bench" "$dir/rotate.lua")
  caddy=""; [ -n "$caddy_url" ] && caddy=$(rps "$caddy_url" "$dir/rotate.lua")
  echo "  spring-security $spring rps, caddy ${caddy:-n/a} rps, SessionGate password checks: $checks"
  echo "$n,$(printf '%s\n' "${pubs[@]}" | median),$(printf '%s\n' "${apis[@]}" | median),$(printf '%s\n' "${ratios[@]}" | median),$spring,$caddy" >> "$csv"
  stop
done
echo; column -s, -t "$csv"

if command -v gnuplot >/dev/null; then
  gnuplot <<GNUPLOT
set terminal pngcairo size 900,560 font ",11" noenhanced
set output "docs/bench-rps.png"
set datafile separator ","
set key outside below
set logscale xy
set xlabel "rotating Basic users (bcrypt cost $cost)"
set ylabel "requests/s (wrk, 2 threads, $connections connections)"
set title "Cached Basic authentication on 2 cores: higher is better"
set grid
plot "$csv" using 1:2 with linespoints lw 2 title "/public (no authentication)", \
     "" using 1:3 with linespoints lw 2 title "/api (SessionGate)", \
     "" using 1:5 with linespoints lw 2 title "Spring Security Basic + BCrypt", \
     "" using 1:6 with linespoints lw 2 title "Caddy basicauth + reverse_proxy"
GNUPLOT
  echo "chart: docs/bench-rps.png"
fi
