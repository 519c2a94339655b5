#!/usr/bin/env bash
# Unpacks promtool, Prometheus's checker of the text exposition format, into DEST for the
# metrics test (test_metrics.py runs `promtool check metrics` on every daemon's /metrics).
#
# Debian ships promtool only inside the `prometheus` package, and installing that package would
# also install and start a Prometheus server on port 9090 of a developer's machine; so the
# package is downloaded and only its promtool (a static binary, libc alone) is unpacked.
#   tests/e2e/get-promtool.sh build-test/promtool
# prints promtool's path. Idempotent: a second run downloads nothing.
set -euo pipefail
dest=$(mkdir -p "${1:?usage: get-promtool.sh DEST}" && cd "$1" && pwd)
binary="$dest/usr/bin/promtool"
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi
rm -rf "$dest/deb"
mkdir -p "$dest/deb"
if ! (cd "$dest/deb" && apt-get download -q prometheus >&2); then
  # A fresh machine may not have read its package lists yet.
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  (cd "$dest/deb" && apt-get download -q prometheus >&2)
fi
dpkg-deb --fsys-tarfile "$dest"/deb/prometheus_*.deb | tar -x -C "$dest" ./usr/bin/promtool
rm -rf "$dest/deb"
"$binary" --version >/dev/null
echo "$binary"
