#!/usr/bin/env bash
# Builds Dovecot's imaptest for the conformance test (test_imaptest.py) into DEST, from the
# workplace's copy beside the clone (../shared/tools/imaptest: source, patch and build.sh). That
# folder is the one thing outside the repository the suite may use; without it this prints so
# and exits 0, and the conformance test reports itself skipped.
#
# imaptest links against libdovecot, which Debian ships only in dovecot-core. Installing that
# package would also install and enable a Dovecot service on ports 143 and 993 of a developer's
# machine, so the package is downloaded and unpacked under DEST instead; only the build tools,
# dovecot-dev (headers) and libdovecot's own libraries are installed.
#   tests/conformance/build-imaptest.sh build-test/imaptest
# prints the imaptest binary's path and, on the next line, the folder with its scripted tests.
# Idempotent: a second run installs and builds nothing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dest=$(mkdir -p "${1:?usage: build-imaptest.sh DEST}" && cd "$1" && pwd)
tools="$repo/../shared/tools/imaptest"
if [ ! -f "$tools/build.sh" ]; then
  echo "build-imaptest: $tools not found: the IMAP conformance test will be SKIPPED" >&2
  exit 0
fi

binary="$dest/build/source/src/imaptest"
libdir="$dest/dovecot-core/usr/lib/dovecot"
if [ -x "$binary" ] && [ -f "$libdir/libdovecot.so.0" ]; then
  echo "$binary"
  echo "$dest/build/tests"
  exit 0
fi

packages=(dovecot-dev autoconf automake libtool pkg-config make gcc libunwind8 liblzma5)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
if [ ${#missing[@]} -gt 0 ]; then
  echo "build-imaptest: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
fi

if [ ! -f "$libdir/libdovecot.so.0" ]; then
  # The same version as dovecot-dev: both come from the same source package.
  version=$(dpkg-query -W -f='${Version}' dovecot-dev)
  rm -rf "$dest/deb" "$dest/dovecot-core"
  mkdir -p "$dest/deb"
  (cd "$dest/deb" && apt-get download -q "dovecot-core=$version" >&2)
  dpkg-deb -x "$dest"/deb/dovecot-core_*.deb "$dest/dovecot-core"
fi

# build.sh links with -ldovecot from /usr/lib/dovecot; the unpacked copy stands in for it.
LIBRARY_PATH="$libdir${LIBRARY_PATH:+:$LIBRARY_PATH}" bash "$tools/build.sh" "$dest/build" >&2 ||
  { echo "build-imaptest: build failed; logs in $dest/build/*.log" >&2; exit 1; }
echo "$binary"
echo "$dest/build/tests"
