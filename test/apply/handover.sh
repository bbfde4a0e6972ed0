#!/bin/bash
# Hand-over pve-firewall → fwgen → pve-firewall, inside the kernel lab, in namespaces made here.
# Runs the commands of packaging/README.md (§Hand-over, §Hand-back) with the tree flags added.
#
# EMULATED (pve-firewall is not installed): pve-firewall's state is loaded with iptables-legacy
# (its unit switches the alternatives to legacy) and ipset: a minimal PVEFW ruleset with
# INPUT/FORWARD/OUTPUT jumps, a host chain with a DROP policy and an ipset match, and a guest chain
# reached through `physdev --physdev-in fwln+`, as pve-firewall writes for a fwbr guest; no
# ebtables, no PVESIG comments, no 10 s update loop. "pve-firewall running" is a stand-in process
# whose pid is in /run/pve-firewall.pid; its start creates the flag file, its stop removes its
# chains and ipsets and leaves the flag, as pve-firewall does. systemctl is emulated:
# `systemctl enable --now fwgen.timer` = pve-firewall stop, then the timer's `fwgen apply`;
# `systemctl disable --now fwgen.timer` = `fwgen stop`. /run is the lab VM's own tmpfs, so the
# flag file, the pid file and /run/fwgen (fwgen's default state dir) are the real paths.
#
# Usage: handover.sh WORKDIR. Prints RESULT lines (see test/apply/handover.e2e.test.ts).
set -u
work=$1; here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
# The bundled CLI (npm run deb), copied to WORKDIR/bundle by the test so that a rebuild during the
# (slow) run cannot swap its chunks underneath.
bundle=$work/bundle; [ -e $bundle/fwgen.js ] || bundle=$repo/build/bundle
fwgen() { node "$bundle/fwgen.js" "$@"; }
probes=$here/handover-probes.py
flag=/run/proxmox-nftables-firewall-force-disable
tl=$work/timeline
mark() { echo "$(date +%s.%N) MARK $*" >> "$tl"; }
modprobe br_netfilter 2>/dev/null; modprobe nf_conntrack_bridge 2>/dev/null
# iptables-legacy loads ip_tables itself but not the table and matches pve-firewall's rules use
for m in iptable_filter xt_physdev xt_conntrack xt_multiport xt_mac xt_set ip_set_hash_net; do
  modprobe $m || echo "RESULT pf_error modprobe $m"
done
h=fwho-host; g=fwho-g100; o=fwho-out
for n in $h $g $o; do ip netns add $n; done
cleanup() {
  for p in $(jobs -p); do kill "$p" 2>/dev/null; done
  for n in $h $g $o; do ip netns del $n 2>/dev/null; done
}
trap cleanup EXIT
ih() { ip netns exec $h "$@"; }

# The node as qemu-server builds it with the flag file: vm100 behind fwbr100i0.
ih sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
ih ip link add vmbr0 type bridge; ih ip link set vmbr0 address 02:00:00:00:00:01 up
ih ip addr add 192.0.2.1/24 dev vmbr0
# host.fw names vmbr0 by an altname: fwgen reads `ip -j link` (FWGEN_IP, in this namespace) and
# must load the primary name, the only one nft's iifname matches
ih ip link property add dev vmbr0 altname lan0
ih ip link add fwbr100i0 type bridge; ih ip link set fwbr100i0 up
ih ip link add fwpr100p0 type veth peer name fwln100i0
ih ip link set fwpr100p0 master vmbr0 up; ih ip link set fwln100i0 master fwbr100i0 up
ih ip link add tap100i0 type veth peer name eth0 netns $g
ih ip link set tap100i0 master fwbr100i0 up
ip netns exec $g ip link set eth0 address bc:24:11:00:01:00 up
ip netns exec $g ip addr add 192.0.2.100/24 dev eth0
ih ip link add eth0 type veth peer name eth0 netns $o
ih ip link set eth0 master vmbr0 up
ip netns exec $o ip link set eth0 address 02:00:00:00:02:00 up
ip netns exec $o ip addr add 192.0.2.254/24 dev eth0
for n in $h $g $o; do ip netns exec $n ip link set lo up; done

