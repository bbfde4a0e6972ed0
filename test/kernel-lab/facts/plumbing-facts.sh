#!/bin/bash
# plumbing-facts.sh: what fwgen's rules see on the network a real Proxmox node builds (fwbr
# firewall bridges, VLANs, altnames, host-originated traffic, NFLOG, OVS). Prints
# "FACT <name> <result>" lines; docs/plumbing-facts.md explains them.
#   test/kernel-lab/kernel-lab -- test/kernel-lab/facts/plumbing-facts.sh [RULESET]
# RULESET: fwgen's output for fixtures/lab (default: compiled here with bin/fwgen.js; needs
# `npm run build`). Needs root, nft, ip, bridge, python3; runs only in namespaces it creates
# (prefix pf-) and removes them at exit. OVS facts need openvswitch-switch (skipped if absent).
set -u
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
top=$(cd "$here/../../.." && pwd)
PROBE=$top/test/netns/probe.py
W=$(mktemp -d /tmp/pf.XXXXXX)
P=pf-
NSS="host out vm100 vm101"
PY="python3 -S"
SERVER=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
  [ -n "${OVSPIDS:-}" ] && kill $OVSPIDS 2>/dev/null
  for n in $NSS; do ip netns del "$P$n" 2>/dev/null; done
  rm -rf "$W"
}
trap cleanup EXIT
fact() { echo "FACT $*"; }
H() { ip netns exec ${P}host "$@"; }
X() { local n=$1; shift; ip netns exec "$P$n" "$@"; }

for m in bridge veth 8021q br_netfilter nf_tables nft_ct nf_conntrack_bridge nft_reject_bridge \
  nft_meta_bridge nft_reject_inet nft_log nfnetlink_log nft_limit openvswitch; do
  modprobe "$m" 2>/dev/null
done
fact kernel "$(uname -r)"

RULES=${1:-}
SECTIONS=" ${SECTIONS:-fwbr fwbr2 host vlan alt nflog ovs} "
want() { case $SECTIONS in *" $1 "*) return 0;; esac; return 1; }
if [ -z "$RULES" ]; then
  RULES=$W/lab.nft
  node "$top/bin/fwgen.js" compile --root "$top/fixtures/lab" --node pve1 \
    --localnet 192.0.2.0/24 >"$RULES" || { echo "compile failed" >&2; exit 2; }
fi
# Instrumented copy: every guest chain first counts the TCP SYNs it judges, so "how often is a
# connection judged" is a counter read, not a guess.
awk '{print} /^  chain g[0-9]+_net[0-9]+_(in|out|in_pre) \{/ {print "    tcp flags & (syn | ack) == syn counter"}' \
  "$RULES" >"$W/cur.nft"
# fwbr patch (the design in docs/plumbing-facts.md): frames that reach a firewall bridge from
# the veth fwln<vmid>i<n> were judged by the MAC dispatch on vmbr0 already; skip it there.
# (OVS plugs fwbr through an internal port fwln<vmid>o<n>, which stays in the dispatch.)
sed 's/^    ether daddr vmap @in_by_mac$/    iifname != { "fwln100i0", "fwln101i0" } ether daddr vmap @in_by_mac/' \
  "$W/cur.nft" >"$W/fwbr.nft"
grep -q 'iifname != { "fwln100i0"' "$W/fwbr.nft" || echo "WARN fwbr patch did not apply"

snap() { # "chain count" lines of the instrumentation counters (first counter of each guest chain)
  H nft list table bridge fwgen 2>/dev/null | awk '
    $1=="chain" && $2 ~ /^g/ {c=$2; done=0}
    c!="" && !done && /counter packets/ {for(i=1;i<=NF;i++) if($i=="packets") print c, $(i+1); done=1}'
}
delta() { # BEFORE AFTER (files) -> "chain=+n " for the chains whose count grew
  awk 'NR==FNR{b[$1]=$2; next} $2>b[$1]{printf "%s=+%d ", $1, $2-b[$1]}' "$1" "$2"
}
rst_at() { # NODE -> RSTs received so far on its eth0 (netdev ingress counter)
  X "$1" nft list counter netdev obs rst 2>/dev/null | awk '/packets/{for(i=1;i<=NF;i++) if($i=="packets"){print $(i+1); exit}}'
}

