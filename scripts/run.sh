#!/usr/bin/env bash
# `make run`: a real collection of this host, then a summary, the CSV and JSON exports and the
# HTML report.
# RUN_SECONDS (default 5) and RUN_FREQUENCY (default 100ms) change the collection; RUN_DIR where
# the files go (default ./run-output, replaced each time).
set -euo pipefail
bin=${1:-build/bin}
secs=${RUN_SECONDS:-5}
freq=${RUN_FREQUENCY:-100ms}
out=${RUN_DIR:-run-output}
rm -rf "$out"
mkdir -p "$out"
coll="$out/collection.pcol"
echo "== collecting this host for ${secs}s every $freq"
"$bin/perfcollectord" --mode=local --duration="${secs}s" --frequency="$freq" --output="$coll"
echo
echo "== summary"
"$bin/perfjournal" --input="$coll" --mode=summary --output=-
"$bin/perfjournal" --input="$coll" --mode=csv --output="$out/csv" >/dev/null
"$bin/perfjournal" --input="$coll" --mode=json --output="$out/samples.jsonl" >/dev/null
"$bin/perfjournal" --input="$coll" --mode=html --output="$out/report.html"
echo
echo "== files"
echo "collection:        $coll ($(stat -c %s "$coll") bytes)"
echo "sar-style CSV:     $out/csv/proc/{stat,meminfo,diskstats,net/dev}, $out/csv/statfs_ALL"
echo "host.csv:          $out/csv/host.csv"
echo "computed JSON:     $out/samples.jsonl"
echo "HTML report:       $out/report.html (one self-contained file: open it in any browser)"
echo "re-export:         $bin/perfjournal --input=$coll --mode=csv|json|summary|html --output=..."
