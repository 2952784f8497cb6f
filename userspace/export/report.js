// SPDX-License-Identifier: MIT
// report.js: the page of perfjournal --mode=html (docs/REPORT.md). Reads the JSON document in
// #pc-data (written by userspace/export/report_write.c), draws it with uPlot, and writes its own
// self-check into #pc-selfcheck (what each chart drew; errors) for tests/html.test.sh.
'use strict';
(function () {
	const check = { errors: [], charts: {}, heatmaps: {}, ranges: {} };
	window.addEventListener('error', (e) => check.errors.push(String(e.message)));
	const conErr = console.error;
	console.error = function (...a) {
		check.errors.push(a.map(String).join(' '));
		conErr.apply(console, a);
	};

	const D = JSON.parse(document.getElementById('pc-data').textContent);
	const hosts = D.hosts;
	const COLORS = ['#1f77b4', '#d62728', '#ff7f0e', '#9467bd', '#2ca02c', '#8c564b', '#e377c2',
		'#17becf', '#bcbd22', '#7f7f7f'];
	const MISSING_BPF = 'No eBPF data in this input: it was collected without eBPF (--no-bpf, ' +
		'no root or no BTF) or read from a pcc or legacy capture.';
	// What each chart id shows; "disk:" and "net:" are one chart per device.
	const CHARTS = {
		cpu: { title: 'CPU', unit: '%', stack: true, miss: 'No /proc/stat in this input.' },
		mem: { title: 'Memory', unit: 'MB', miss: 'No /proc/meminfo in this input.' },
		diskb: { title: 'Disk throughput (whole disks)', unit: 'B/s', miss: 'No /proc/diskstats in this input.' },
		disko: { title: 'Disk IOPS (whole disks)', unit: 'ops/s', miss: 'No /proc/diskstats in this input.' },
		netb: { title: 'Network throughput (all but lo)', unit: 'B/s', miss: 'No /proc/net/dev in this input.' },
		netp: { title: 'Network packets (all but lo)', unit: 'pkt/s', miss: 'No /proc/net/dev in this input.' },
		busy: { title: 'CPU busy (100 - idle)', unit: '%' },
		percpu: { title: 'Busy per CPU (/proc/stat)', unit: '%', miss: 'No per-CPU rows in /proc/stat.' },
		'disk:': { title: 'Disk ', unit: 'B/s' },
		'net:': { title: 'Interface ', unit: 'B/s' },
		bpfcpu: { title: 'Exact busy per CPU (eBPF)', unit: '%' },
		cgroup: { title: 'CPU per cgroup (eBPF, % of one core)', unit: '%', miss: MISSING_BPF },
	};
	const HEATS = {
		busy: {
			title: 'Exact busy per CPU (eBPF): CPU by time, colour = busy %',
			mean: true,
			row: (r) => 'cpu ' + r,
		},
		runq: { title: 'Run-queue latency (eBPF): latency by time, colour = tasks', row: bucketName },
		blk: { title: 'Block I/O latency (eBPF, all disks): latency by time, colour = I/Os', row: bucketName },
	};
	const OVERVIEW = ['cpu', 'mem', 'diskb', 'disko', 'netb', 'netp'];
	// Compare: one chart per metric, one line per host.
	const COMPARE = [['busy', 'busy', 'CPU busy', '%'], ['mem', 'used', 'Memory used', 'MB'],
		['diskb', 'read', 'Disk read', 'B/s'], ['diskb', 'write', 'Disk write', 'B/s'],
		['netb', 'rx', 'Network rx', 'B/s'], ['netb', 'tx', 'Network tx', 'B/s']];
	const RANGES = [['ALL', 0], ['1H', 3600], ['6H', 6 * 3600], ['24H', 86400], ['7D', 7 * 86400]];
	const charts = [];
	let cur = 0; // the host of Overview, Host detail and Tables
	let range = null; // [min, max] in unix s, or null = each chart's whole span
	let syncing = false;

	function meta(id) {
		if (CHARTS[id]) return CHARTS[id];
		const p = id.slice(0, id.indexOf(':') + 1);
		return Object.assign({}, CHARTS[p], { title: CHARTS[p].title + id.slice(p.length) });
	}
	function bucketName(r) {
		const us = 2 ** r;
		return us >= 1e6 ? us / 1e6 + ' s' : us >= 1e3 ? (us / 1e3).toFixed(us < 1e4 ? 1 : 0) + ' ms' : us + ' µs';
	}
	function el(tag, attrs, ...kids) {
		const e = document.createElement(tag);
		for (const k in attrs || {}) {
			if (k === 'on') for (const ev in attrs.on) e.addEventListener(ev, attrs.on[ev]);
			else e.setAttribute(k, attrs[k]);
		}
		for (const c of kids) e.append(c);
		return e;
	}
	function fmt(v, unit) {
		if (v == null || isNaN(v)) return '';
		if (unit === 'B/s') {
			const u = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s', 'TiB/s'];
			let i = 0;
			while (Math.abs(v) >= 1024 && i < u.length - 1) v /= 1024, i++;
			return v.toFixed(v < 10 && i ? 2 : 1) + ' ' + u[i];
		}
		const a = Math.abs(v);
		const t = a >= 1e6 ? (v / 1e6).toFixed(2) + 'M' : v.toFixed(a >= 1e4 ? 0 : a >= 100 ? 1 : 2);
		return t + (unit ? ' ' + unit : '');
	}
	// Axis ticks: short, the unit is in the title.
	function tick(v, unit) {
		const a = Math.abs(v), b = unit === 'B/s';
		const steps = b ? [[2 ** 30, 'Gi'], [2 ** 20, 'Mi'], [1024, 'Ki']] : [[1e9, 'G'], [1e6, 'M'], [1e4, 'k']];
		const [k, p] = steps.find(([lim]) => a >= lim) || [1, ''];
		return +(v / (p === 'k' ? 1e3 : k)).toPrecision(3) + p;
	}
	function when(s) {
		return new Date(s * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
	}
	function dur(s) {
		if (s >= 86400) return (s / 86400).toFixed(1) + ' d';
		if (s >= 3600) return (s / 3600).toFixed(1) + ' h';
		if (s >= 60) return (s / 60).toFixed(1) + ' min';
		return +s.toPrecision(3) + ' s';
	}

	// ---- data: levels of detail decoded on first use
	function bytes(b64) {
		const bin = atob(b64), u = new Uint8Array(bin.length);
		for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
		return u;
	}
	function levelX(h, k) {
		h.xs = h.xs || [];
		if (h.xs[k]) return h.xs[k];
		const L = h.levels[k];
		let x;
		if (L.b) {
			x = new Float64Array(2 * L.b);
			for (let i = 0; i < L.b; i++) x[2 * i] = L.t0 + i * L.w, x[2 * i + 1] = L.t0 + (i + 0.5) * L.w;
		} else {
			const ms = new Uint32Array(bytes(L.t).buffer);
			x = new Float64Array(ms.length);
			for (let i = 0; i < ms.length; i++) x[i] = L.t0 + ms[i] / 1000;
		}
		return (h.xs[k] = x);
	}
	function levelY(s, k) {
		s.ys = s.ys || [];
		if (s.ys[k]) return s.ys[k];
		const u = bytes(s.d[k]), n = u.length / 2, y = new Array(n), step = (s.hi - s.lo) / 65534;
		for (let i = 0; i < n; i++) {
			const q = u[2 * i] | (u[2 * i + 1] << 8);
			y[i] = q === 65535 ? null : s.lo + q * step;
		}
		return (s.ys[k] = y);
	}
	// The coarsest level with a point per pixel column over [a, b] (a bucket gives two: min, max).
	function pickLevel(h, a, b, px) {
		const span = Math.max(h.last - h.levels[0].t0, 1e-9), frac = Math.min(1, (b - a) / span);
		for (let k = 0; k < h.levels.length; k++) {
			const n = h.levels[k].b ? 2 * h.levels[k].b : h.n;
			if (n * frac >= px) return k;
		}
		return h.levels.length - 1;
	}
	function series(h, chart) {
		return h.series.filter((s) => s.chart === chart && s.count > 0);
	}
	// The sources of a chart: series ss of host h, labelled by their label after prefix.
	function srcs(h, ss, prefix) {
		return ss.map((s) => ({ h, s, label: (prefix || '') + s.label }));
	}

	// ---- charts: each draws sources [{h, s, label}] at the level its range needs
	function build(c, a, b) {
		const px = Math.max(c.u ? c.u.bbox.width / devicePixelRatio : 600, 100);
		const byHost = new Map();
		c.levels = [];
		for (const src of c.sources) {
			const k = Math.min(pickLevel(src.h, a, b, px), src.s.d.length - 1), key = src.h.name + '/' + k;
			c.levels.push(k);
			if (!byHost.has(key)) byHost.set(key, { x: levelX(src.h, k), ys: [] });
			byHost.get(key).ys.push(levelY(src.s, k));
		}
		const tables = [...byHost.values()].map((t) => [t.x, ...t.ys]);
		let data = tables.length === 1 ? tables[0] : uPlot.join(tables);
		c.raw = data;
		if (c.stack) {
			data = data.slice();
			for (let i = 2; i < data.length; i++)
				data[i] = data[i].map((v, j) => (v == null ? null : v + (data[i - 1][j] || 0)));
			data = [data[0], ...data.slice(1).reverse()];
		}
		return data;
	}
	function chartRange(c) {
		return range || [c.first, c.last];
	}
	function onScale(u) {
		const c = u.pc;
		if (syncing || !c || !c.ready) return;
		const a = u.scales.x.min, b = u.scales.x.max;
		if (a == null) return;
		range = [a, b];
		refreshAll(c);
	}
	function refresh(c) {
		const [a, b] = chartRange(c);
		syncing = true;
		c.u.setData(build(c, a, b), false);
		c.u.setScale('x', { min: a, max: b });
		syncing = false;
		drawn(c);
	}
	function refreshAll(except) {
		for (const c of charts) if (c !== except && c.el.isConnected) (c.heat ? drawHeat : refresh)(c);
		if (except && !except.heat) {
			syncing = true;
			except.u.setData(build(except, range[0], range[1]), false);
			except.u.setScale('x', { min: range[0], max: range[1] });
			syncing = false;
			drawn(except);
		}
	}
	function makeChart(box, id, title, unit, sources, stack) {
		const c = { id, title, unit, sources, stack, el: el('div', { class: 'chart' }) };
		c.first = Math.min(...sources.map((s) => s.h.first));
		c.last = Math.max(...sources.map((s) => s.h.last));
		box.append(c.el);
		const n = sources.length, ser = [{}];
		for (let i = 0; i < n; i++) {
			const j = stack ? n - 1 - i : i, col = COLORS[j % COLORS.length];
			ser.push({
				label: sources[j].label, stroke: col, width: 1, fill: stack ? col + 'cc' : undefined,
				value: (u, v, si, idx) => fmt(idx == null ? v : c.raw[stack ? n - si + 1 : si][idx], unit),
			});
		}
		const opts = {
			title, width: Math.max(box.clientWidth - 20, 300), height: 220, series: ser,
			scales: { x: { time: true } },
			axes: [{}, { size: 56, values: (u, vs) => vs.map((v) => tick(v, unit)) }],
			cursor: { sync: { key: 'pc' }, drag: { x: true, y: false } },
			hooks: { setScale: [(u, key) => key === 'x' && onScale(u)] },
		};
		const [a, b] = chartRange(c);
		c.u = new uPlot(opts, build(c, a, b), c.el);
		c.u.pc = c;
		c.u.setScale('x', { min: a, max: b });
		c.ready = true;
		charts.push(c);
		drawn(c);
		return c;
	}
	// Self-check: values inside the visible range, and ink in the plot area.
	function drawn(c) {
		const u = c.u, [a, b] = [u.scales.x.min, u.scales.x.max], x = c.raw[0];
		let pts = 0;
		for (let i = 0; i < x.length; i++)
			if (x[i] >= a && x[i] <= b) for (let s = 1; s < c.raw.length; s++) if (c.raw[s][i] != null) pts++;
		check.charts[c.id] = {
			title: c.title, points: pts, series: c.sources.length, min: a, max: b, levels: c.levels,
		};
	}
	function ink(canvas, bx) {
		const ctx = canvas.getContext('2d'), d = ctx.getImageData(bx.left, bx.top, bx.width, bx.height).data;
		let n = 0;
		for (let i = 3; i < d.length; i += 16) if (d[i] > 0) n++;
		return n;
	}
	function message(box, text) {
		box.append(el('div', { class: 'missing' }, text));
	}

	// ---- heatmaps: columns of time, rows of latency buckets or CPUs
	function makeHeat(box, h, m) {
		const spec = HEATS[m.id], cv = el('canvas', { class: 'heat' });
		const info = el('div', { class: 'hinfo' }, '\u00a0');
		const box2 = el('div', { class: 'chart' }, el('div', { class: 'htitle' }, spec.title), cv, info);
		const c = { id: h.name + ':heat:' + m.id, heat: m, spec, h, cv, el: box2 };
		c.first = h.first, c.last = h.last;
		box.append(c.el);
		cv.width = Math.max(box.clientWidth - 20, 300);
		cv.height = Math.max(120, Math.min(16 * (m.r1 - m.r0), 320)) + 20;
		charts.push(c);
		drawHeat(c);
		heatMouse(c, info);
	}
	// Hover: the cell under the pointer; drag across: zoom every chart to that span.
	function heatMouse(c, info) {
		const m = c.heat, rows = m.r1 - m.r0, L = 70, t0 = c.h.levels[0].t0;
		const at = (e) => {
			const [a, b] = chartRange(c), x = e.offsetX * (c.cv.width / c.cv.clientWidth);
			return a + ((x - L) / (c.cv.width - L)) * (b - a);
		};
		let down = null;
		c.cv.addEventListener('mousemove', (e) => {
			const t = at(e), H = c.cv.height - 20, r = Math.floor((H - e.offsetY) / (H / rows));
			let col = -1;
			while (col + 1 < m.t.length && t0 + m.t[col + 1] / 1000 <= t) col++;
			if (col < 0 || r < 0 || r >= rows) return void (info.textContent = '\u00a0');
			const v = m.c[col * rows + r] / (c.spec.mean ? m.n[col] : 1);
			info.textContent = when(t0 + m.t[col] / 1000) + ', ' + c.spec.row(m.r0 + r) + ': ' +
				(c.spec.mean ? v.toFixed(1) + ' %' : v.toFixed(0)) + ' (' + m.n[col] + ' intervals)';
		});
		c.cv.addEventListener('mousedown', (e) => (down = [e.offsetX, at(e)]));
		c.cv.addEventListener('mouseup', (e) => {
			const up = at(e);
			if (down && Math.abs(e.offsetX - down[0]) > 4) {
				range = [Math.min(down[1], up), Math.max(down[1], up)];
				refreshAll(null);
			}
			down = null;
		});
	}
	function drawHeat(c) {
		const m = c.heat, cv = c.cv, ctx = cv.getContext('2d'), rows = m.r1 - m.r0;
		const [a, b] = chartRange(c), L = 70, W = cv.width - L, H = cv.height - 20, t0 = c.h.levels[0].t0;
		const val = (col, r) => m.c[col * rows + r] / (c.spec.mean ? m.n[col] : 1);
		let max = 0, cells = 0;
		for (let i = 0; i < m.t.length; i++) for (let r = 0; r < rows; r++) max = Math.max(max, val(i, r));
		ctx.clearRect(0, 0, cv.width, cv.height);
		ctx.fillStyle = '#333';
		ctx.font = '11px sans-serif';
		for (let r = 0; r < rows; r++)
			if (rows < 20 || r % Math.ceil(rows / 12) === 0)
				ctx.fillText(c.spec.row(m.r0 + r), 2, H - (r + 0.3) * (H / rows));
		for (let i = 0; i < m.t.length; i++) {
			const ta = t0 + m.t[i] / 1000, tb = i + 1 < m.t.length ? t0 + m.t[i + 1] / 1000 : c.h.last;
			if (tb < a || ta > b) continue;
			const x0 = L + ((ta - a) / (b - a)) * W, x1 = L + ((tb - a) / (b - a)) * W;
			for (let r = 0; r < rows; r++) {
				const v = val(i, r);
				if (!(v > 0)) continue;
				const f = c.spec.mean ? v / 100 : Math.log1p(v) / Math.log1p(max);
				ctx.fillStyle = 'hsl(' + (220 - 220 * f) + ',80%,' + (85 - 45 * f) + '%)';
				ctx.fillRect(Math.max(x0, L), H - (r + 1) * (H / rows), Math.max(x1 - x0, 1), H / rows + 0.5);
				cells++;
			}
		}
		ctx.fillStyle = '#333';
		ctx.fillText(when(a), L, H + 14);
		ctx.fillText(when(b), cv.width - 130, H + 14);
		ctx.fillText('max ' + (c.spec.mean ? max.toFixed(1) + ' %' : max.toFixed(0)), cv.width / 2, H + 14);
		check.heatmaps[c.id] = { cells, min: a, max: b };
	}

	// ---- views
	function header() {
		const box = el('div', { id: 'top' }, el('h1', {}, 'perfcollector report'));
		for (const h of hosts) {
			const si = h.si, cpu = si.cpu_model || 'unknown CPU';
			const counts = si.ncpu + ' CPUs' + (si.cores ? ', ' + si.cores + ' cores' : '') +
				(si.sockets ? ', ' + si.sockets + ' sockets' : '');
			const mem = si.mem_total_kb ? (si.mem_total_kb / 1048576).toFixed(1) + ' GiB memory' : 'memory unknown';
			const span = !h.n ? 'no intervals' : when(h.first) + ' .. ' + when(h.last) + ' (' +
				dur(h.last - h.first) + ', every ' + dur(h.interval) + ', ' + h.n + ' intervals)';
			const kernel = (si.kernel || 'unknown') + (si.machine ? ' ' + si.machine : '');
			const text = [cpu, counts, mem, 'kernel ' + kernel].join(', ') + '. ' + span;
			box.append(el('div', { class: 'host' }, el('b', {}, h.name), ': ' + text));
		}
		const bar = el('div', { class: 'bar' });
		for (const [name, secs] of RANGES)
			bar.append(el('button', { id: 'range-' + name, on: { click: () => setRange(secs) } }, name));
		bar.append(el('button', { id: 'range-reset', on: { click: () => setRange(0) } }, 'Reset zoom'));
		if (hosts.length > 1) {
			const sel = el('select', { id: 'host', on: { change: (e) => showHost(+e.target.value) } });
			hosts.forEach((h, i) => sel.append(el('option', { value: i }, h.name)));
			bar.append(' host: ', sel);
		}
		const views = [['overview', 'Overview'], ['detail', 'Host detail'], ['tables', 'Tables'], ['compare', 'Compare']];
		bar.append(el('span', { class: 'nav' }, ...views.map(([id, t]) => el('a', { href: '#' + id }, t))));
		box.append(bar);
		return box;
	}
	// Range buttons: the last secs before the last sample (each chart's own); 0 = everything.
	function setRange(secs) {
		range = null;
		if (secs) {
			const last = Math.max(...charts.map((c) => c.last));
			range = [last - secs, last];
		}
		refreshAll(null);
	}
	function overview(box, h) {
		for (const id of OVERVIEW) {
			const m = meta(id), ss = series(h, id);
			if (!ss.length) message(box, m.title + ': ' + m.miss);
			else makeChart(box, h.name + ':' + id, m.title + ' (' + m.unit + ')', m.unit, srcs(h, ss), m.stack);
		}
	}
	function detail(box, h) {
		const ids = [...new Set(h.series.map((s) => s.chart))];
		const pc = series(h, 'percpu');
		if (pc.length) makeChart(box, h.name + ':percpu', meta('percpu').title, '%', srcs(h, pc, 'cpu '));
		else message(box, meta('percpu').miss);
		for (const id of ids.filter((i) => i.startsWith('disk:') || i.startsWith('net:'))) {
			const m = meta(id), ss = series(h, id);
			if (ss.length) makeChart(box, h.name + ':' + id, m.title + ' (' + m.unit + ')', m.unit, srcs(h, ss));
		}
		if (!h.heat.length) message(box, MISSING_BPF);
		for (const m of h.heat) makeHeat(box, h, m);
		const cg = series(h, 'cgroup');
		if (cg.length) makeChart(box, h.name + ':cgroup', meta('cgroup').title, '%', srcs(h, cg));
		else if (h.heat.length) message(box, 'CPU per cgroup: no cgroup rows in the eBPF data.');
	}
	const STATS = ['min', 'avg', 'p50', 'p90', 'p95', 'p99', 'max'];
	function csvLink(name, head, rows) {
		const q = (v) => (/[",\n]/.test(String(v)) ? '"' + String(v).replace(/"/g, '""') + '"' : String(v));
		const text = [head, ...rows].map((r) => r.map(q).join(',')).join('\n') + '\n';
		const href = 'data:text/csv;charset=utf-8,' + encodeURIComponent(text);
		return el('a', { class: 'csv', download: name + '.csv', href }, 'CSV');
	}
	function table(box, caption, name, head, rows, show) {
		const t = el('table', { 'data-name': name });
		t.append(el('caption', {}, caption + ' ', csvLink(name, head, rows)));
		t.append(el('tr', {}, ...head.map((x) => el('th', {}, x))));
		for (const r of rows) t.append(el('tr', {}, ...r.map((v, i) => el('td', { 'data-v': v }, show(v, i)))));
		box.append(t);
	}
	function tables(box, h) {
		const ids = [...new Set(h.series.map((s) => s.chart))];
		for (const id of ids) {
			const m = meta(id), ss = series(h, id);
			if (!ss.length) continue;
			const rows = ss.map((s) => [s.label, ...STATS.map((k) => s[k]), s.count]);
			const show = (v, i) => (i && i <= STATS.length ? fmt(v, m.unit) : String(v));
			const name = h.name + '-' + id.replace(':', '-');
			table(box, m.title + ' (' + m.unit + ')', name, ['series', ...STATS, 'samples'], rows, show);
		}
		if (!ids.length) message(box, 'No intervals: the input has fewer than two samples.');
	}
	function compare(box) {
		for (const [chart, label, title, unit] of COMPARE) {
			const src = [];
			for (const h of hosts)
				for (const s of series(h, chart)) if (s.label === label) src.push({ h, s, label: h.name });
			if (!src.length) message(box, title + ': no host has it.');
			else makeChart(box, 'compare:' + chart + ':' + label, 'Compare: ' + title + ' (' + unit + ')', unit, src);
		}
		const head = ['host', ...COMPARE.map((c) => c[2] + ' P95 (' + c[3] + ')')];
		const rows = hosts.map((h) => [h.name, ...COMPARE.map(([chart, label]) => {
			const s = series(h, chart).find((x) => x.label === label);
			return s ? s.p95 : '';
		})]);
		const show = (v, i) => (i && v !== '' ? fmt(v, COMPARE[i - 1][3]) : v);
		table(box, 'P95 of every host', 'compare-p95', head, rows, show);
	}
	function section(id, title) {
		const s = el('section', { id }, el('h2', {}, title));
		app.append(s);
		return s;
	}
	function showHost(i) {
		cur = i;
		for (const c of charts.splice(0)) if (!c.id.startsWith('compare:')) c.u && c.u.destroy();
		check.charts = {};
		check.heatmaps = {};
		for (const id of ['overview', 'detail', 'tables']) document.getElementById(id).remove();
		const first = document.getElementById('compare');
		const h = hosts[cur];
		const v = [['overview', 'Overview: ' + h.name, overview], ['detail', 'Host detail: ' + h.name, detail],
			['tables', 'Utilization: ' + h.name + ' (every sample)', tables]];
		for (const [id, title, fn] of v) {
			const s = el('section', { id }, el('h2', {}, title));
			app.insertBefore(s, first);
			if (h.n) fn(s, h);
			else message(s, 'No intervals for this host: it has fewer than two samples.');
		}
		for (const c of compareCharts) charts.push(c), drawn(c);
	}
	let compareCharts = [];
	const later = () => new Promise((ok) => setTimeout(ok, 10));
	// #selftest: press every range button and note the visible range of the first chart.
	async function selfTest() {
		const first = charts.find((c) => !c.heat && !c.id.startsWith('compare:'));
		for (const [name] of RANGES) {
			document.getElementById('range-' + name).click();
			await later();
			check.ranges[name] = first ? [first.u.scales.x.min, first.u.scales.x.max, first.levels[0]] : null;
		}
		// A drag ends in setScale on one chart: every other chart must follow.
		const other = charts.filter((c) => !c.heat && c !== first).pop();
		if (first && other) {
			const [a, b] = [first.first, first.last], mid = (a + b) / 2;
			first.u.setScale('x', { min: mid - (b - a) / 10, max: mid });
			await later();
			check.zoom = [first.u.scales.x.min, first.u.scales.x.max, other.u.scales.x.min, other.u.scales.x.max];
		}
		document.getElementById('range-reset').click();
		await later();
		// The pointer over the middle of the first heatmap names the cell under it.
		const hm = charts.find((c) => c.heat);
		if (hm) {
			const r = hm.cv.getBoundingClientRect();
			const ev = { clientX: r.left + r.width * 0.6, clientY: r.top + r.height * 0.5, bubbles: true };
			hm.cv.dispatchEvent(new MouseEvent('mousemove', ev));
			check.heat_hover = hm.el.querySelector('.hinfo').textContent;
		}
		check.reset = first ? [first.u.scales.x.min, first.u.scales.x.max] : null;
	}
	// Two frames (or 200 ms, when nothing is painting: a hidden tab).
	const frame = () => new Promise((ok) => {
		requestAnimationFrame(() => requestAnimationFrame(ok));
		setTimeout(ok, 200);
	});
	async function finish() {
		await frame(); // the paint entries exist once a frame was painted
		for (const c of charts) {
			if (c.heat) continue;
			const k = check.charts[c.id];
			if (k) k.ink = ink(c.u.ctx.canvas, c.u.bbox);
		}
		check.hosts = hosts.map((h) => h.name);
		// Nothing may come from elsewhere: every resource the page loaded (none).
		check.resources = performance.getEntriesByType('resource').map((e) => e.name);
		for (const p of performance.getEntriesByType('paint')) check[p.name] = p.startTime;
		if (performance.memory) check.js_heap = performance.memory.usedJSHeapSize;
		check.last = Math.max(...hosts.map((h) => h.last || 0));
		const out = el('pre', { id: 'pc-selfcheck', hidden: '' }, JSON.stringify(check));
		document.body.append(out);
	}
	function main() {
		app.append(header());
		section('overview', '');
		section('detail', '');
		section('tables', '');
		const cmp = section('compare', 'Compare: ' + hosts.length + ' host' + (hosts.length > 1 ? 's' : ''));
		compare(cmp);
		compareCharts = charts.splice(0);
		showHost(0);
		// #view=NAME shows that view alone (screenshots of one view).
		const only = /view=(\w+)/.exec(location.hash);
		if (only) for (const sec of app.querySelectorAll('section')) sec.hidden = sec.id !== only[1];
		// Every chart drawn on its canvas (uPlot draws in a microtask): ms from navigation start.
		setTimeout(() => (check.drawn_ms = performance.now()), 0);
		later().then(() => (location.hash.includes('selftest') ? selfTest() : null)).then(later).then(finish);
	}
	try {
		main();
	} catch (e) {
		check.errors.push(String(e && e.stack || e));
		setTimeout(finish, 0);
		throw e;
	}
})();
