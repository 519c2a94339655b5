#!/usr/bin/env bash
# Quick start: installs what is missing, builds, creates an embedded setup under ./var (config,
# SQLite store, self-signed certificate, domain example.test with user demo@example.test) and
# runs the three daemons in the foreground on unprivileged loopback ports. Ctrl-C stops them.
# Running it again reuses ./var and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

etc/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAILSUITE_TESTS=OFF >/dev/null
cmake --build build -j2 -- --no-print-directory |
  { grep -v -E '^\[ *[0-9]+%\] (Built|Building|Linking)' || true; }

var="$PWD/var"
conf="$var/mailsuite.conf"
metrics="mta=127.0.0.1:19150, pop3d=127.0.0.1:19151, imapd=127.0.0.1:19152"
cli=(build/store/mailsuite --config "$conf")
if [ ! -f "$conf" ]; then
  "${cli[@]}" init --hostname localhost --domain example.test \
    --set store.path=mailsuite.db \
    --set tls.certificate=tls/cert.pem --set tls.private_key=tls/key.pem \
    --set smtp.listen=127.0.0.1:2525 --set smtp.submission_listen=127.0.0.1:2587 \
    --set smtp.submissions_listen=127.0.0.1:2465 \
    --set pop3.listen=127.0.0.1:1110 --set pop3.tls_listen=127.0.0.1:1995 \
    --set imap.listen=127.0.0.1:1143 --set imap.tls_listen=127.0.0.1:1993 \
    --set imap.managesieve_listen=127.0.0.1:14190 \
    --set "metrics.listen=$metrics"
fi
# A config written before ManageSieve existed would have it on 0.0.0.0:4190, and one written
# before monitoring existed has no [metrics].
extra=()
grep -q '^managesieve_listen' "$conf" || extra+=(--set imap.managesieve_listen=127.0.0.1:14190)
grep -q '^\[metrics\]' "$conf" || extra+=(--set "metrics.listen=$metrics")
"${cli[@]}" init --domain example.test >/dev/null  # repairs a missing database or certificate
if [ ! -s "$var/demo-password" ]; then
  (umask 077; openssl rand -hex 8 > "$var/demo-password")
  "${cli[@]}" user add demo@example.test < "$var/demo-password" >/dev/null 2>&1 ||
    "${cli[@]}" user passwd demo@example.test < "$var/demo-password" >/dev/null
fi

pids=()
stop() {
  trap - INT TERM
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  echo "mailsuite stopped."
}
trap stop INT TERM
for d in mta pop3d imapd; do
  "build/$d/mailsuite-$d" --config "$conf" "${extra[@]}" &
  pids+=($!)
done
sleep 1
cat <<INFO

mailsuite is running (config $conf). Try:
  telnet localhost 2525      SMTP (submission: 2587 STARTTLS, 2465 TLS)
  telnet localhost 1110      POP3 (1995 TLS)
  telnet localhost 1143      IMAP (1993 TLS)
  telnet localhost 14190     ManageSieve (Sieve filters; sieve-connect, Roundcube)
  curl localhost:19150/metrics   Prometheus metrics (pop3d 19151, imapd 19152; also /healthz)
Demo account: demo@example.test, password $(cat "$var/demo-password")
Ctrl-C stops all three daemons.

INFO
# Stop everything when any daemon ends on its own (a crash, a port already in use).
wait -n "${pids[@]}" || true
stop
