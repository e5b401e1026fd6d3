#!/usr/bin/env bash
# Sets up a fresh Debian machine for tokenbridge: system libraries, npm packages, a build.
# Idempotent; run as root or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

# libusb-1.0-0: the node-hid prebuilt binary links it. chromium and firefox-esr: the browser tests
# drive them. systemd: systemd-analyze and systemd-sysusers check the shipped units.
# python3-yubikey-manager: Yubico's yubikit, a real client of the virtual key (test/yubikit).
# postgresql: the fleet store's tests and benchmarks start throwaway clusters of their own with its
# server binaries (initdb, pg_ctl under /usr/lib/postgresql/VERSION/bin); openssl makes their TLS
# certificates.
APT_PACKAGES=(libusb-1.0-0 chromium firefox-esr systemd python3-yubikey-manager postgresql openssl)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  # Debian's postgresql would create and start a "main" cluster of its own on port 5432; the tests
  # need only the binaries, so tell postgresql-common not to (before the package is installed).
  if [[ " ${missing[*]} " == *" postgresql "* ]] && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    $SUDO mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  $SUDO apt-get update -qq
  # --force-confold keeps the createcluster.conf written above when the package brings its own.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