# The tree: host and guest both DROP by default; vm100 admits 22 (logged) and 80.
root=$work/pve; mkdir -p $root/firewall $root/nodes/pve1/qemu-server
printf '[OPTIONS]\nenable: 1\nlog_ratelimit: enable=1,rate=1/second,burst=5\n' > $root/firewall/cluster.fw
printf '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 7000 -log info\nIN ACCEPT -i lan0 -p tcp -dport 7001\n' > $root/nodes/pve1/host.fw
echo 'net0: virtio=BC:24:11:00:01:00,bridge=vmbr0,firewall=1' > $root/nodes/pve1/qemu-server/100.conf
printf '[OPTIONS]\nenable: 1\npolicy_in: DROP\nlog_level_in: info\n\n[RULES]\nIN ACCEPT -p tcp -dport 22 -log info\nIN ACCEPT -p tcp -dport 80\n' > $root/firewall/100.fw
printf '#!/bin/sh\nexec ip netns exec %s nft "$@"\n' $h > $work/nft; chmod +x $work/nft
printf '#!/bin/sh\nexec ip netns exec %s ip "$@"\n' $h > $work/ip; chmod +x $work/ip
export FWGEN_NFT=$work/nft FWGEN_IP=$work/ip
args="--root $root --node pve1 --localnet 192.0.2.0/24"

pf_ruleset() { cat <<'RULES'
*filter
:PVEFW-INPUT - [0:0]
:PVEFW-OUTPUT - [0:0]
:PVEFW-FORWARD - [0:0]
:PVEFW-HOST-IN - [0:0]
:PVEFW-HOST-OUT - [0:0]
:PVEFW-FWBR-IN - [0:0]
:PVEFW-FWBR-OUT - [0:0]
:PVEFW-Drop - [0:0]
:tap100i0-IN - [0:0]
:tap100i0-OUT - [0:0]
-A INPUT -j PVEFW-INPUT
-A OUTPUT -j PVEFW-OUTPUT
-A FORWARD -j PVEFW-FORWARD
-A PVEFW-INPUT -j PVEFW-HOST-IN
-A PVEFW-OUTPUT -j PVEFW-HOST-OUT
-A PVEFW-HOST-IN -i lo -j ACCEPT
-A PVEFW-HOST-IN -m conntrack --ctstate INVALID -j DROP
-A PVEFW-HOST-IN -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A PVEFW-HOST-IN -p tcp -m set --match-set PVEFW-0-management-v4 src -m multiport --dports 22,8006 -j ACCEPT
-A PVEFW-HOST-IN -p tcp --dport 7000 -j ACCEPT
-A PVEFW-HOST-IN -i vmbr0 -p tcp --dport 7001 -j ACCEPT
-A PVEFW-HOST-IN -j PVEFW-Drop
-A PVEFW-HOST-IN -j DROP
-A PVEFW-HOST-OUT -j ACCEPT
-A PVEFW-FORWARD -m conntrack --ctstate INVALID -j DROP
-A PVEFW-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A PVEFW-FORWARD -m physdev --physdev-in fwln+ -j PVEFW-FWBR-IN
-A PVEFW-FORWARD -m physdev --physdev-out fwln+ -j PVEFW-FWBR-OUT
-A PVEFW-FORWARD -m physdev --physdev-is-bridged -j ACCEPT
-A PVEFW-FWBR-IN -m physdev --physdev-out tap100i0 --physdev-is-bridged -j tap100i0-IN
-A PVEFW-FWBR-OUT -m physdev --physdev-in tap100i0 --physdev-is-bridged -j tap100i0-OUT
-A PVEFW-Drop -p tcp --dport 135:139 -j DROP
-A tap100i0-IN -p tcp --dport 22 -j ACCEPT
-A tap100i0-IN -p tcp --dport 80 -j ACCEPT
-A tap100i0-IN -j PVEFW-Drop
-A tap100i0-IN -j DROP
-A tap100i0-OUT -m mac ! --mac-source bc:24:11:00:01:00 -j DROP
-A tap100i0-OUT -j ACCEPT
COMMIT
RULES
}
pf_start() {
  ih ipset create PVEFW-0-management-v4 hash:net family inet
  ih ipset add PVEFW-0-management-v4 192.0.2.0/24
  pf_ruleset | ih iptables-legacy-restore -n || echo "RESULT pf_error iptables-legacy-restore"
  touch $flag
  sleep 100000 & echo $! > /run/pve-firewall.pid
}
pf_stop() {  # PF remove_pvefw_chains: unhook, flush, delete its chains and ipsets
  for c in INPUT OUTPUT FORWARD; do ih iptables-legacy -D $c -j PVEFW-$c; done
  for c in $(ih iptables-legacy -S | awk '/^-N (PVEFW-|tap)/{print $2}'); do ih iptables-legacy -F $c; done
  for c in $(ih iptables-legacy -S | awk '/^-N (PVEFW-|tap)/{print $2}'); do ih iptables-legacy -X $c; done
  ih ipset destroy PVEFW-0-management-v4
  kill "$(cat /run/pve-firewall.pid)"; rm -f /run/pve-firewall.pid
}
pf_chains() { ih iptables-legacy -S 2>/dev/null | grep -c 'PVEFW-'; }