# topology MODE: direct | fwbr | vlanbr (vmbr0v10 + eth0.10) | vlanaware (vmbr0 vlan_filtering)
#   out:  eth0 02:00:00:00:02:00 192.0.2.254 (in vlan modes on eth0.10, tag 10 on the wire)
#   host: vmbr0 02:00:00:00:00:01 192.0.2.1 (direct/fwbr), port eth0
#   vm100 bc:24:11:00:01:00 192.0.2.100 via tap100i0 (behind fwbr100i0 in fwbr mode)
#   vm101 bc:24:11:00:01:01 192.0.2.101 via tap101i0 (always straight on the guest bridge)
topology() {
  local mode=$1 n
  for n in $NSS; do ip netns del "$P$n" 2>/dev/null; ip netns add "$P$n"; X "$n" ip link set lo up; done
  H ip link add vmbr0 address 02:00:00:00:00:01 type bridge stp_state 0 forward_delay 0
  X out ip link add eth0 address 02:00:00:00:02:00 type veth peer name eth0 netns ${P}host
  X vm100 ip link add eth0 address bc:24:11:00:01:00 type veth peer name tap100i0 netns ${P}host
  X vm101 ip link add eth0 address bc:24:11:00:01:01 type veth peer name tap101i0 netns ${P}host
  local oif=eth0
  case $mode in vlan*)
    X out ip link set eth0 up
    X out ip link add link eth0 name eth0.10 type vlan id 10
    oif=eth0.10 ;;
  esac
  X out ip addr add 192.0.2.254/24 dev $oif
  X out ip addr add 2001:db8::254/64 dev $oif nodad
  X out ip link set $oif up
  for n in vm100 vm101; do
    local i=${n#vm}
    X $n ip addr add 192.0.2.$i/24 dev eth0
    X $n ip addr add 2001:db8::$i/64 dev eth0 nodad
    X $n ip link set eth0 up
  done
  H ip link set eth0 master vmbr0 up
  case $mode in
    direct)
      H ip link set tap100i0 master vmbr0 up
      H ip link set tap101i0 master vmbr0 up ;;
    fwbr)
      # what qemu-server builds for net0 of VM 100 with firewall=1 when needs_fwbr is true
      H ip link add fwbr100i0 type bridge stp_state 0 forward_delay 0
      H ip link add fwpr100p0 type veth peer name fwln100i0
      H ip link set fwpr100p0 master vmbr0 up
      H ip link set fwln100i0 master fwbr100i0 up
      H ip link set tap100i0 master fwbr100i0 up
      H ip link set fwbr100i0 up
      H ip link set tap101i0 master vmbr0 up ;;
    vlanbr)
      # a NIC with tag=10 on a bridge without VLAN filtering
      H ip link add link eth0 name eth0.10 type vlan id 10
      H ip link add vmbr0v10 type bridge stp_state 0 forward_delay 0
      H ip link set eth0.10 master vmbr0v10 up
      H ip link set tap100i0 master vmbr0v10 up
      H ip link set tap101i0 master vmbr0v10 up
      H ip link set vmbr0v10 up ;;
    vlanaware)
      H ip link set vmbr0 type bridge vlan_filtering 1
      H ip link set tap100i0 master vmbr0 up
      H ip link set tap101i0 master vmbr0 up
      H bridge vlan add dev eth0 vid 10
      H bridge vlan add dev tap100i0 vid 10 pvid untagged
      H bridge vlan add dev tap101i0 vid 10 pvid untagged ;;
  esac
  H ip link set vmbr0 up
  case $mode in direct | fwbr)
    H ip addr add 192.0.2.1/24 dev vmbr0
    H ip addr add 2001:db8::1/64 dev vmbr0 nodad ;;
  esac
  for n in out vm100 vm101; do
    X $n nft -f - <<'EOF'
table netdev obs {
  counter rst {}
  chain i { type filter hook ingress device "eth0" priority 0; tcp flags rst counter name "rst"; }
}
EOF
  done
  # wait for the bridge ports to forward (stp off, forward delay 0: quick)
  sleep 1
}

