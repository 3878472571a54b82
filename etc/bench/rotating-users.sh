#!/usr/bin/env bash
# Writes DIR/users.htpasswd with N users (bcrypt cost ${COST:-10}: userI / password-I) and
# DIR/rotate.lua, a wrk script that sends their Basic credentials in turn, POST with a small body.
#   etc/bench/rotating-users.sh N DIR
set -euo pipefail
users=$1; dir=$2; cost=${COST:-10}
: > "$dir/users.htpasswd"
{
  echo "headers = {"
  for i in $(seq 1 "$users"); do
    htpasswd -bB -C "$cost" "$dir/users.htpasswd" "user$i" "password-$i" 2>/dev/null
    echo "  \"Basic $(printf 'user%s:password-%s' "$i" "$i" | base64 -w0)\","
  done
  echo "}"
  cat <<'LUA'
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", nil, { ["Authorization"] = headers[(i % #headers) + 1] }, "{}")
end
LUA
} > "$dir/rotate.lua"
