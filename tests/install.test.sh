#!/usr/bin/env bash
# make install / make uninstall (issue 17 item 3): install the build of PC_BIN into a temporary
# DESTDIR, compare every path, type and mode with the list below, check that the units name the
# installed programs, that the configuration files hold every key of the daemons' option tables
# commented out, that the aliases' man pages resolve; uninstall and check the tree is empty.
# Then PREFIX=/usr MANGZIP=1 (configuration in /etc, gzipped pages), and an edited configuration
# file, which uninstall must keep.
set -uo pipefail
B=${PC_BIN:?}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/pcinst.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }

mk() { # TARGET DESTDIR [VAR=VALUE...]
	local t=$1 d=$2
	shift 2
	make -s -C "$root" "$t" BUILD="$(dirname "$B")" DESTDIR="$d" "$@" >"$tmp/make.out" 2>&1 ||
		{ bad "make $t $*:"; sed 's/^/    /' "$tmp/make.out"; return 1; }
}

# mode path (symlinks: "l path -> target"), relative to DESTDIR, for the default PREFIX
expected() {
	local p
	for p in usr usr/local usr/local/bin usr/local/etc usr/local/etc/perfcollector usr/local/lib \
		usr/local/lib/systemd usr/local/lib/systemd/system usr/local/sbin usr/local/share \
		usr/local/share/man usr/local/share/man/man1 usr/local/share/man/man5 \
		usr/local/share/man/man8 usr/local/share/perfcollector; do echo "drwxr-xr-x $p"; done
	for p in perfcontainers perfcpumeasure perfjournal perflicense perfload perfreplay; do
		echo "-rwxr-xr-x usr/local/bin/$p"
	done
	for p in perfcollectord perfprocessord; do echo "-rwxr-xr-x usr/local/sbin/$p"; done
	echo "l usr/local/bin/pcprocess -> perfjournal"
	echo "l usr/local/sbin/pcc -> perfcollectord"
	echo "l usr/local/sbin/pcc-container -> perfcollectord"
	for p in etc/perfcollector/perfcollectord.conf etc/perfcollector/perfprocessord.conf \
		lib/systemd/system/perfcollectord.service lib/systemd/system/perfcollectord-server.service \
		lib/systemd/system/perfprocessord.service share/perfcollector/install-manifest \
		share/man/man1/pcprocess.1 share/man/man1/perfcontainers.1 share/man/man1/perfcpumeasure.1 \
		share/man/man1/perfjournal.1 share/man/man1/perflicense.1 share/man/man1/perfload.1 \
		share/man/man1/perfreplay.1 share/man/man5/perfcollector-collection.5 \
		share/man/man5/perfcollector.conf.5 share/man/man5/perfcollector-journal.5 share/man/man5/perfcollector-pcc.5 \
		share/man/man8/pcc.8 share/man/man8/pcc-container.8 share/man/man8/perfcollectord.8 \
		share/man/man8/perfprocessord.8; do echo "-rw-r--r-- usr/local/$p"; done
}

tree() { # DESTDIR: what is under it, in expected()'s form
	(cd "$1" && find . -mindepth 1 -printf '%M %P %l\n') |
		awk '$1 ~ /^l/ { print "l", $2, "->", $3; next } { print $1, $2 }' | LC_ALL=C sort
}

# The long options of a daemon's table (userspace/<daemon>/main.c) a file may set.
table_keys() { # DAEMON
	awk '/struct option longopts\[\] = \{/,/\};/' "$root/userspace/$1/main.c" |
		grep -oE '\{"[a-z0-9-]+"' | tr -d '{"' | grep -vxE 'help|version|config' | sort -u
}

d=$tmp/d
mk install "$d" || exit 1
expected | LC_ALL=C sort >"$tmp/want"
tree "$d" >"$tmp/got"
if ! diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
	bad "installed tree differs from the expected list (- expected, + installed):"
	sed 's/^/    /' "$tmp/diff"
else echo "ok   install: $(wc -l <"$tmp/got") paths, types and modes as expected"; fi

for u in "$d"/usr/local/lib/systemd/system/*.service; do
	grep -q '@[A-Z]*@' "$u" && bad "${u##*/}: a placeholder is left: $(grep -o '@[A-Z]*@' "$u" | head -1)"
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$u")
	[ -x "$d$exe" ] || bad "${u##*/}: ExecStart=$exe is not an installed program"
	grep -q -- "--config=/usr/local/etc/perfcollector/" "$u" || bad "${u##*/}: no --config in /usr/local/etc"
