#!/usr/bin/env bash
# Install the Debian packages perfcollector builds, tests and benchmarks with, when missing.
# Fast when everything is there (one dpkg-query); needs root (or sudo) otherwise.
# `deps.sh deb` (make deb-test): those and Debian's packaging tools besides.
set -euo pipefail
pkgs=(make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev libssh-dev libsodium-dev
      libcmocka-dev libseccomp-dev pkg-config iproute2 openssh-client sysstat atop stress-ng fio python3 chromium
      libpq-dev postgresql postgresql-client libsnappy-dev victoria-metrics groff-base man-db systemd)
[ "${1:-}" = deb ] && pkgs+=(debhelper dpkg-dev fakeroot lintian adduser)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm fetches uPlot for the HTML report at build time (package.json); any node will do (checked
# by command, not by package name: a node from elsewhere counts).
command -v npm >/dev/null || missing+=(nodejs npm)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
