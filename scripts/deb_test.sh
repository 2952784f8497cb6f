#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# deb_test.sh [OUT]: make deb-test (issue 17 item 4; not part of make test, which runs
# tests/*.test.sh). Builds the packages with scripts/deb.sh into OUT (build/deb), runs lintian
# on them (an error or a warning not overridden in dist/debian/*.lintian-overrides fails),
# compares each .deb's files, modes, owners, conffiles and maintainer scripts with the lists
# below; then installs both with dpkg into a throwaway root, an overlay of this machine's / in a
# mount namespace of its own (a chroot where the maintainer scripts run as on a real system and
# the packages' dependencies are there, while nothing reaches the real /), checks the account,
# the files, the enabled units and --version, and removes (collected data and configuration
# stay) and purges (they go) the packages. Exit 77, saying why, when a part cannot run here.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fail=0
bad() { echo "FAIL $*"; fail=1; }
skip() { echo "SKIP deb-test: $*"; exit 77; }
U=/lib/systemd/system # rules' UNITDIR

# --- expected contents: "mode owner path" (symlinks "l path -> target"), directories left out
files_perfcollector() {
	local p
	echo "-rw-r--r-- root/root /etc/perfcollector/perfcollectord.conf"
	for p in perfcollectord.service perfcollectord-server.service; do
		echo "-rw-r--r-- root/root $U/$p"
	done
	echo "-rwxr-xr-x root/root /usr/sbin/perfcollectord"
	echo "l /usr/sbin/pcc -> perfcollectord"
	echo "l /usr/sbin/pcc-container -> perfcollectord"
	for p in doc/perfcollector/changelog.gz doc/perfcollector/copyright \
		lintian/overrides/perfcollector man/man5/perfcollector-collection.5.gz \
		man/man5/perfcollector-pcc.5.gz man/man5/perfcollector.conf.5.gz man/man8/perfcollectord.8.gz; do
		echo "-rw-r--r-- root/root /usr/share/$p"
	done
	echo "l /usr/share/man/man8/pcc.8.gz -> perfcollectord.8.gz"
	echo "l /usr/share/man/man8/pcc-container.8.gz -> perfcollectord.8.gz"
}
files_perfprocessor() {
	local p
	echo "-rw-r--r-- root/root /etc/perfcollector/perfprocessord.conf"
	echo "-rw-r--r-- root/root $U/perfprocessord.service"
	echo "-rw-r--r-- root/root $U/perfprocessord.service.d/packaged.conf"
	for p in perfcontainers perfcpumeasure perfjournal perflicense perfload perfreplay; do
		echo "-rwxr-xr-x root/root /usr/bin/$p"
	done
	echo "l /usr/bin/pcprocess -> perfjournal"
	echo "-rwxr-xr-x root/root /usr/sbin/perfprocessord"
	for p in doc/perfprocessor/changelog.gz doc/perfprocessor/copyright \
		lintian/overrides/perfprocessor man/man1/perfcontainers.1.gz \
		man/man1/perfcpumeasure.1.gz man/man1/perfjournal.1.gz man/man1/perflicense.1.gz \
		man/man1/perfload.1.gz man/man1/perfreplay.1.gz man/man5/perfcollector-journal.5.gz \
		man/man8/perfprocessord.8.gz; do
		echo "-rw-r--r-- root/root /usr/share/$p"
	done
	echo "l /usr/share/man/man1/pcprocess.1.gz -> perfjournal.1.gz"
}
# a package without overrides has no overrides file
expected() { # PACKAGE
	if [ -s "$root/dist/debian/$1.lintian-overrides" ]; then "files_$1"; else "files_$1" | grep -v /lintian/; fi | sort
}

contents() { # DEB: what the package holds, in expected()'s form
	dpkg-deb -c "$1" | awk '{ p = $6; sub(/^\./, "", p)
		if ($1 ~ /^l/) print "l", p, "->", $8; else if ($1 !~ /^d/) print $1, $2, p }' | sort
}