done
echo "ok   units: ExecStart names the installed programs"

for daemon in perfcollectord perfprocessord; do
	conf=$d/usr/local/etc/perfcollector/$daemon.conf
	missing=$(table_keys "$daemon" | while read -r k; do
		grep -qE "^#$k(=|$)" "$conf" || printf '%s ' "$k"
	done)
	[ -n "$missing" ] && bad "$daemon.conf: keys not there as #key=...: $missing"
	# a file holding only comments parses (the daemon would reject an unknown key)
	"$d/usr/local/sbin/$daemon" --config="$conf" --help >"$tmp/conf.out" 2>&1 ||
		{ bad "$daemon --config=$conf --help:"; sed 's/^/    /' "$tmp/conf.out"; }
	[ -z "$missing" ] && echo "ok   $daemon.conf: every key of the option table, commented"
done

if command -v man >/dev/null; then
	for a in "8 pcc" "8 pcc-container" "1 pcprocess"; do
		MANWIDTH=80 man -M "$d/usr/local/share/man" $a 2>"$tmp/man.err" | grep -q '^NAME' ||
			{ bad "man $a does not resolve:"; sed 's/^/    /' "$tmp/man.err"; }
	done
	echo "ok   man: the aliases' .so pages resolve"
else echo "skip man: no man(1) to resolve the aliases' pages"; fi

mk uninstall "$d" || exit 1
left=$(cd "$d" && find . -mindepth 1 | head -5)
[ -n "$left" ] && bad "uninstall left: $left" || echo "ok   uninstall: $d is empty again"

# PREFIX=/usr: configuration in /etc; MANGZIP=1: gzipped pages
d=$tmp/usr
mk install "$d" PREFIX=/usr MANGZIP=1 || exit 1
for f in etc/perfcollector/perfcollectord.conf etc/perfcollector/perfprocessord.conf \
	usr/sbin/perfcollectord usr/share/man/man8/perfcollectord.8.gz usr/share/man/man8/pcc.8.gz; do
	[ -e "$d/$f" ] || bad "PREFIX=/usr MANGZIP=1: no $f"
done
gzip -t "$d/usr/share/man/man1/perfjournal.1.gz" || bad "perfjournal.1.gz is not gzip"
grep -q '^ExecStart=/usr/sbin/perfprocessord --config=/etc/perfcollector/' \
	"$d/usr/lib/systemd/system/perfprocessord.service" || bad "PREFIX=/usr: unit paths"
# an edited configuration file stays, and only it (with its directory)
echo "frequency=100ms" >>"$d/etc/perfcollector/perfcollectord.conf"
mk uninstall "$d" PREFIX=/usr MANGZIP=1 || exit 1
left=$(cd "$d" && find . -mindepth 1 | LC_ALL=C sort | tr '\n' ' ')
[ "$left" = "./etc ./etc/perfcollector ./etc/perfcollector/perfcollectord.conf " ] &&
	echo "ok   PREFIX=/usr MANGZIP=1: installed and removed; the edited configuration kept" ||
	bad "PREFIX=/usr uninstall left: $left (want only the edited perfcollectord.conf)"

# A failed install (a directory where a page goes) lists what it did install, so uninstall
# removes that and leaves only what was there before; a second install is refused.
d=$tmp/part
mkdir -p "$d/usr/local/share/man/man5/perfcollector-journal.5"
if make -s -C "$root" install BUILD="$(dirname "$B")" DESTDIR="$d" >"$tmp/make.out" 2>&1; then
	bad "install over a directory at a page's path succeeded"
fi
grep -q 'cannot install .*perfcollector-journal.5' "$tmp/make.out" || bad "install's error: $(cat "$tmp/make.out")"
if make -s -C "$root" install BUILD="$(dirname "$B")" DESTDIR="$d" >"$tmp/make.out" 2>&1; then
	bad "a second install over the first succeeded"
fi
grep -q 'install-manifest exists: make uninstall first' "$tmp/make.out" || bad "second install: $(cat "$tmp/make.out")"
mk uninstall "$d" || exit 1
left=$(cd "$d" && find . -mindepth 1 | LC_ALL=C sort | tr '\n' ' ')
[ "$left" = "./usr ./usr/local ./usr/local/share ./usr/local/share/man ./usr/local/share/man/man5 ./usr/local/share/man/man5/perfcollector-journal.5 " ] &&
	echo "ok   a failed install is undone by uninstall; a second install is refused" ||
	bad "after a failed install and uninstall: $left"
exit $fail
