#!/usr/bin/env bash
# Gateway mode against nginx, Caddy and the bare reverse proxies of each candidate stack, in one
# run, all in front of the same upstream (a standalone jar's unprotected /public/, a Jetty servlet):
#   upstream       wrk straight to the upstream
#   nginx          nginx proxy_pass, keep-alive upstream pool, no authentication (Debian nginx-light)
#   gateway        SessionGate's gateway (target/sessiongate-standalone.jar), cached Basic sessions
#   gateway-b      the same with GATEWAY_B_JAR (an A/B pair of two jars), only when that is set
#   caddy          Caddy basicauth + reverse_proxy
#   jetty-core     Jetty 12's ProxyHandler.Reverse, no servlets, no authentication (BareJettyProxy)
#   jetty-servlet  Jetty's ProxyServlet as the gateway configures it, no filter (BareServletProxy)
#   netty          a bare Netty 4.2 HTTP/1.1 keep-alive proxy with a per-loop pool (NettyProxy)
#   netty-epoll    the same on Netty's native epoll transport instead of the JDK's NIO selector
# For each scenario (users:bcrypt cost) it makes the users, warms every system (WARM s, at least 15),
# then runs ROUNDS rounds of wrk -t2 -cCONNECTIONS POSTs (rotating Basic users) against each system
# in turn, SECONDS_EACH s each. Prints each round, then per system the medians of requests/s, of
# the per-round ratios to the upstream and to nginx, and of p99; the load average goes with every
# round, and the CPU time each system spent per request (its process and children, from /proc:
# the upstream's, wrk's and the others' not counted). Later scenarios run LATER_SYSTEMS only (the
# ceilings do not depend on the users).
# Needs wrk, htpasswd, nginx, caddy, curl. Targets 127.0.0.1 only; every process stops at the end.
#
#   SCENARIOS="50:10 3000:8" ROUNDS=3 SECONDS_EACH=10 etc/bench/gateway-vs-nginx.sh
#   GATEWAY_B_JAR=/tmp/old.jar SYSTEMS="gateway gateway-b" LATER_SYSTEMS="gateway gateway-b" etc/bench/gateway-vs-nginx.sh
#   GATEWAY_B_JAR=target/sessiongate-standalone.jar GATEWAY_B_OPTS="-XX:+UseParallelGC" ...   (an A/B of JVM options:
#   GATEWAY_OPTS go to both gateways unless GATEWAY_B_OPTS is set; GATEWAY_B_JAVA: another JDK's java for gateway-b)
set -euo pipefail
cd "$(dirname "$0")/../.."
. etc/bench/lib.sh
scenarios=${SCENARIOS:-50:10 3000:8}; rounds=${ROUNDS:-3}; seconds=${SECONDS_EACH:-10}
connections=${CONNECTIONS:-32}; warm_min=${WARM:-15}
all="upstream nginx gateway${GATEWAY_B_JAR:+ gateway-b} caddy jetty-core jetty-servlet netty netty-epoll"
systems=${SYSTEMS:-$all}; later_systems=${LATER_SYSTEMS:-upstream nginx gateway${GATEWAY_B_JAR:+ gateway-b}}
base=${PORT_BASE:-18300}
declare -A port=([upstream]=$base [nginx]=$((base + 1)) [gateway]=$((base + 2)) [gateway-b]=$((base + 3))
  [caddy]=$((base + 4)) [jetty-core]=$((base + 5)) [jetty-servlet]=$((base + 6)) [netty]=$((base + 7)) [netty-epoll]=$((base + 8)))
for tool in wrk htpasswd nginx caddy java curl; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install wrk apache2-utils nginx-light caddy curl)" >&2; exit 1; }
done
[ -n "${SKIP_BUILD:-}" ] || mvn -B -q -P bench package -DskipTests   # a stale jar would measure old code
work=$(mktemp -d)
mvn -B -q -o -P bench dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null
classpath="target/test-classes:target/classes:$(cat "$work/cp.txt")"
pids=(); app_pid=""
stop() { # the scenario's servers; a bare `wait` would also wait for the upstream
  [ "${#pids[@]}" -eq 0 ] || { kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; }
  pids=()
}
trap 'stop; [ -z "$app_pid" ] || kill "$app_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
cpu_ticks() { # pid → CPU time (user + system, in clock ticks) of it and its children (nginx's workers)
  local pid ticks=0
  for pid in "$1" $(pgrep -P "$1" || true); do
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$ticks"
}
tick_micros=$((1000000 / $(getconf CLK_TCK)))

