#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# deb.sh [OUT]: make deb. Builds the Debian packages perfcollector and perfprocessor with
# debhelper (dist/debian) into OUT (build/deb): copies the source (the files git knows, as they
# are in the work tree, or the whole tree outside a clone) and uPlot's node_modules into
# OUT/src, puts dist/debian there as debian/, writes debian/changelog with the version
# scripts/version.sh gives (PC_VERSION, else git describe, else VERSION; '-' becomes '+' to
# make a native Debian version), then runs dpkg-buildpackage -us -uc -b with DEB_JOBS
# parallel jobs (default: one per CPU). Prints the .changes file's path last.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/deb}
die() { echo "deb: $*" >&2; exit 1; }

for t in dpkg-buildpackage:dpkg-dev dh:debhelper dh_installsystemd:debhelper; do
	command -v "${t%%:*}" >/dev/null || die "${t%%:*} missing: apt-get install ${t#*:} (scripts/deps.sh deb)"
done
[ -f "$root/node_modules/uplot/dist/uPlot.iife.min.js" ] ||
	die "$root/node_modules/uplot: missing (make deb fetches it with npm ci)"

upstream=$("$root/scripts/version.sh")
version=$(printf '%s' "${upstream#v}" | tr -- - +)
[[ $version =~ ^[0-9][0-9A-Za-z.+~]*$ ]] ||
	die "version '$upstream' (scripts/version.sh) does not make a Debian version ('$version')"

case $out in /*) ;; *) out=$PWD/$out ;; esac
src=$out/src
rm -rf "$out"
mkdir -p "$src"
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$root" ls-files -z --cached --others --exclude-standard | (
		cd "$root"
		while IFS= read -r -d '' f; do
			if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
		done
	) | tar -C "$root" --null -T - -cf - | tar -C "$src" -xf -
else
	tar -C "$root" --exclude=./build --exclude=./node_modules --exclude=./run-output -cf - . |
		tar -C "$src" -xf -
fi
# uPlot as npm ci left it (its files newer than package-lock.json: the build does not fetch)
mkdir -p "$src/node_modules"
cp -a "$root/node_modules/uplot" "$src/node_modules/"
rm -rf "$src/debian"
cp -a "$root/dist/debian" "$src/debian"

maint=$(sed -n 's/^Maintainer: //p' "$root/dist/debian/control")
# the commit's date when there is one, so that the same commit builds the same packages
when=$(git -C "$root" log -1 --format=%aD 2>/dev/null) || when=
[ -n "$when" ] || when=$(date -R)
cat >"$src/debian/changelog" <<EOF
perfcollector ($version) unstable; urgency=medium

  * Built by make deb from perfcollector $upstream.

 -- $maint  $when
EOF

echo "deb: perfcollector $version in $src" >&2
(cd "$src" && dpkg-buildpackage -us -uc -b "-J${DEB_JOBS:-auto}") >&2 || die "dpkg-buildpackage failed in $src"
changes=$(ls "$out"/perfcollector_"$version"_*.changes)
echo "deb: built $(cd "$out" && ls ./*.deb | tr '\n' ' ')" >&2
echo "$changes"