check_deb() { # PACKAGE DEB
	local p=$1 deb=$2 d
	d=$(diff <(expected "$p") <(contents "$deb")) || bad "$p: contents differ from the list (< expected, > in the .deb):
$d"
	dpkg-deb -f "$deb" Depends | grep -q '\${' && bad "$p: unsubstituted Depends"
	[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || bad "$p: version $(dpkg-deb -f "$deb" Version), not $version"
	dpkg-deb -I "$deb" conffiles >"$tmp/conffiles" 2>/dev/null || bad "$p: no conffiles"
	grep -qx "/etc/perfcollector/${daemon[$p]}.conf" "$tmp/conffiles" ||
		bad "$p: /etc/perfcollector/${daemon[$p]}.conf is not a conffile ($(cat "$tmp/conffiles"))"
	# enabled, never started: no start (or restart) of a unit in the scripts, try-restart only
	dpkg-deb -I "$deb" postinst >"$tmp/postinst" || bad "$p: no postinst"
	if grep -En 'deb-systemd-invoke +(start|restart|\$_dh_action)|systemctl .*start' "$tmp/postinst"; then
		bad "$p: postinst starts a unit (above)"
	fi
	dpkg-deb -I "$deb" prerm 2>/dev/null | grep -q "deb-systemd-invoke stop ${daemon[$p]}.service" ||
		bad "$p: prerm does not stop ${daemon[$p]}.service on remove"
}

# --- in the throwaway root (run by unshare, in a mount namespace of its own)
ch() { chroot "$R" env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

mode_is() { # MODE OWNER PATH...
	local m=$1 o=$2 f got
	shift 2
	for f in "$@"; do
		got=$(ch stat -c '%a %U:%G' "$f" 2>&1)
		[ "$got" = "$m $o" ] || bad "$f: $got, want $m $o"
	done
}

status_is() { # WANT PACKAGE...
	local w=$1 p got
	shift
	for p in "$@"; do
		got=$(ch dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
		[ "$got" = "$w" ] || bad "$p: dpkg status '$got', want '$w'"
	done
}

exist() { local f; for f in "$@"; do ch test -e "$f" || ch test -L "$f" || bad "$f: missing"; done; }
gone() { local f; for f in "$@"; do { ch test -e "$f" || ch test -L "$f"; } && bad "$f: still there"; done; }

run() { # LOG CMD...: quiet unless it fails
	local log=$1
	shift
	"$@" >"$tmp/$log" 2>&1 && return 0
	bad "$* failed:"
	sed 's/^/    /' "$tmp/$log"
	return 1
}

fresh_root() { # the packages and their account must not be there before the install
	local p
	for p in perfcollector perfprocessor; do
		if ch dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed\|config-files'; then
			echo "deb-test: $p is installed on this machine: purged in the throwaway root first"
			run purge0 ch dpkg --purge "$p" || return 1
		fi
	done
	if ch getent passwd perfcollector >/dev/null; then
		echo "deb-test: this machine has a perfcollector account: removed in the throwaway root first"
		run userdel ch userdel perfcollector || return 1
	fi
	if ch getent group perfcollector >/dev/null; then run groupdel ch groupdel perfcollector || return 1; fi
	rm -rf "$R/var/lib/perfcollectord" "$R/var/lib/perfprocessord" "$R/var/lib/private/perfprocessord"
}

check_installed() {
	local pw bin
	status_is 'install ok installed' perfcollector perfprocessor
	pw=$(ch getent passwd perfcollector) || { bad "no perfcollector account after the install"; pw=::::::; }
	IFS=: read -r _ _ uid gid _ home shell <<<"$pw"
	{ [ "$uid" -ge 100 ] && [ "$uid" -lt 1000 ]; } 2>/dev/null || bad "perfcollector: uid '$uid' is not a system uid"
	[ "$(ch getent group perfcollector | cut -d: -f3)" = "$gid" ] || bad "perfcollector: primary group is not perfcollector"
	[ "$home" = /var/lib/perfcollectord ] || bad "perfcollector: home $home"
	[ "$shell" = /usr/sbin/nologin ] || bad "perfcollector: shell $shell"
	gone /var/lib/perfcollectord # systemd makes it when a unit starts
	mode_is 755 root:root /usr/sbin/perfcollectord /usr/sbin/perfprocessord /usr/bin/perfjournal \
		/usr/bin/perfreplay /usr/bin/perfcpumeasure /usr/bin/perfload /usr/bin/perflicense \
		/usr/bin/perfcontainers
	mode_is 644 root:root /etc/perfcollector/perfcollectord.conf /etc/perfcollector/perfprocessord.conf \
		$U/perfcollectord.service $U/perfcollectord-server.service $U/perfprocessord.service \
		$U/perfprocessord.service.d/packaged.conf /usr/share/man/man8/perfcollectord.8.gz \
		/usr/share/man/man1/perfjournal.1.gz
	for bin in /usr/sbin/perfcollectord /usr/sbin/pcc /usr/sbin/perfprocessord /usr/bin/perfjournal; do
		ch "$bin" --version 2>&1 | grep -qF " $version" || bad "$bin --version: '$(ch "$bin" --version 2>&1)', want $version"
	done
	ch man -w 8 pcc >/dev/null 2>&1 || bad "man -w 8 pcc: $(ch man -w 8 pcc 2>&1)"
	ch dpkg-query -W -f='${Conffiles}\n' perfcollector perfprocessor >"$tmp/conf"
	for f in perfcollectord perfprocessord; do
		grep -q "^ /etc/perfcollector/$f.conf " "$tmp/conf" || bad "/etc/perfcollector/$f.conf: not a conffile"
	done
	# enabled (a link in multi-user.target.wants) but for the server unit; nothing started: this
	# root has no systemd, and the scripts start nothing (check_deb)
	local w=/etc/systemd/system/multi-user.target.wants
	exist $w/perfcollectord.service $w/perfprocessord.service
	gone $w/perfcollectord-server.service
	ch grep -qx 'ConditionPathExists=/etc/perfcollector/perfprocessord_ed25519' \
		$U/perfprocessord.service.d/packaged.conf || bad "perfprocessord: no ConditionPathExists drop-in"
}

collected() { # what running would have left, and the administrator's edits
	mkdir -p "$R/var/lib/perfcollectord/.perfcollectord/data" "$R/var/lib/private/perfprocessord"
	echo sample >"$R/var/lib/perfcollectord/.perfcollectord/data/host-1.pcol"
	echo journal >"$R/var/lib/private/perfprocessord/journal"
	ln -s private/perfprocessord "$R/var/lib/perfprocessord"
	echo 'frequency=2s' >>"$R/etc/perfcollector/perfcollectord.conf"
	install -m 0600 /dev/null "$R/etc/perfcollector/perfprocessord_ed25519"
}
data=(/var/lib/perfcollectord/.perfcollectord/data/host-1.pcol /var/lib/perfprocessord/journal)

in_root() { # OUT DIR: DIR, an empty directory, holds the overlay (a tmpfs in this namespace)
	local t=$2 st deb w=/etc/systemd/system/multi-user.target.wants
	tmp=$t/log
	mount -t tmpfs -o mode=0755 pcdeb "$t" || skip "install: cannot mount a tmpfs on $t"
	mkdir "$t/upper" "$t/work" "$t/root" "$t/log"
	mount -t overlay pcdeb -o "lowerdir=/,upperdir=$t/upper,workdir=$t/work" "$t/root" ||
		skip "install: cannot mount an overlay of / on $t/root"
	R=$t/root
	mount --bind /dev "$R/dev" && mount -t proc proc "$R/proc" || skip "install: cannot mount /dev and /proc in $R"
	echo "== install, remove, purge in an overlay of / ($R, in this test's mount namespace)"
	fresh_root || exit 1
	mkdir -p "$R/tmp/pcdeb"
	cp "$1"/perfcollector_"$version"_*.deb "$1"/perfprocessor_"$version"_*.deb "$R/tmp/pcdeb/"
	run install ch sh -c 'dpkg -i /tmp/pcdeb/*.deb' || exit 1
	check_installed
	collected

	run remove ch dpkg --remove perfcollector perfprocessor || exit 1
	status_is 'deinstall ok config-files' perfcollector perfprocessor
	gone /usr/sbin/perfcollectord /usr/sbin/pcc /usr/sbin/perfprocessord /usr/bin/perfjournal \
		$U/perfcollectord.service $U/perfprocessord.service /usr/share/man/man8/perfcollectord.8.gz
	exist "${data[@]}" /etc/perfcollector/perfcollectord.conf /etc/perfcollector/perfprocessord.conf
	ch grep -qx 'frequency=2s' /etc/perfcollector/perfcollectord.conf || bad "remove: the edited configuration changed"
	ch getent passwd perfcollector >/dev/null || bad "remove: the perfcollector account is gone"

	run purge ch dpkg --purge perfcollector perfprocessor || exit 1
	for deb in perfcollector perfprocessor; do
		st=$(ch dpkg-query -W -f='${Status}' "$deb" 2>/dev/null)
		case $st in '' | *not-installed) ;; *) bad "purge: $deb is '$st'" ;; esac
	done
	gone "${data[@]}" /var/lib/perfcollectord /var/lib/perfprocessord /var/lib/private/perfprocessord \
		/etc/perfcollector/perfcollectord.conf /etc/perfcollector/perfprocessord.conf \
		$w/perfcollectord.service $w/perfprocessord.service
	# kept on purge (docs/INSTALL.md): the administrator's key, and the account
	exist /etc/perfcollector/perfprocessord_ed25519
	ch getent passwd perfcollector >/dev/null || bad "purge: the perfcollector account was removed"
	exit "$fail"
}

if [ "${1:-}" = --in-root ]; then
	version=$3
	in_root "$2" "$4"
fi

# --- the build and lintian
for t in dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian; do
	command -v "${t%%:*}" >/dev/null || skip "${t%%:*} missing (apt-get install ${t#*:}; make deb-test installs it)"
done
out=${1:-$root/build/deb}
case $out in /*) ;; *) out=$PWD/$out ;; esac
tmp=$(mktemp -d /tmp/pcdebtest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
declare -A daemon=([perfcollector]=perfcollectord [perfprocessor]=perfprocessord)

echo "== make deb (scripts/deb.sh; its log: $tmp/build)"
changes=$("$root/scripts/deb.sh" "$out" 2>"$tmp/build") || {
	tail -n 60 "$tmp/build"
	echo "FAIL make deb (the log's end above; whole: $tmp/build)"
	trap - EXIT
	exit 1
}
version=$(sed -n 's/^Version: //p' "$changes")
echo "built $version: $(cd "$out" && ls ./*.deb | tr '\n' ' ')"

echo "== lintian"
lintian --fail-on error,warning --display-info --show-overrides "$changes" >"$tmp/lintian" 2>&1
rc=$?
sed 's/^/    /' "$tmp/lintian"
[ $rc -eq 0 ] || bad "lintian: an error or warning that no override in dist/debian explains (above; exit $rc)"

echo "== contents"
for p in perfcollector perfprocessor; do
	check_deb "$p" "$(ls "$out/${p}_${version}"_*.deb)"
done

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP install: needs root (mounts an overlay of /)"
	[ $fail -eq 0 ] && exit 77
	exit 1
fi
command -v unshare >/dev/null || { echo "SKIP install: no unshare"; [ $fail -eq 0 ] && exit 77; exit 1; }
t=$(mktemp -d /tmp/pcdeb.XXXXXX)
unshare --mount --propagation private bash "$0" --in-root "$out" "$version" "$t"
rc=$?
rmdir "$t"
case $rc in
0) ;;
77) [ $fail -eq 0 ] && exit 77 ;;
*) fail=1 ;;
esac
[ $fail -eq 0 ] && echo "deb-test: ok ($version)"
exit $fail
