#!/usr/bin/env bash
# Sets up a fresh Debian machine for tokenbridge: system libraries, npm packages, a build.
# Idempotent; run as root or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

# libusb-1.0-0: the node-hid prebuilt binary links it. chromium and firefox-esr: the browser tests
# drive them. systemd: systemd-analyze and systemd-sysusers check the shipped units.
# python3-yubikey-manager: Yubico's yubikit, a real client of the virtual key (test/yubikit).
APT_PACKAGES=(libusb-1.0-0 chromium firefox-esr systemd python3-yubikey-manager)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