servers() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
  rm -f "$W/ready"
  $PY "$PROBE" serve --netns ${P}out,${P}vm100,${P}vm101 --tcp 22,23,80,9001,9002 --udp 161 \
    --ready-file "$W/ready" >/dev/null 2>"$W/serve.err" &
  SERVER=$!
  for _ in $(seq 100); do [ -e "$W/ready" ] && break; sleep 0.1; done
}

brnf() { # 0|1: bridge-nf-call-iptables/ip6tables in the host namespace (per-netns on 6.1)
  local f
  for f in iptables ip6tables; do
    [ -e /proc/sys/net/bridge/bridge-nf-call-$f ] && H sh -c "echo $1 > /proc/sys/net/bridge/bridge-nf-call-$f"
  done
}

load() { H nft flush ruleset; H nft -f "$1" 2>&1 | head -3; }

probe() { X "$1" $PY "$PROBE" tcp "$2" "$3" --timeout 2; }

# suite LABEL: the connections of the lab fixture, with how often each guest chain judged the
# SYN and how many RSTs the client got.
suite() {
  local label=$1 from to port want r0 r res
  while read -r from to port want; do
    local dst=192.0.2.${to#vm}
    [ "$to" = out ] && dst=192.0.2.254
    snap >"$W/b"; r0=$(rst_at "$from")
    res=$(probe "$from" "$dst" "$port")
    r=$(( $(rst_at "$from") - r0 )); snap >"$W/a"
    fact "$label $from->$to:$port" "$res (want $want) judged: $(delta "$W/b" "$W/a")rst_to_client=$r"
  done <<'EOF'
out vm100 22 OPEN
out vm100 23 REFUSED
out vm100 80 TIMEOUT
vm100 out 80 OPEN
vm100 out 9001 REFUSED
vm100 vm101 80 OPEN
vm100 vm101 23 TIMEOUT
EOF
}

# --- fact 1: which hooks see a guest connection, with which names --------------------------
observer() {
  H nft -f - <<'EOF'
table bridge obs {
  set s_pre { type ifname . ifname; flags dynamic; size 64; }
  set s_fwd { type ifname . ifname . ifname . ifname; flags dynamic; size 64; }
  set s_post { type ifname . ifname; flags dynamic; size 64; }
  set s_inp { type ifname . ifname; flags dynamic; size 64; }
  set s_outp { type ifname . ifname; flags dynamic; size 64; }
  chain c_pre { type filter hook prerouting priority -300; tcp dport 22 tcp flags & (syn | ack) == syn add @s_pre { iifname . meta ibrname }; }
  chain c_fwd { type filter hook forward priority -300; tcp dport 22 tcp flags & (syn | ack) == syn add @s_fwd { iifname . meta ibrname . oifname . meta obrname }; }
  chain c_post { type filter hook postrouting priority -300; tcp dport 22 tcp flags & (syn | ack) == syn add @s_post { oifname . meta obrname }; }
  chain c_inp { type filter hook input priority -300; tcp dport 22 tcp flags & (syn | ack) == syn add @s_inp { iifname . meta ibrname }; }
  chain c_outp { type filter hook output priority -300; tcp dport 22 tcp flags & (syn | ack) == syn add @s_outp { oifname . meta obrname }; }
}
table inet obs {
  set s_pre { type ifname; flags dynamic; size 64; }
  set s_fwd { type ifname . ifname; flags dynamic; size 64; }
  set s_post { type ifname; flags dynamic; size 64; }
  set s_outp { type ifname; flags dynamic; size 64; }
  chain c_pre { type filter hook prerouting priority -300; tcp dport 22 tcp flags & (syn | ack) == syn add @s_pre { iifname }; }
  chain c_fwd { type filter hook forward priority -300; tcp dport 22 tcp flags & (syn | ack) == syn add @s_fwd { iifname . oifname }; }
  chain c_post { type filter hook postrouting priority -300; tcp dport 22 tcp flags & (syn | ack) == syn add @s_post { oifname }; }
  chain c_outp { type filter hook output priority -300; tcp dport 22 tcp flags & (syn | ack) == syn add @s_outp { oifname }; }
}
EOF
}
seen() { # FAMILY SET -> the elements, one line
  H nft list set "$1" obs "s_$2" 2>/dev/null | tr -d '\n' | sed -n 's/.*elements = { \(.*\) }.*/\1/p' | tr -s ' ' | sed 's/^ //; s/ *$//'
}
hooks() { # LABEL FROM DST
  H nft -f - <<'EOF'
flush set bridge obs s_pre
flush set bridge obs s_fwd
flush set bridge obs s_post
flush set bridge obs s_inp
flush set bridge obs s_outp
flush set inet obs s_pre
flush set inet obs s_fwd
flush set inet obs s_post
flush set inet obs s_outp
EOF
  probe "$2" "$3" 22 >/dev/null
  fact "$1.bridge" "pre=[$(seen bridge pre)] fwd=[$(seen bridge fwd)] post=[$(seen bridge post)] in=[$(seen bridge inp)] out=[$(seen bridge outp)]"
  fact "$1.inet" "pre=[$(seen inet pre)] fwd=[$(seen inet fwd)] post=[$(seen inet post)] out=[$(seen inet outp)]"
}

want fwbr && for mode in direct fwbr; do
  topology $mode; servers
  for b in $([ $mode = direct ] && echo 0 || echo 0 1); do
    brnf $b
    H nft flush ruleset; observer
    hooks "hooks.$mode.brnf$b out->vm100" out 192.0.2.100
    hooks "hooks.$mode.brnf$b vm100->out" vm100 192.0.2.254
    hooks "hooks.$mode.brnf$b host->vm100" host 192.0.2.100
    # fact 2: the current rules, and in fwbr mode the patched ones, judged by counters
    load "$W/cur.nft"
    suite "judge.$mode.brnf$b.current"
    if [ $mode = fwbr ]; then load "$W/fwbr.nft"; suite "judge.$mode.brnf$b.patched"; fi
  done
done

# --- fact 2b: the recommended fwbr design (a "judged" mark bit), with MAC-dispatched guests on
# both sides and host-originated traffic ------------------------------------------------------
# Lab additions to the fixture: vm101 also REJECTs tcp/23 by MAC (chain g101_net0_in_pre) and
# may send tcp/23, so guest-to-guest REJECT by MAC is tested in both directions.
awk '
  /^    elements = \{ bc:24:11:00:01:00 : jump g100_net0_in_pre \}$/ {
    print "    elements = { bc:24:11:00:01:00 : jump g100_net0_in_pre, bc:24:11:00:01:01 : jump g101_net0_in_pre }"; next }
  /^  chain g100_net0_out \{$/ {
    print "  chain g101_net0_in_pre {"; print "    tcp flags & (syn | ack) == syn counter"
    print "    iifname \"tap101i0\" return"; print "    tcp dport 23 jump do_reject"; print "  }"; print "" }
  {print}
  /^  chain g101_net0_out \{$/ { getline; print; print "    tcp dport 23 return" }
' "$W/cur.nft" >"$W/cur2.nft"
# the design: the first MAC dispatch a frame meets (on whichever bridge) sets bit 0x10000000 of
# meta mark; later bridges (fwbr after vmbr0 via fwpr/fwln, vmbr0 after fwbr via fwln/fwpr)
# skip the dispatch. The mark survives the veth pair (same namespace: skb_scrub_packet keeps it).
sed -e 's/^    ether daddr vmap @in_by_mac$/    meta mark \& 0x10000000 == 0 ether daddr vmap @in_by_mac/' \
    -e '/^  chain g[0-9]*_net[0-9]*_in_pre {$/a\    meta mark set meta mark | 0x10000000' \
  "$W/cur2.nft" >"$W/mark.nft"
grep -q 'meta mark & 0x10000000 == 0 ether daddr' "$W/mark.nft" || echo "WARN mark patch did not apply"
suite2() {
  local label=$1 from to port want r0 r res
  while read -r from to port want; do
    local dst=192.0.2.${to#vm}
    [ "$to" = out ] && dst=192.0.2.254
    snap >"$W/b"; r0=$(rst_at "$from")
    res=$(probe "$from" "$dst" "$port")
    r=$(( $(rst_at "$from") - r0 )); snap >"$W/a"
    fact "$label $from->$to:$port" "$res (want $want) judged: $(delta "$W/b" "$W/a")rst_to_client=$r"
  done <<'EOF'
out vm100 22 OPEN
out vm100 23 REFUSED
vm100 vm101 23 REFUSED
vm101 vm100 23 REFUSED
host vm100 22 OPEN
host vm100 23 REFUSED
EOF
}
want fwbr2 && for mode in direct fwbr; do
  topology $mode; servers
  for b in $([ $mode = direct ] && echo 0 || echo 0 1); do
    brnf $b
    load "$W/cur2.nft"; suite2 "judge2.$mode.brnf$b.current"
    load "$W/mark.nft"; suite2 "judge2.$mode.brnf$b.mark"
  done
done

# --- fact 5: host-originated traffic to a guest whose IN rules REJECT ----------------------
want host && for mode in direct fwbr; do
topology $mode; servers; brnf 0
load "$W/cur.nft"
fact "host->vm100:23 $mode current" "$(probe host 192.0.2.100 23)"
# prototype: reject in inet output for the guest's known address (what IN REJECT of 100.fw asks)
H nft insert rule inet fwgen output ip daddr 192.0.2.100 tcp dport 23 reject with tcp reset 2>&1 | head -2
fact "host->vm100:23 $mode inet-output-reject" "$(probe host 192.0.2.100 23)"
done

# --- fact 3: VLANs ---------------------------------------------------------------------------
vlan_obs() {
  H nft -f - <<'EOF'
table bridge vobs {
  counter pre_tagged {}
  counter pre_ipsaddr {}
  counter pre_vlan_ip {}
  counter pre_metaproto {}
  counter pre_l4tcp {}
  counter post_tap_ipsaddr {}
  chain pre { type filter hook prerouting priority -300;
    iifname "eth0" vlan id 10 tcp dport 22 counter name "pre_tagged"
    iifname "eth0" ip saddr 192.0.2.254 tcp dport 22 counter name "pre_ipsaddr"
    iifname "eth0" vlan id 10 vlan type ip ip saddr 192.0.2.254 tcp dport 22 counter name "pre_vlan_ip"
    iifname "eth0" meta protocol ip meta l4proto tcp counter name "pre_metaproto"
    iifname { "eth0", "eth0.10" } tcp dport 22 counter name "pre_l4tcp"
  }
  chain post { type filter hook postrouting priority -300;
    oifname "tap100i0" ip saddr 192.0.2.254 tcp dport 22 counter name "post_tap_ipsaddr"
  }
}
EOF
}
vc() { H nft list counter bridge vobs "$1" | awk '/packets/{for(i=1;i<=NF;i++) if($i=="packets"){print $(i+1); exit}}'; }
want vlan && for mode in vlanbr vlanaware; do
  topology $mode; servers; brnf 0
  H nft flush ruleset; vlan_obs
  probe out 192.0.2.100 22 >/dev/null
  fact "vlan.$mode.observe out->vm100:22" "eth0:vlan_id_10=$(vc pre_tagged) eth0:ip_saddr=$(vc pre_ipsaddr) eth0:vlan_type_ip+ip_saddr=$(vc pre_vlan_ip) eth0:meta_protocol_ip=$(vc pre_metaproto) eth0|eth0.10:tcp_dport=$(vc pre_l4tcp) tap100i0(post):ip_saddr=$(vc post_tap_ipsaddr)"
  load "$W/cur.nft"
  suite "judge.$mode.current"

done

# --- fact 4: altnames --------------------------------------------------------------------------
want alt && {
topology direct
H ip link property add dev eth0 altname uplink0
fact "altname.list" "$(H ip -j link show dev eth0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0].get("altnames"))')"
H nft -f - <<'EOF'
table inet alt {
  counter by_alt {}
  counter by_name {}
  chain i { type filter hook input priority 0; iifname "uplink0" counter name "by_alt"; iifname "vmbr0" counter name "by_name"; }
}
table netdev altdev {
  counter by_alt {}
  counter by_name {}
  chain i { type filter hook ingress device "eth0" priority 0; iifname "uplink0" counter name "by_alt"; iifname "eth0" counter name "by_name"; }
}
EOF
probe out 192.0.2.1 22 >/dev/null; probe out 192.0.2.1 22 >/dev/null
fact "altname.iifname_alt_matches(inet,bridge_port_of_vmbr0)" "$(H nft list counter inet alt by_alt | grep -o 'packets [0-9]*')"
fact "altname.iifname_alt_matches(netdev,eth0)" "by_altname:$(H nft list counter netdev altdev by_alt | grep -o 'packets [0-9]*') by_name:$(H nft list counter netdev altdev by_name | grep -o 'packets [0-9]*')"
H ip link add dummy9 type dummy; H ip link property add dev dummy9 altname up9alt
H nft add table inet alt2 2>/dev/null
fact "altname.netdev_hook_device_by_altname" "$(H nft add chain netdev altdev j '{ type filter hook ingress device "up9alt" priority 0; }' 2>&1 | head -1 || true) rc=$?"
fact "altname.listed_chain_device" "$(H nft list chain netdev altdev j 2>&1 | grep -o 'device [^ ]*' | head -1)"
}

# --- fact 7: NFLOG group 0 ---------------------------------------------------------------------
want nflog && {
topology direct; servers; brnf 0
H nft -f - <<'EOF'
table bridge nl {
  chain p { type filter hook prerouting priority -300; tcp dport 22 log group 0 prefix ":100:6:guest-100-in: ACCEPT: " ; }
}
table inet nl {
  chain i { type filter hook input priority -300; tcp dport 22 log group 0 prefix ":0:6:PVEFW-HOST-IN: ACCEPT: " ; }
}
EOF
rm -f "$W/nflog.ready"
H $PY "$here/nflog-read.py" 0 "$W/nflog.ready" 6 >"$W/nflog.out" 2>&1 &
NL=$!
for _ in $(seq 100); do [ -e "$W/nflog.ready" ] && break; sleep 0.1; done
probe out 192.0.2.100 22 >/dev/null
probe out 192.0.2.1 22 >/dev/null
wait $NL
while read -r l; do fact "nflog.line" "$l"; done <"$W/nflog.out"
}

# --- fact 6: OVS -------------------------------------------------------------------------------
if ! want ovs; then :
elif command -v ovsdb-server >/dev/null && command -v ovs-vswitchd >/dev/null; then
  topology direct; brnf 0
  O=$W/ovs; mkdir -p "$O"
  export OVS_RUNDIR=$O OVS_LOGDIR=$O OVS_DBDIR=$O
  ovsdb-tool create "$O/conf.db" /usr/share/openvswitch/vswitch.ovsschema >/dev/null 2>&1
  # ovs-vswitchd works on the namespace it starts in: run both in the host namespace
  H ovsdb-server "$O/conf.db" --remote=punix:"$O/db.sock" --pidfile="$O/db.pid" --detach --log-file="$O/db.log" 2>"$O/db.err"
  H ovs-vswitchd unix:"$O/db.sock" --pidfile="$O/vs.pid" --detach --log-file="$O/vs.log" 2>"$O/vs.err"
  OVSPIDS="$(cat "$O/db.pid" "$O/vs.pid" 2>/dev/null | tr '\n' ' ')"
  V="H ovs-vsctl --db=unix:$O/db.sock --timeout=20"
  if $V add-br ovs0 2>"$O/err"; then
    fact ovs.runs yes
    # what qemu-server builds for a firewall=1 NIC on an OVS bridge: tap in fwbr100i0, which
    # joins OVS through the internal port fwln100o0
    H ip link set eth0 nomaster
    $V add-port ovs0 eth0
    $V add-port ovs0 fwln100o0 -- set Interface fwln100o0 type=internal
    H ip link add fwbr100i0 type bridge stp_state 0 forward_delay 0
    H ip link set fwln100o0 master fwbr100i0 up
    H ip link set tap100i0 nomaster; H ip link set tap100i0 master fwbr100i0 up
    H ip link set fwbr100i0 up; H ip link set ovs0 up; H ip link set eth0 up
    sleep 1; servers
    H nft flush ruleset; observer
    hooks "hooks.ovs out->vm100" out 192.0.2.100
    load "$W/cur.nft"
    suite "judge.ovs.current"
    load "$W/mark.nft"
    suite2 "judge2.ovs.mark"
  else
    fact ovs.runs "no: $(head -c 200 "$O/err" "$O/vs.err" "$O/db.err" | tr '\n' ' ')"
  fi
else
  fact ovs.runs "not installed"
fi
echo DONE
