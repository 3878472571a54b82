#!/usr/bin/env bash
# How the htpasswd fixtures were made (run once by hand; the outputs are checked in, and tests
# never run this). Needs Apache's htpasswd (Debian: apache2-utils) and openssl.
# Each user's password is "<user>-pw".
set -euo pipefail
cd "$(dirname "$0")"
out=users.htpasswd
: > "$out"
htpasswd -bB -C 5 "$out" bcrypt-2y bcrypt-2y-pw
# htpasswd writes $2y$ only; $2a$ and $2b$ name the same algorithm for ASCII passwords under
# 72 bytes, so a $2y$ hash with its prefix changed is a genuine $2a$ / $2b$ hash.
htpasswd -nbB -C 5 bcrypt-2a bcrypt-2a-pw | sed 's/\$2y\$/$2a$/' >> "$out"
htpasswd -nbB -C 5 bcrypt-2b bcrypt-2b-pw | sed 's/\$2y\$/$2b$/' >> "$out"
htpasswd -bm "$out" apr1-htpasswd apr1-htpasswd-pw
echo "apr1-openssl:$(openssl passwd -apr1 apr1-openssl-pw)" >> "$out"
echo "sha256-crypt:$(openssl passwd -5 sha256-crypt-pw)" >> "$out"
echo "sha512-crypt:$(openssl passwd -6 sha512-crypt-pw)" >> "$out"
htpasswd -bs "$out" sha1 sha1-pw
# A UTF-8 user name and password.
htpasswd -bB -C 5 "$out" "jürgen" "jürgen-pässwörd"
# A line this version refuses (plain text): skipped with a warning, never accepted.
echo "plain:plain-pw" >> "$out"
cat > users.htgroup <<'GROUPS'
# group: members
partners: bcrypt-2y apr1-htpasswd sha1
admins: bcrypt-2y
GROUPS