# Echo servers: vm100 22/23/80, host 7000/9999.
python3 $repo/test/netns/probe.py serve --tcp 22,23,80 --netns $g --ready-file $work/srv-g &
python3 $repo/test/netns/probe.py serve --tcp 7000,7001,9999 --netns $h --ready-file $work/srv-h &
for i in $(seq 150); do [ -e $work/srv-g ] && [ -e $work/srv-h ] && break; sleep 0.2; done

pf_start
echo "RESULT pf_loaded $(pf_chains) $([ -e $flag ] && echo flag)"
targets="vm100-23=192.0.2.100:23 host-9999=192.0.2.1:9999 vm100-80=192.0.2.100:80 host-7000=192.0.2.1:7000 host-7001=192.0.2.1:7001"
ip netns exec $o python3 $probes hold 192.0.2.100 80 $work/held $work/stop-hold > $work/hold.out &
hold=$!
for i in $(seq 150); do [ -e $work/held ] && break; sleep 0.2; done
ip netns exec $o python3 $probes loop $tl $work/stop-loop1 $targets &
loop=$!
sleep 3; mark pve-firewall

# ---- hand-over (packaging/README.md) ----
mark step1-check
fwgen compile --strict $args > /dev/null && fwgen diff $args > $work/diff; echo "RESULT step1 $?"
mark step3-apply
fwgen apply $args > $work/apply3 2>&1; echo "RESULT step3 $? $(head -1 $work/apply3)"
echo "RESULT step3_flag $([ -e $flag ] && echo kept || echo removed) $(pf_chains)"
sleep 2
mark step4-switch
pf_stop; mark step4-pf-stopped
echo "RESULT pf_stopped $(pf_chains)"
fwgen apply $args > $work/apply4 2>&1; echo "RESULT step4 $? $(tr '\n' '|' < $work/apply4)"
echo "RESULT step4_flag $([ -e $flag ] && echo kept || echo removed)"
mark step4-done
fwgen status $args > $work/status 2>&1; echo "RESULT step6 $? $(grep -o 'matches the config' $work/status)"
echo "RESULT tables $(ih nft list tables | tr '\n' ',')"
echo "RESULT altname $(ih nft list table inet fwgen | grep -o 'iifname "[a-z0-9]*" tcp dport 7001' | tr '\n' ',')"
sleep 3; mark fwgen
touch $work/stop-loop1; wait $loop

# ---- logging: NFLOG group 0, read like pvefw-logger does ----
ih python3 $repo/test/kernel-lab/facts/nflog-read.py 0 $work/nflog-ready 30 > $work/nflog.txt &
reader=$!
for i in $(seq 150); do [ -e $work/nflog-ready ] && break; sleep 0.2; done
ip netns exec $o python3 $probes burst 20 192.0.2.100 22
ip netns exec $o python3 $probes burst 3 192.0.2.1 7000 > /dev/null
ip netns exec $o python3 $probes burst 2 192.0.2.100 24 > /dev/null
sleep 1; kill $reader; wait $reader 2>/dev/null
sed 's/^/NFLOG /' $work/nflog.txt

# ---- hand-back (packaging/README.md) ----
ip netns exec $o python3 $probes loop $tl $work/stop-loop2 $targets &
loop=$!
sleep 3; mark handback
fwgen stop > $work/stop 2>&1; echo "RESULT stop $? $(ih nft list tables | tr '\n' ',')"
mark handback-fwgen-stopped
pf_start; mark handback-pf-started
echo "RESULT pf_back $(pf_chains) $([ -e $flag ] && echo flag)"
sleep 3; mark end
touch $work/stop-loop2 $work/stop-hold; wait $loop; wait $hold
cat $work/hold.out
python3 $probes analyse $tl
echo "RESULT done ok"
