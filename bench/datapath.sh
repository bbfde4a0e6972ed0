#!/bin/bash
# Datapath bench: iperf3 TCP outside → guest 100 through bridge vmbr0, with N guests' rules loaded
# (vmap dispatch as fwgen generates it, and a deliberately linear variant: one
# `iifname "tapXiY" jump …` / `oifname …` / `ether daddr …` rule per guest port in the base chains
# instead of the vmaps, guest 100 last). Reported as a ratio to N=10. Not a test.
#
#   bench/datapath.sh                 # on the host: builds rulesets, boots the kernel lab, writes
#                                     # the `datapath` section of bench/RESULTS.md
#   DP_SIZES="10 1000 10000" DP_RULES=1 DP_GEN=--no-guest-ipsets DP_RUNS=3 LOAD_TIMEOUT=1500 \
#     DP_LAB_TIMEOUT=3600 bench/datapath.sh
#   bench/datapath.sh --inside WORK   # what runs inside the lab (namespaces only)
#
# Runs inside the kernel lab (test/kernel-lab/kernel-lab: Debian's kernel under QEMU TCG, because
# this machine's kernel has no bridge reject / bridge conntrack). Under TCG absolute Gbit/s mean
# nothing; the ratio to N=10 is the figure. Topology, all in namespaces made here (addresses
# 192.0.2.0/24 exist only inside them):
#   dp-out:  eth0 192.0.2.200 ──veth── dp-host: eth0 ─┐
#                                      dp-host: vmbr0 (bridge, fwgen's tables loaded here)
#   dp-g100: eth0 192.0.2.100 ──veth── dp-host: tap100i0 ─┘   (MAC = guest 100's net0 MAC)
# Rulesets: bench/gen-tree.mjs with DP_RULES rules per guest (default 4: the per-packet path is
# what is measured, and loading is quadratic in the number of sets per table, see RESULTS.md), plus
# `IN ACCEPT -p tcp -dport 5201 -source 192.0.2.0/24` as guest 100's first rule.
# The vmap variant is fwgen's output unchanged.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

