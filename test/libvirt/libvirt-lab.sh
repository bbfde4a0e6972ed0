#!/bin/bash
# libvirt-lab.sh DIR : the libvirt end-to-end scenario (test/libvirt/libvirt.e2e.test.ts), run as
# root in the kernel lab (or a kernel with bridge reject/conntrack). Builds, in namespaces it
# creates (never the root namespace), a KVM host with libvirt's default network:
#   ns lvlab-host   virbr0 192.168.122.1/24 (ports vnet0, vnet1), eth1 10.0.0.1/24 uplink,
#                   ip_forward=1, br_netfilter on, a dnsmasq-like listener (UDP 67, 53)
#   ns lvlab-guest  eth0 52:54:00:12:34:56 192.168.122.10 (host end vnet0: domain 'web', TCP 80 81 22)
#   ns lvlab-peer   eth0 52:54:00:aa:00:02 192.168.122.11 (host end vnet1: an unfiltered guest)
#   ns lvlab-out    eth0 10.0.0.2 (the world behind libvirt's NAT, TCP 80)
# DIR holds libvirt_network.nft, admin.nft, admin-fix.nft, docker.nft, docker-fix.nft, fwgen.nft,
# doctor.mjs (fwgen doctor bundled) and doctor.args. Prints "RESULT ID …", "OUT ID …", "DONE".
set -u
DIR=$(cd "$1" && pwd)
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
P=lvlab-
LV="python3 -S $here/lvprobe.py"
W=$(mktemp -d "${TMPDIR:-/tmp}/lvlab.XXXXXX")
NODES="host guest peer out"
cleanup() {
  for n in $NODES; do
    pids=$(ip netns pids $P$n 2>/dev/null); [ -n "$pids" ] && kill $pids 2>/dev/null
    ip netns del $P$n 2>/dev/null
  done
  rm -rf "$W"
}
trap cleanup EXIT
X() { local n=$1; shift; ip netns exec $P$n "$@"; }
H() { X host "$@"; }

modprobe -a bridge veth br_netfilter nf_conntrack_bridge nft_reject_bridge nft_meta_bridge nft_reject_inet nft_masq nft_nat nft_chain_nat 2>/dev/null
for n in $NODES; do ip netns add $P$n; X $n ip link set lo up; done
H sysctl -qw net.ipv4.ip_forward=1
H sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1 2>/dev/null
H ip link add virbr0 type bridge stp_state 0 forward_delay 0
H ip link set virbr0 address 52:54:00:00:12:01
H ip addr add 192.168.122.1/24 dev virbr0
H ip link set virbr0 up
port() { # NS PORT MAC IP
  ip link add "$2" netns ${P}host type veth peer name eth0 netns $P$1
  H ip link set "$2" master virbr0 up
  X "$1" ip link set eth0 address "$3"
  X "$1" ip addr add "$4/24" dev eth0
  X "$1" ip link set eth0 up
  X "$1" ip route add default via 192.168.122.1
}
port guest vnet0 52:54:00:12:34:56 192.168.122.10
port peer vnet1 52:54:00:aa:00:02 192.168.122.11
ip link add eth1 netns ${P}host type veth peer name eth0 netns ${P}out
H ip addr add 10.0.0.1/24 dev eth1; H ip link set eth1 up
X out ip addr add 10.0.0.2/24 dev eth0; X out ip link set eth0 up
echo "LAB kernel=$(uname -r) brnf=$(H cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)"

X guest $LV serve-tcp 80,81,22 & X out $LV serve-tcp 80 & H $LV dnsmasq virbr0 &
sleep 2

load() { # ID FILE
  local out; out=$(H nft -f "$DIR/$2" 2>&1); echo "RESULT $1 rc=$?"; [ -n "$out" ] && echo "$out" | sed "s/^/OUT $1 /"
}
doctor() { # ID
  local out rc
  out=$(H env HOME=/tmp node "$DIR/doctor.mjs" doctor $(cat "$DIR/doctor.args") 2>&1); rc=$?
  echo "RESULT $1 rc=$rc"; echo "$out" | sed "s/^/OUT $1 /"
}
probe() { # ID NODE ARGS...
  local id=$1 n=$2; shift 2
  echo "RESULT $id $(X "$n" $LV "$@" 2>&1 | tail -1)"
}
probes() { # PREFIX
  local pids=()  # not a bare `wait`: the servers are background jobs too
  probe "$1_peer_web80" peer tcp 192.168.122.10 80 & pids+=($!)
  probe "$1_peer_web81" peer tcp 192.168.122.10 81 & pids+=($!)
  probe "$1_peer_web22" peer tcp 192.168.122.10 22 & pids+=($!)
  probe "$1_web_out80" guest tcp 10.0.0.2 80 & pids+=($!)
  wait "${pids[@]}"
  probe "$1_web_dhcp" guest dhcp eth0
  probe "$1_web_dns" guest dns 192.168.122.1
}

load libvirt libvirt_network.nft
load admin admin.nft
H nft -s list table ip libvirt_network > "$W/libvirt.before"
load fwgen fwgen.nft
doctor doctor_admin
probes admin
load adminfix admin-fix.nft
doctor doctor_adminfix
probes fixed
load docker docker.nft
doctor doctor_docker
probes docker
load dockerfix docker-fix.nft
doctor doctor_dockerfix
probes dockerfix
load fwgen_again fwgen.nft
H nft -s list table ip libvirt_network > "$W/libvirt.after"
if cmp -s "$W/libvirt.before" "$W/libvirt.after"; then echo "RESULT libvirt_identical yes"; else echo "RESULT libvirt_identical no"; diff "$W/libvirt.before" "$W/libvirt.after" | sed 's/^/OUT libvirt_identical /'; fi
H nft list ruleset > "$DIR/final-ruleset.nft" 2>&1
echo DONE
