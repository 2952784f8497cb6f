#!/usr/bin/env bash
# perfjournal --mode=html opened in headless Chromium: the report of a short real collection of
# this host and of two synthetic hosts with different intervals. The page writes its own
# self-check into #pc-selfcheck (tests read it with --dump-dom): no errors, every chart drew points
# with ink in its plot area, every heatmap drew cells, the range buttons set the last 1 h / 6 h /
# ... before the last sample and a finer level of detail, a zoom of one chart is followed by the
# others and reset undoes it, Compare has both hosts, nothing was loaded from anywhere; the tables'
# P95 equal those of host.csv (the CSV export) to rounding and their CSV links hold their numbers.
# Screenshots are kept as artifacts (<build>/artifacts, paths printed).
# Skips (77) only when Chromium cannot run.
set -euo pipefail
bin=${PC_BIN:?}
chromium=${CHROMIUM:-$(command -v chromium || true)}
[ -n "$chromium" ] || { echo "SKIP: chromium not installed (scripts/deps.sh installs it)"; exit 77; }
tmp=$(mktemp -d /tmp/pc-html.XXXXXX)
art=${PC_ARTIFACTS:-$bin/../artifacts}
mkdir -p "$art"
pid="" io_pid=""
io_file=$(mktemp /var/tmp/pc-html-io.XXXXXX)
cleanup() {
	[ -n "$pid" ] && kill -- -"$pid" 2>/dev/null
	[ -n "$io_pid" ] && kill "$io_pid" 2>/dev/null && wait "$io_pid" 2>/dev/null
	rm -rf "$tmp" "$io_file"
}
trap cleanup EXIT

# chromium OUT ARGS...: one headless run, stdout to OUT, stderr to OUT.err; ended by PID.
chrome() {
	local out=$1
	shift
	setsid "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--enable-logging=stderr --v=0 --user-data-dir="$(mktemp -d "$tmp/prof.XXXXXX")" \
		"$@" >"$out" 2>"$out.err" &
	pid=$!
	local i=0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 0.2
		i=$((i + 1))
		[ $i -lt 600 ] || { echo "chromium did not finish in 120 s"; kill -- -"$pid"; return 1; }
	done
	wait "$pid" || true
	pid=""
}
chrome "$tmp/blank" --dump-dom about:blank
grep -q '<body' "$tmp/blank" || { echo "SKIP: chromium cannot run here:"; tail -3 "$tmp/blank.err"; exit 77; }

# A short real collection of this host (eBPF when root), and two synthetic hosts, 1 s and 5 s.
# Direct writes to a file on a real disk during it, so the block-latency heatmap has I/O to draw
# whatever else the machine does (an idle disk gives it none).
while dd if=/dev/zero of="$io_file" bs=4k count=64 oflag=direct conv=notrunc status=none; do
	sleep 0.05
done &
io_pid=$!
"$bin/perfcollectord" --mode=local --duration=4s --frequency=100ms --output="$tmp/real.pcol" >/dev/null
kill "$io_pid" && wait "$io_pid" 2>/dev/null || true
io_pid=""
"$bin/perfload" synth --output="$tmp/a.pcol" --host=1 --cpus=4 --cpu=walk:1 --mem=walk:2 \
	--disk-read=walk:3 --disk-write=5 --net-rx=walk:4 --net-tx=2 --interval=1s --duration=6h
"$bin/perfload" synth --output="$tmp/b.pcol" --host=2 --cpus=2 --cpu=square:10,70,10m --mem=3000 \
	--disk-read=1 --disk-write=walk:5 --net-rx=3 --net-tx=walk:6 --interval=5s --duration=6h
"$bin/perfjournal" --input="$tmp/real.pcol" --mode=html --output="$tmp/real.html"
"$bin/perfjournal" --input="$tmp/real.pcol" --mode=csv --output="$tmp/real-csv" >/dev/null
"$bin/perfjournal" --input="$tmp/a.pcol" --input="$tmp/b.pcol" --mode=html --output="$tmp/two.html"
"$bin/perfjournal" --input="$tmp/a.pcol" --mode=csv --output="$tmp/a-csv" >/dev/null
# A capture of the original Go tools: /proc only, so the eBPF views say they have nothing.
legacy=${PC_SHARED_FIXTURES:-}/legacy/capture-2cpu.jsonl
pages="real two"
if [ -f "$legacy" ]; then
	"$bin/perfjournal" --input="$legacy" --mode=html --output="$tmp/legacy.html"
	pages="$pages legacy"
else
	echo "(no $legacy: the report of a capture without eBPF is not checked)"