median() {
  sort -g | awk '{a[NR]=$1}
    END{ if (NR==0) print 0; else print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}

inside() {
  local work=$1 res=$1/datapath-results.txt
  : > "$res"
  H() { ip netns exec dp-host "$@"; }
  O() { ip netns exec dp-out "$@"; }
  G() { ip netns exec dp-g100 "$@"; }
  down() {
    for ns in dp-host dp-out dp-g100; do
      ip netns pids $ns 2>/dev/null | xargs -r kill 2>/dev/null || true
      ip netns del $ns 2>/dev/null || true
    done
  }
  trap down EXIT
  down
  for ns in dp-host dp-out dp-g100; do ip netns add $ns; ip netns exec $ns ip link set lo up; done
  H ip link add vmbr0 type bridge stp_state 0 forward_delay 0
  H ip link add eth0 type veth peer name eth0 netns dp-out
  H ip link add tap100i0 type veth peer name eth0 netns dp-g100
  for p in eth0 tap100i0; do H ip link set $p master vmbr0; H ip link set $p up; done
  H ip link set vmbr0 up
  G ip link set eth0 address "$(cat "$work/g100.mac")"
  G ip addr add 192.0.2.100/24 dev eth0; G ip link set eth0 up
  O ip addr add 192.0.2.200/24 dev eth0; O ip link set eth0 up
  G sh -c 'iperf3 -s >/dev/null 2>&1 &'
  sleep 1
  echo "kernel $(uname -r)" >> "$res"
  iperf() { # median Gbit/s of DP_RUNS runs
    local i r=() py
    py='import json,sys; e = json.load(sys.stdin)["end"]; '
    py+='print("%.3f" % (e["sum_received"]["bits_per_second"]/1e9))'
    for i in $(seq "${DP_RUNS:-3}"); do
      r+=("$(O iperf3 -c 192.0.2.100 -t 3 -J 2>/dev/null | python3 -c "$py" 2>/dev/null || echo 0)")
    done
    echo "$(printf '%s\n' "${r[@]}" | median) ${r[*]}"
  }
  echo "none 0 load 0 gbit $(iperf)" >> "$res"
  local f n style t
  for f in "$work"/dp-*.nft; do
    n=$(basename "$f" .nft | cut -d- -f2); style=$(basename "$f" .nft | cut -d- -f3)
    H nft flush ruleset
    if ! /usr/bin/time -f '%e' -o "$work/load.t" timeout "${LOAD_TIMEOUT:-300}" \
        ip netns exec dp-host nft -f "$f" >/dev/null 2>"$work/nft.err"; then
      echo "$style $n load failed (timeout ${LOAD_TIMEOUT:-300} s or error)" \
        "$(head -c 200 "$work/nft.err" | tr '\n' ' ')" >> "$res"; continue
    fi
    t=$(tail -1 "$work/load.t")
    echo "$style $n load $t gbit $(iperf)" >> "$res"
  done
  H nft flush ruleset
  cat "$res"
}

if [ "${1:-}" = "--inside" ]; then inside "$2"; exit 0; fi

# --- host side -----------------------------------------------------------------------------------
work=${DP_WORK:-/tmp/fwgen-datapath}
sizes=${DP_SIZES:-10 1000}
rules=${DP_RULES:-4}
rm -rf "$work"; mkdir -p "$work"
[ -f "$root/dist/cli/main.js" ] || { echo "datapath.sh: run npm run build first" >&2; exit 2; }
for n in $sizes; do
  # shellcheck disable=SC2086 # DP_GEN holds extra gen-tree options
  node "$here/gen-tree.mjs" "$work/tree-$n" --guests "$n" --rules "$rules" --ipset-entries 1000 \
    ${DP_GEN:-} 2>/dev/null
  sed -i 's/^\[RULES\]$/[RULES]\nIN ACCEPT -p tcp -dport 5201 -source 192.0.2.0\/24 # datapath bench/' \
    "$work/tree-$n/firewall/100.fw"
  node "$root/bin/fwgen.js" compile --root "$work/tree-$n" --node pve1 --localnet 192.0.2.0/24 \
    > "$work/out-$n.nft"
  node --input-type=module -e "
    import { readFileSync, writeFileSync } from 'node:fs';
    import { linearDispatch } from '$here/lib/transforms.mjs';
    const t = readFileSync('$work/out-$n.nft', 'utf8');
    writeFileSync('$work/dp-$(printf %05d "$n")-vmap.nft', t);
    writeFileSync('$work/dp-$(printf %05d "$n")-linear.nft', linearDispatch(t, 'tap100i0'));
  "
  echo "N=$n: $(wc -l < "$work/out-$n.nft") lines"
done
grep -o 'bridge=vmbr0' "$work/tree-${sizes%% *}/nodes/pve1/qemu-server/100.conf" >/dev/null
sed -n 's/^net0: [a-z0-9]*=\([0-9A-Fa-f:]*\),.*/\1/p' \
  "$work/tree-${sizes%% *}/nodes/pve1/qemu-server/100.conf" | tr 'A-F' 'a-f' > "$work/g100.mac"
start=$(date +%s)
"$root/test/kernel-lab/kernel-lab" --share "$work" --mem "${DP_MEM:-6144}" \
  --timeout "${DP_LAB_TIMEOUT:-1500}" -- \
  env DP_RUNS="${DP_RUNS:-3}" LOAD_TIMEOUT="${LOAD_TIMEOUT:-300}" \
  bash "$here/datapath.sh" --inside "$work" || true
lab=$(( $(date +%s) - start ))
echo "lab time: ${lab} s"
DP_RULES=$rules DP_LAB=$lab node --input-type=module -e "
  import { readFileSync } from 'node:fs';
  import { writeSection } from '$here/lib/results.mjs';
  const lines = readFileSync('$work/datapath-results.txt', 'utf8').split('\n');
  const kernel = (lines.find((l) => l.startsWith('kernel ')) ?? 'kernel ?').slice(7);
  const m = 'kernel lab: QEMU TCG, 2 vCPU, Debian ' + kernel;
  const rows = [];
  const base = {};
  const recs = lines.map((l) => /^(\S+) (\d+) load (\S+) gbit (\S+) ?(.*)$/.exec(l)).filter(Boolean);
  for (const r of recs) if (Number(r[2]) === 10) base[r[1]] = Number(r[4]);
  for (const r of recs) {
    const [, style, n, load, g, runs] = r;
    const b = base[style] ?? base.vmap;
    rows.push({
      what: 'iperf3 outside→guest, ' + (style === 'none' ? 'no ruleset' : style + ' dispatch'),
      size: style === 'none' ? '-' : 'N=' + Number(n),
      figure: g + ' Gbit/s (median; runs ' + runs + ')' + (style === 'none' ? '' : ', nft -f ' + load + ' s'),
      ratio: style === 'none' || !b ? '' : (Number(g) / b).toFixed(2) + ' of N=10',
      machine: m,
    });
  }
  for (const l of lines.filter((l) => / load failed|warning/.test(l)))
    rows.push({ what: 'note', size: '', figure: l, machine: m });
  writeSection('datapath', 'Datapath throughput (bench/datapath.sh)', rows, [
    'Command: \`npm run build && DP_SIZES=\"$sizes\" DP_RULES=$rules ' +
      'DP_GEN=\"${DP_GEN:-}\" bench/datapath.sh\` (lab wall time ' + process.env.DP_LAB + ' s).',
    '- iperf3 -t 3 TCP, outside ns → bridge vmbr0 → guest 100 (tap100i0), median of the runs; ' +
      'namespaces inside the kernel lab (QEMU TCG: absolute Gbit/s are meaningless, compare the ratios).',
    '- Trees: gen-tree.mjs --rules $rules --ipset-entries 1000 ${DP_GEN:-} ' +
      '(+ an accept for tcp 5201 on guest 100); vmap = fwgen output as is. ' +
      'Few rules per guest and no per-guest ipsets keep the N=10,000 load within lab time ' +
      '(nft load grows with sets × lookups, see the compile-scale section); ' +
      'the packet path measured (dispatch, then guest 100 chains) does not depend on the other guests rules.',
    '- linear: the vmap rules replaced by one iifname/oifname/ether daddr rule per guest port ' +
      '(guest 100 last).',
  ]);
"
