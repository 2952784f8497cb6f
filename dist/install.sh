#!/usr/bin/env bash
# make install / make uninstall (issue 17 item 3).
#   dist/install.sh install BINDIR_OF_BUILD 'DAEMONS' 'TOOLS'
#   dist/install.sh uninstall
# Directories come from the environment the Makefile sets: DESTDIR BINDIR SBINDIR MANDIR
# DATADIR UNITDIR SYSCONFDIR MANGZIP. Daemons go to SBINDIR, tools to BINDIR, each alias
# (a symlink in the build's bin/) beside the program it names; man pages from docs/man,
# units from dist/systemd (@SBINDIR@ and @SYSCONFDIR@ filled in), configuration files from
# dist/config into SYSCONFDIR/perfcollector (an existing, different one is left alone).
# Everything installed, and every directory created, is listed in DATADIR/install-manifest
# ("dir PATH", "file PATH", "link PATH", "conf SHA256 PATH"); uninstall removes exactly those,
# files first, then the directories it created while they are empty, and a configuration file
# only while its contents are still those installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${BINDIR:?}" "${SBINDIR:?}" "${MANDIR:?}" "${DATADIR:?}" "${UNITDIR:?}" "${SYSCONFDIR:?}"
D=${DESTDIR:-}
manifest=$DATADIR/install-manifest
confdir=$SYSCONFDIR/perfcollector
lines=()

say() { echo "install: $*"; }
installing=0
die() { # after a partial install, the manifest lists what is there so that uninstall removes it
	echo "install: $*" >&2
	[ "$installing" = 1 ] && write_manifest
	exit 1
}

write_manifest() {
	installing=0
	mkdirs "$DATADIR"
	printf '%s\n' "${lines[@]}" "file $manifest" >"$D$manifest"
	chmod 0644 "$D$manifest"
}

# mkdir -p that records each directory it creates (outermost first)
mkdirs() { # DIR (without DESTDIR)
	local d=$1 todo=()
	[ -z "$D" ] || mkdir -p "$D" || die "cannot create DESTDIR $D"
	while [ "$d" != / ] && [ ! -d "$D$d" ]; do todo=("$d" "${todo[@]}"); d=$(dirname "$d"); done
	for d in "${todo[@]}"; do
		mkdir -m 0755 "$D$d" || die "cannot create $D$d"
		lines+=("dir $d")
	done
}

put() { # MODE SRC DEST
	mkdirs "$(dirname "$3")"
	install -T -m "$1" "$2" "$D$3" || die "cannot install $2 as $D$3"
	lines+=("file $3")
}

link() { # TARGET_NAME DEST
	mkdirs "$(dirname "$2")"
	ln -sfn "$1" "$D$2" || die "cannot link $D$2 to $1"
	lines+=("link $2")
}

programs() { # BUILD_BIN DAEMONS TOOLS
	local b=$1 p a t
	for p in $2 $3; do [ -x "$b/$p" ] || die "$b/$p: not built (run make first)"; done
	for p in $2; do put 0755 "$b/$p" "$SBINDIR/$p"; done
	for p in $3; do put 0755 "$b/$p" "$BINDIR/$p"; done
	for a in "$b"/*; do
		[ -L "$a" ] || continue
		t=$(readlink "$a")
		case " $2 " in *" $t "*) link "$t" "$SBINDIR/${a##*/}" ;; *) link "$t" "$BINDIR/${a##*/}" ;; esac
	done
}

manpages() {
	local m sec dest tmp=$1
	for m in "$root"/docs/man/*.[1-8]; do
		sec=${m##*.} dest=$MANDIR/man$sec/${m##*/}
		if [ "${MANGZIP:-0}" = 1 ]; then
			gzip -9nc "$m" >"$tmp/man.gz"
			put 0644 "$tmp/man.gz" "$dest.gz"
		else put 0644 "$m" "$dest"; fi
	done
}

units() {
	local u tmp=$1
	for u in "$root"/dist/systemd/*.service; do
		sed -e "s|@SBINDIR@|$SBINDIR|g" -e "s|@SYSCONFDIR@|$SYSCONFDIR|g" "$u" >"$tmp/unit"
		put 0644 "$tmp/unit" "$UNITDIR/${u##*/}"
	done
}

configs() {
	local c dest
	for c in "$root"/dist/config/*.conf; do
		dest=$confdir/${c##*/}
		if [ -e "$D$dest" ] && ! cmp -s "$c" "$D$dest"; then
			say "$D$dest exists and differs from ${c#"$root"/}: left as it is"
			continue
		fi
		mkdirs "$confdir"
		install -T -m 0644 "$c" "$D$dest" || die "cannot install $c as $D$dest"
		lines+=("conf $(sha256sum <"$c" | cut -d' ' -f1) $dest")
	done
}

do_install() { # BUILD_BIN DAEMONS TOOLS
	if [ -e "$D$manifest" ]; then die "$D$manifest exists: make uninstall first"; fi
	tmp=$(mktemp -d /tmp/pcinstall.XXXXXX) # global: the EXIT trap runs after this returns
	trap 'rm -rf "$tmp"' EXIT
	installing=1
	programs "$1" "$2" "$3"
	manpages "$tmp"
	units "$tmp"
	configs
	write_manifest
	say "${#lines[@]} entries under ${D:-/}, listed in $D$manifest"
}

do_uninstall() {
	local kind a b dirs=()
	[ -f "$D$manifest" ] || die "$D$manifest: no such file (nothing installed here?)"
	while read -r kind a b; do
		case $kind in
		dir) dirs=("$a" "${dirs[@]}") ;;
		file | link) rm -f "$D$a" || say "$D$a: cannot remove: kept" ;;
		conf)
			if [ -f "$D$b" ] && [ "$(sha256sum <"$D$b" | cut -d' ' -f1)" != "$a" ]; then
				say "$D$b was changed: kept"
			else rm -f "$D$b" || say "$D$b: cannot remove: kept"; fi
			;;
		*) die "$D$manifest: unknown line '$kind $a $b'" ;;
		esac
	done <"$D$manifest"
	rm -f "$D$manifest"
	for a in "${dirs[@]}"; do rmdir "$D$a" 2>/dev/null || say "$D$a is not empty: kept"; done
	say "removed what $D$manifest listed"
}

case ${1:-} in
install) do_install "${2:?build bin}" "${3:?daemons}" "${4:?tools}" ;;
uninstall) do_uninstall ;;
*) die "usage: $0 install BUILD_BIN 'DAEMONS' 'TOOLS' | uninstall" ;;
esac
