#!/usr/bin/env bash
# Man pages against --help (issue 17 item 2): for every program and alias, each long option
# --help prints must be documented in its page (a .TP/.TQ tag in docs/man/), and each option a
# page documents must be one --help lists (--help itself is always allowed); each option of a
# program's option tables must be in its --help. Every page, the
# file formats' included, must format with groff without a warning.
set -uo pipefail
B=${PC_BIN:?}
root=$(cd "$(dirname "$0")/.." && pwd)
man=$root/docs/man
command -v groff >/dev/null || { echo "skip: groff is not installed"; exit 77; }
tmp=$(mktemp -d /tmp/pcman.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0

# program:page; perfload's synth subcommand has --help of its own.
pages="perfcollectord:perfcollectord.8 pcc:pcc.8 pcc-container:pcc-container.8
perfprocessord:perfprocessord.8 perfjournal:perfjournal.1 pcprocess:pcprocess.1
perfcpumeasure:perfcpumeasure.1 perfreplay:perfreplay.1 perflicense:perflicense.1
perfload:perfload.1 perfcontainers:perfcontainers.1"

# The page a .so page includes ("man8/perfcollectord.8" -> docs/man/perfcollectord.8), or itself.
resolve() {
	local so
	so=$(sed -n '1s/^\.so  *man[1-8]\/\([^ ]*\)$/\1/p' "$1")
	if [ -n "$so" ]; then echo "$man/$so"; else echo "$1"; fi
}

# Long options --help prints, one a line, sorted; --help added, wildcards (--disk-*) not.
help_opts() { # PROG
	{
		"$B/$1" --help 2>&1
		[ "$1" = perfload ] && "$B/perfload" synth --help 2>&1
		echo --help
	} | grep -oE -- '--[a-z][a-z0-9-]*' | grep -v -- '-$' | sort -u
}

# Long options a page documents: the tag line after each .TP and .TQ; --help added.
page_opts() { # PAGE
	{
		awk '/^\.(TP|TQ)/ { tag = 1; next } tag { print; tag = 0 }' "$1" | sed 's/\\-/-/g' |
			grep -oE -- '--[a-z][a-z0-9-]*'
		echo --help
	} | sort -u
}

for pp in $pages; do
	prog=${pp%%:*} page=$man/${pp#*:}
	if [ ! -x "$B/$prog" ]; then echo "FAIL $prog: no $B/$prog"; fail=1; continue; fi
	if [ ! -f "$page" ]; then echo "FAIL $prog: no page $page"; fail=1; continue; fi
	src=$(resolve "$page")
	[ -f "$src" ] || { echo "FAIL $prog: $page includes $src, which is missing"; fail=1; continue; }
	help_opts "$prog" >"$tmp/help"
	page_opts "$src" >"$tmp/page"
	if [ "$(wc -l <"$tmp/help")" -lt 2 ]; then
		echo "FAIL $prog: --help printed no long option:"; "$B/$prog" --help 2>&1 | head -5; fail=1
		continue
	fi
	missing=$(comm -23 "$tmp/help" "$tmp/page" | tr '\n' ' ')
	extra=$(comm -13 "$tmp/help" "$tmp/page" | tr '\n' ' ')
	[ -n "$missing" ] && { echo "FAIL $prog: in --help, not in ${src#"$root"/}: $missing"; fail=1; }
	[ -n "$extra" ] && { echo "FAIL $prog: in ${src#"$root"/}, not in --help: $extra"; fail=1; }
	[ -z "$missing$extra" ] && echo "ok   $prog: $(($(wc -l <"$tmp/help") - 1)) options match ${src#"$root"/}"
done

# Every long option a program accepts (the {"name", ..._argument} rows of its option tables)
# is one its --help lists: an option that works must be findable (issue 17).
srcs="perfcollectord:userspace/perfcollectord perfprocessord:userspace/perfprocessord
perfjournal:tools/perfjournal perfcpumeasure:tools/perfcpumeasure perfreplay:tools/perfreplay
perfload:tools/perfload perfcontainers:tools/perfcontainers" # perflicense: key=value words, no table
for ps in $srcs; do
	prog=${ps%%:*} dir=$root/${ps#*:}
	[ -x "$B/$prog" ] || continue
	grep -ohE '\{"[a-z][a-z0-9-]*", *(no|required|optional)_argument' "$dir"/*.c |
		sed -E 's/^\{"([^"]*)".*/--\1/' | sort -u >"$tmp/src"
	[ -s "$tmp/src" ] || { echo "FAIL $prog: no option table found in ${dir#"$root"/}"; fail=1; continue; }
	help_opts "$prog" >"$tmp/help"
	hidden=$(comm -23 "$tmp/src" "$tmp/help" | tr '\n' ' ')
	if [ -n "$hidden" ]; then echo "FAIL $prog: accepted, not in --help: $hidden"; fail=1
	else echo "ok   $prog: every one of its $(wc -l <"$tmp/src") long options is in --help"; fi
done

# Every page formats without a warning (-ww: all of groff's warnings); a .so page names a page
# that exists, in the section it says.
for page in "$man"/*.[1-8]; do
	name=${page#"$man"/}
	so=$(sed -n '1s/^\.so  *\(man[1-8]\/[^ ]*\)$/\1/p' "$page")
	if [ -n "$so" ]; then
		sec=${so%%/*} target=$man/${so#*/}
		if [ ! -f "$target" ] || [ "${target##*.}" != "${sec#man}" ]; then
			echo "FAIL $name: .so $so: no such page in docs/man"; fail=1
		else echo "ok   $name: .so $so"; fi
		continue
	fi
	LC_ALL=C.UTF-8 groff -t -man -Tutf8 -ww -z "$page" >"$tmp/warn" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$tmp/warn" ]; then
		echo "FAIL $name: groff -ww (exit $rc):"; sed 's/^/    /' "$tmp/warn"; fail=1
	else echo "ok   $name: formats without warnings"; fi
	grep -q '^\.SH NAME' "$page" || { echo "FAIL $name: no NAME section"; fail=1; }
done
exit $fail