run() { # url seconds lua → "requests/s p99-in-ms"; a proxy that answered anything but 2xx is no figure
  wrk -t2 -c"$connections" -d"${2}s" --latency -s "$3" "$1" | awk -v url="$1" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    $1 == "99%" { p99 = ms($2) }
    /Requests\/sec/ { rps = $2 }
    /Non-2xx/ { printf "warning: %s answered %s non-2xx responses\n", url, $NF > "/dev/stderr" }
    END { printf "%s %.2f\n", rps, p99 }'
}

url() { # system → the URL wrk sends to (every proxy maps /bench to the upstream's /public/bench)
  case $1 in upstream) echo "http://127.0.0.1:${port[upstream]}/public/bench" ;;
    caddy) echo "http://127.0.0.1:${port[caddy]}/public/bench" ;;
    *) echo "http://127.0.0.1:${port[$1]}/bench" ;; esac
}

start() { # system dir → starts it in the background
  local upstream="http://127.0.0.1:${port[upstream]}/public" jvm="-Xms256m -Xmx1g"
  case $1 in
    upstream) return ;;
    nginx)
      mkdir -p "$2/nginx"
      cat > "$2/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $2/nginx/nginx.pid;
error_log $2/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $2/nginx/body; proxy_temp_path $2/nginx/proxy;
  fastcgi_temp_path $2/nginx/fastcgi; uwsgi_temp_path $2/nginx/uwsgi; scgi_temp_path $2/nginx/scgi;
  upstream app { server 127.0.0.1:${port[upstream]}; keepalive 64; }
  server {
    listen 127.0.0.1:${port[nginx]};
    location / { proxy_pass http://app/public/; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
EOF
      nginx -p "$2/nginx" -e "$2/nginx/error.log" -c "$2/nginx/nginx.conf" -g 'daemon off;' > "$2/nginx.log" 2>&1 & pids+=($!) ;;
    gateway|gateway-b)
      local jar=target/sessiongate-standalone.jar opts=${GATEWAY_OPTS:-} jre=java
      [ "$1" = gateway ] || { jar=$GATEWAY_B_JAR; opts=${GATEWAY_B_OPTS-$opts}; jre=${GATEWAY_B_JAVA:-java}; }
      # shellcheck disable=SC2086 # several JVM options, e.g. for JFR
      "$jre" -Xms512m -Xmx1g $opts -jar "$jar" --config "$2/gate.properties" --port="${port[$1]}" \
        --upstream.url="$upstream" > "$2/$1.log" 2>&1 & pids+=($!) ;;
    caddy)
      { printf '{\n\tadmin off\n\tauto_https off\n}\n:%s {\n\tbasicauth {\n' "${port[caddy]}"
        while IFS=: read -r user hash; do printf '\t\t%s %s\n' "$user" "$(printf '%s' "$hash" | base64 -w0)"; done < "$2/users.htpasswd"
        printf '\t}\n\treverse_proxy 127.0.0.1:%s\n}\n' "${port[upstream]}"; } > "$2/Caddyfile"
      caddy run --config "$2/Caddyfile" --adapter caddyfile > "$2/caddy.log" 2>&1 & pids+=($!) ;;
    jetty-core) java $jvm -cp "$classpath" dev.sessiongate.bench.BareJettyProxy "${port[$1]}" "$upstream" > "$2/$1.log" 2>&1 & pids+=($!) ;;
    jetty-servlet) java $jvm -cp "$classpath" dev.sessiongate.bench.BareServletProxy "${port[$1]}" "$upstream" > "$2/$1.log" 2>&1 & pids+=($!) ;;
    netty) java $jvm -cp "$classpath" dev.sessiongate.bench.NettyProxy "${port[$1]}" "$upstream" > "$2/$1.log" 2>&1 & pids+=($!) ;;
    netty-epoll) java $jvm -cp "$classpath" dev.sessiongate.bench.NettyProxy "${port[$1]}" "$upstream" "$(nproc)" epoll > "$2/$1.log" 2>&1 & pids+=($!) ;;
    *) echo "unknown system: $1" >&2; exit 1 ;;
  esac
}

printf 'users.file=users.htpasswd\nkey.secret=bench-secret-0123456789abcdef\n' > "$work/app.properties"
: > "$work/users.htpasswd"   # the upstream serves /public/ only: no users
java -Xms256m -Xmx1g -jar target/sessiongate-standalone.jar --config "$work/app.properties" --port="${port[upstream]}" \
  > "$work/app.log" 2>&1 & app_pid=$!
await_http "http://127.0.0.1:${port[upstream]}/health"

