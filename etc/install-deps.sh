#!/usr/bin/env bash
# Installs the Debian 12 packages mailsuite needs to build, run and test, and nothing else.
# Quick when everything is present: it asks dpkg first and calls apt-get only for what is missing.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  ccache  # tests/run.sh: a rebuild, or another clone of the same sources (CI's), reuses objects
  libpoco-dev libcxxopts-dev libsqlite3-dev libc-ares-dev libargon2-dev libssl-dev zlib1g-dev
  libgtest-dev libgmock-dev
  clang libclang-rt-14-dev  # libFuzzer for tests/fuzz/run.sh
  openssl python3 curl netcat-openbsd sqlite3 swaks libnet-ssleay-perl fetchmail isync
  publicsuffix  # the Public Suffix List for DMARC alignment (mta/dmarc)
  python3-dkim  # dkimpy: the independent DKIM implementation the interop tests check against
  libpq-dev  # the store's PostgreSQL backend (store.backend = postgresql)
  postgresql-15 postgresql-client-15  # the tests' private PostgreSQL cluster (tests/pg)
  python3-milter  # Sendmail's libmilter for Python: the test filter of e2e.test_milter
  rspamd redis-server  # the spam filter e2e.test_rspamd starts with a private configuration
  sieve-connect  # a real ManageSieve client for e2e.test_managesieve
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