fi
# --host repeated: each input once per host, the pairs without samples left out; a journal and
# a pcc file read as well (their data checked below without a browser).
"$bin/perfjournal" --input="$tmp/a.pcol" --input="$tmp/b.pcol" --host=2 --host=1 --mode=html \
	--output="$tmp/sel.data"
fx=${PC_SHARED_FIXTURES:-}
[ -f "$fx/legacy/journal-2cpu" ] && "$bin/perfjournal" --input="$fx/legacy/journal-2cpu" \
	--siteid=1 "--sitename=Evil Corp" --license=6f37-6910-b2a0-e858-9657-f08d --mode=html \
	--output="$tmp/journal.data"
[ -f "$fx/pcc-sys-info-test/sys-info-test.json" ] && "$bin/perfjournal" --mode=html \
	--input="$fx/pcc-sys-info-test/sys-info-test.json" --output="$tmp/pcc.data"
ls -l "$tmp"/*.html

# Self-contained: nothing that loads from the network, no file beside it.
for f in "$tmp"/*.html; do
	if grep -Eo '(src|href)=["'\'']?(https?:)?//|url\((["'\'']?)(https?:)?//|@import|XMLHttpRequest|fetch\(' "$f" | head -3 | grep .; then
		echo "$f: loads something from elsewhere"; exit 1
	fi
	grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$f"
done

for r in $pages; do
	chrome "$tmp/$r.dom" --virtual-time-budget=10000 --dump-dom "file://$tmp/$r.html#selftest"
	if grep -E 'CONSOLE|Uncaught' "$tmp/$r.dom.err" | grep -v 'dbus' | grep .; then
		echo "$r: console messages"; exit 1
	fi
done
chrome "$tmp/shot" --window-size=1280,3000 --screenshot="$art/html-report.png" "file://$tmp/two.html"
chrome "$tmp/shot" --window-size=1280,3000 --screenshot="$art/html-report-real.png" "file://$tmp/real.html"
echo "screenshots: $art/html-report.png $art/html-report-real.png"

python3 - "$tmp" <<'EOF'
import csv, html.parser, io, json, math, os, sys, urllib.parse
tmp = sys.argv[1]

class Page(html.parser.HTMLParser):
    """The self-check and every table (data-name -> rows of data-v) of a dumped page."""
    def __init__(self):
        super().__init__(); self.check = None; self.tables = {}; self.t = None; self.pre = False
        self.csv = {}; self.name = None
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == 'a' and a.get('class') == 'csv' and self.t is not None:
            self.csv[self.name] = urllib.parse.unquote(a['href'].split(',', 1)[1])
        if tag == 'pre' and a.get('id') == 'pc-selfcheck': self.pre = True; self.check = ''
        if tag == 'table':  # ours have a data-name; uPlot's legends do not
            self.t = self.tables.setdefault(a['data-name'], []) if 'data-name' in a else None
            self.name = a.get('data-name')
        if tag == 'tr' and self.t is not None: self.t.append([])
        if tag == 'td' and self.t is not None: self.t[-1].append(a.get('data-v'))
    def handle_endtag(self, tag):
        if tag == 'pre': self.pre = False
        if tag == 'table': self.t = None
    def handle_data(self, d):
        if self.pre: self.check += d

def load(name):
    p = Page(); p.feed(open(os.path.join(tmp, name)).read())
    assert p.check, name + ': no self-check in the page'
    for t, rows in p.tables.items():  # each table's CSV link downloads its numbers
        if t not in p.csv: fail(f'{name}: table {t} has no CSV link')
        got = [r for r in csv.reader(io.StringIO(p.csv[t]))][1:]
        want = [[str(v) if v not in (None, 'null') else '' for v in r] for r in rows if r]
        if [[x for x in r] for r in got] != [[x if x != 'null' else '' for x in r] for r in want]:
            fail(f'{name}: CSV of {t} differs from the table: {got[:2]} vs {want[:2]}')
    return json.loads(p.check), p.tables

def fail(msg):
    print('FAIL:', msg); sys.exit(1)

def common(name, c):
    if c['errors']: fail(f'{name}: errors {c["errors"]}')
    if c['resources']: fail(f'{name}: loaded {c["resources"]}')
    for k, v in c['charts'].items():
        if v['points'] <= 0 or v.get('ink', 0) <= 0: fail(f'{name}: chart {k} drew nothing: {v}')
    for k, v in c['heatmaps'].items():
        if v['cells'] <= 0: fail(f'{name}: heatmap {k} drew nothing')
    r = c['ranges']
    for key, secs in (('1H', 3600), ('6H', 21600), ('24H', 86400), ('7D', 604800)):
        lo, hi = r[key][:2]
        if abs(hi - c['last']) > 1e-3 or abs(hi - lo - secs) > 1e-3:
            fail(f'{name}: {key} shows {lo}..{hi}, want the {secs} s before {c["last"]}')
    if r['ALL'] == r['1H']: fail(f'{name}: range buttons do not change the range')
    z = c['zoom']  # a zoom on the first chart: the last chart shows the same span
    if abs(z[0] - z[2]) > 1e-6 or abs(z[1] - z[3]) > 1e-6 or z[1] - z[0] >= r['ALL'][1] - r['ALL'][0]:
        fail(f'{name}: zoom not followed by the other charts: {z}')
    if c['reset'] != r['ALL'][:2]: fail(f'{name}: reset shows {c["reset"]}, not {r["ALL"][:2]}')
    if c['heatmaps'] and ':' not in c.get('heat_hover', ''):
        fail(f'{name}: hovering a heatmap names no cell: {c.get("heat_hover")!r}')
    if c['heatmaps']: print(f'{name}: heatmap hover: {c["heat_hover"]}')
    print(f'{name}: {len(c["charts"])} charts, {len(c["heatmaps"])} heatmaps, no errors, '
          f'charts drawn at {c.get("drawn_ms", 0):.0f} ms')

def pct(xs, q):
    xs = sorted(xs); h = q * (len(xs) - 1); lo = math.floor(h)
    return xs[lo] + (h - lo) * (xs[min(lo + 1, len(xs) - 1)] - xs[lo])

def p95_against_csv(name, tables, csvpath, host):
    rows = list(csv.DictReader(open(csvpath)))
    n = 0
    for col, table, label in (('cpu_user', 'cpu', 'user'), ('cpu_system', 'cpu', 'system'),
                              ('mem_used', 'mem', 'used'), ('disk_read_bytes', 'diskb', 'read'),
                              ('disk_write_bytes', 'diskb', 'write'), ('net_rx_bytes', 'netb', 'rx')):
        xs = [float(r[col]) for r in rows if r[col] != '']
        t = tables.get(f'{host}-{table}')
        if not xs or t is None: fail(f'{name}: no {col} in host.csv or no table {host}-{table}')
        row = [r for r in t if r and r[0] == label]
        got = float(row[0][5])  # series, min, avg, p50, p90, p95
        want = pct(xs, 0.95)
        if abs(got - want) > 1e-6 * max(1, abs(want)): fail(f'{name}: {col} P95 {got} != CSV {want}')
        n += 1
    print(f'{name}: P95 of {n} metrics equal host.csv\'s')

def data(name):
    page = open(os.path.join(tmp, name)).read()
    tag = '<script type="application/json" id="pc-data">'
    start = page.index(tag) + len(tag)
    return json.loads(page[start:page.index('</script>', start)])
d = data('sel.data')
if [h['si']['host'] for h in d['hosts']] != [1, 2] or any(h['n'] != 21600 and h['n'] != 4320 for h in d['hosts']):
    fail(f'--host twice over two inputs: hosts {[(h["name"], h["n"]) for h in d["hosts"]]}')
print('--host twice over two inputs: the two hosts that have samples')
for name, want in (('journal.data', 110), ('pcc.data', 17)):
    if os.path.exists(os.path.join(tmp, name)):
        n = data(name)['hosts'][0]['n']
        if n != want: fail(f'{name}: {n} intervals, want {want}')
        print(f'{name}: {n} intervals')

c, tables = load('real.dom')
common('real', c)
p95_against_csv('real', tables, os.path.join(tmp, 'real-csv/host.csv'), c['hosts'][0])
c, tables = load('two.dom')
common('two hosts', c)
if len(c['hosts']) != 2: fail(f'two hosts: hosts {c["hosts"]}')
for k, v in c['charts'].items():
    if k.startswith('compare:') and v['series'] != 2: fail(f'compare chart {k} has {v["series"]} hosts')
# Zoomed in to 1 h of 6 h, the first chart takes a finer level of detail than for the whole.
if not c['ranges']['1H'][2] > c['ranges']['ALL'][2]:
    fail(f'two hosts: level at 1H {c["ranges"]["1H"][2]} not finer than at ALL {c["ranges"]["ALL"][2]}')
p95 = tables['compare-p95']
if len([r for r in p95 if r]) != 2: fail('compare P95 table: want a row per host')
p95_against_csv('two hosts', tables, os.path.join(tmp, 'a-csv/host.csv'), c['hosts'][0])
if os.path.exists(os.path.join(tmp, 'legacy.dom')):
    c, tables = load('legacy.dom')
    common('legacy capture', c)
    page = open(os.path.join(tmp, 'legacy.dom')).read()
    if 'No eBPF data in this input' not in page or c['heatmaps']:
        fail('legacy capture: the eBPF view does not say it has no data')
    print('legacy capture: the eBPF view says the input has none')
EOF
echo "html report ok"