summary=(); first=1
for scenario in $scenarios; do
  n=${scenario%%:*}; cost=${scenario##*:}; dir="$work/$n"; mkdir -p "$dir"
  [ "$first" = 1 ] && these=$systems || these=$later_systems; first=0
  echo "== $n rotating users, bcrypt cost $cost: $these (load $(loadavg))"
  COST=$cost etc/bench/rotating-users.sh "$n" "$dir"
  printf 'users.file=users.htpasswd\nkey.secret=bench-secret-0123456789abcdef\nsessions.max-per-ip=100000\n' > "$dir/gate.properties"
  declare -A spid=()
  for s in $these; do start "$s" "$dir"; if [ "$s" = upstream ]; then spid[$s]=$app_pid; else spid[$s]=${pids[-1]}; fi; done
  for s in $these; do case $s in gateway*) await_http "http://127.0.0.1:${port[$s]}/health" ;; *) await_answer "$(url "$s")" ;; esac; done
  # Warm-up: SessionGate checks each user's password once, Caddy fills its cache; at least 15 s for the JITs.
  warm=$(awk -v n="$n" -v c="$cost" -v m="$warm_min" 'BEGIN {w = 5 + n * 0.06 * 2^(c - 10) * 0.75; printf "%d", w < m ? m : w}')
  for s in $these; do
    case $s in gateway*|caddy) w=$warm ;; *) w=$warm_min ;; esac
    run "$(url "$s")" "$w" "$dir/rotate.lua" >/dev/null
    case $s in gateway*) # on a loaded machine the passwords take longer: on until each user was checked once
      for _ in $(seq 1 30); do
        [ "$(grep -c event=session_created "$dir/$s.log" || true)" -ge "$n" ] && break
        run "$(url "$s")" "$warm_min" "$dir/rotate.lua" >/dev/null
      done ;;
    esac
  done
  declare -A rps=() p99=() to_up=() to_nginx=() cpu=()
  for r in $(seq 1 "$rounds"); do
    declare -A got=()
    line="  round $r (load $(loadavg)):"
    for s in $these; do
      t0=$(cpu_ticks "${spid[$s]}")
      read -r q p <<<"$(run "$(url "$s")" "$seconds" "$dir/rotate.lua")"
      # the system's own CPU per request (the upstream's, wrk's and the other systems' not counted)
      c=$(awk -v t="$(( $(cpu_ticks "${spid[$s]}") - t0 ))" -v u="$tick_micros" -v q="$q" -v s="$seconds" 'BEGIN {printf "%.1f", t * u / (q * s)}')
      got[$s]=$q; rps[$s]+="$q "; p99[$s]+="$p "; cpu[$s]+="$c "; line+=" $s $q rps p99 $p ms cpu $c us/req;"
    done
    for s in $these; do
      [ -z "${got[upstream]:-}" ] || to_up[$s]+="$(awk -v a="${got[$s]}" -v b="${got[upstream]}" 'BEGIN {printf "%.3f", a / b}') "
      [ -z "${got[nginx]:-}" ] || to_nginx[$s]+="$(awk -v a="${got[$s]}" -v b="${got[nginx]}" 'BEGIN {printf "%.3f", a / b}') "
    done
    echo "$line"
  done
  checks=$(grep -c event=session_created "$dir/gateway.log" || true)
  summary+=("users=$n cost=$cost load at the end $(loadavg); gateway password checks $checks")
  if [ -n "${rps[gateway-b]:-}" ]; then # the A/B pair: the ratio of each round, and their median
    ab=$(paste -d' ' <(printf '%s\n' ${rps[gateway]}) <(printf '%s\n' ${rps[gateway-b]}) | awk '{printf "%.3f\n", $1 / $2}')
    summary+=("  gateway ÷ gateway-b per round: $(echo $ab); median $(printf '%s\n' $ab | median)")
  fi
  summary+=("$(printf '  %-14s %10s %10s %10s %9s %10s  %s' system rps ×upstream ×nginx p99ms cpu-us/req 'ratios to nginx per round')")
  for s in $these; do
    m() { [ -z "$1" ] && echo - || printf '%s\n' $1 | median; }
    summary+=("$(printf '  %-14s %10s %10s %10s %9s %10s  %s' "$s" "$(m "${rps[$s]}")" "$(m "${to_up[$s]:-}")" \
      "$(m "${to_nginx[$s]:-}")" "$(m "${p99[$s]}")" "$(m "${cpu[$s]}")" "${to_nginx[$s]:-}")")
  done
  stop
done
echo; printf '%s\n' "${summary[@]}"
