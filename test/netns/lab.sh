#!/bin/bash
# Proxmox-like lab topology in network namespaces (never touches the root namespace).
#
#   ns ${P}outside  eth0 02:00:00:00:02:00 192.0.2.254 2001:db8::254
#        | veth, host end "eth0"
#   ns ${P}host     vmbr0 bridge 02:00:00:00:00:01 192.0.2.1/24 2001:db8::1/64 (stp off, fd 0)
#        | ports: eth0, tap100i0, tap101i0, tap102i0, veth200i0 (all veth)
#   ns ${P}vm100    eth0 bc:24:11:00:01:00 192.0.2.100 2001:db8::100   (host end tap100i0)
#   ns ${P}vm101    eth0 bc:24:11:00:01:01 192.0.2.101 2001:db8::101   (host end tap101i0)
#   ns ${P}vm102    eth0 bc:24:11:00:01:02 192.0.2.102 2001:db8::102   (host end tap102i0, NIC with firewall=0)
#   ns ${P}ct200    eth0 bc:24:11:00:02:00 192.0.2.50  2001:db8::50    (host end veth200i0, container)
#
# LAB_PLUMBING: how the guest ports reach the uplink (a Proxmox node builds each of these):
#   direct      (default) as drawn above
#   fwbr        the filtered guests (vm100, vm101, ct200) behind firewall bridges, as qemu-server
#               and pve-container plug them when needs_fwbr holds: port in fwbr<vmid>i0, veth
#               fwln<vmid>i0 (in fwbr) / fwpr<vmid>p0 (in vmbr0); vm102 stays on vmbr0
#   vlanaware   vmbr0 vlan_filtering 1: guest ports and the host (self) PVID $LAB_VID untagged,
#               eth0 a tagged member; ${P}outside has its addresses on eth0.$LAB_VID
#   vlanbridge  vmbr0v$LAB_VID with eth0.$LAB_VID and every guest port, the host's MAC and
#               addresses on it (vmbr0 keeps eth0, untagged); ${P}outside on eth0.$LAB_VID
#
# Usage:  test/netns/lab.sh up|down|status
#   or:   . test/netns/lab.sh ; lab_up ; lab_exec vm100 ip a ; lab_down
# LAB_PREFIX (default "fwlab-") prefixes the namespace names. Short names used by the helpers:
# host outside vm100 vm101 vm102 ct200 (LAB_NODES).

P=${LAB_PREFIX:-fwlab-}
LAB_PLUMBING=${LAB_PLUMBING:-direct}
LAB_VID=${LAB_VID:-10}
LAB_NODES="host outside vm100 vm101 vm102 ct200"
LAB_GUESTS="vm100 vm101 vm102 ct200"

declare -A LAB_MAC=([host]=02:00:00:00:00:01 [outside]=02:00:00:00:02:00
  [vm100]=bc:24:11:00:01:00 [vm101]=bc:24:11:00:01:01 [vm102]=bc:24:11:00:01:02 [ct200]=bc:24:11:00:02:00)
declare -A LAB_IP4=([host]=192.0.2.1 [outside]=192.0.2.254
  [vm100]=192.0.2.100 [vm101]=192.0.2.101 [vm102]=192.0.2.102 [ct200]=192.0.2.50)
declare -A LAB_IP6=([host]=2001:db8::1 [outside]=2001:db8::254
  [vm100]=2001:db8::100 [vm101]=2001:db8::101 [vm102]=2001:db8::102 [ct200]=2001:db8::50)
# bridge port (in ${P}host) of each node
declare -A LAB_PORT=([outside]=eth0 [vm100]=tap100i0 [vm101]=tap101i0 [vm102]=tap102i0 [ct200]=veth200i0)
# fwbr plumbing: the guests with firewall=1, by vmid
declare -A LAB_FWBR=([vm100]=100 [vm101]=101 [ct200]=200)

lab_ns() { echo "${P}$1"; }                                   # short name -> namespace
lab_exec() { local n=$1; shift; ip netns exec "${P}$n" "$@"; }  # lab_exec NODE CMD...
H()     { lab_exec host "$@"; }
O()     { lab_exec outside "$@"; }
VM100() { lab_exec vm100 "$@"; }
VM101() { lab_exec vm101 "$@"; }
VM102() { lab_exec vm102 "$@"; }
CT200() { lab_exec ct200 "$@"; }

lab_down() {
  local n ns pids
  for n in $LAB_NODES; do
    ns=${P}$n
    [ -e "/run/netns/$ns" ] || continue
    pids=$(ip netns pids "$ns" 2>/dev/null)
    # shellcheck disable=SC2086
    [ -n "$pids" ] && { kill $pids 2>/dev/null; sleep 0.1; kill -9 $pids 2>/dev/null; }
    ip netns del "$ns" 2>/dev/null
  done
  return 0
}

# few process starts (ip -batch): under emulation every exec costs ~0.1-0.3 s
_lab_ns_setup() { # NODE, ip batch on stdin: DAD off, then run the batch in the namespace
  ip netns exec "${P}$1" sh -c '
    for k in all default; do
      echo 0 > /proc/sys/net/ipv6/conf/$k/accept_dad
      echo 0 > /proc/sys/net/ipv6/conf/$k/dad_transmits
    done
    exec ip -b -'
}

_lab_bridge() { echo "link add $1 ${2:-} type bridge stp_state 0 forward_delay 0"; }

# ip batch for ${P}host: the ports into their bridges, the host address (LAB_PLUMBING)
_lab_plumbing() {
  local n p id br=vmbr0 v=$LAB_VID
  case $LAB_PLUMBING in
    direct|fwbr|vlanaware|vlanbridge) ;;
    *) echo "lab.sh: unknown LAB_PLUMBING $LAB_PLUMBING" >&2; return 1 ;;
  esac
  [ "$LAB_PLUMBING" = vlanaware ] && echo "link set vmbr0 type bridge vlan_filtering 1"
  if [ "$LAB_PLUMBING" = vlanbridge ]; then
    br=vmbr0v$v
    # vmbr0 stays the uplink's untagged bridge; the host MAC and address go to vmbr0v<vid>
    echo "link set vmbr0 address 02:00:00:00:00:f1"
    _lab_bridge "$br" "address ${LAB_MAC[host]}"
    echo "link add link eth0 name eth0.$v type vlan id $v"
    echo "link set eth0 master vmbr0 up"
    echo "link set eth0.$v master $br up"
    echo "link set vmbr0 up"
  else
    echo "link set eth0 master vmbr0 up"
  fi
  for n in $LAB_GUESTS; do
    p=${LAB_PORT[$n]} id=${LAB_FWBR[$n]:-}
    if [ "$LAB_PLUMBING" = fwbr ] && [ -n "$id" ]; then
      _lab_bridge "fwbr${id}i0"
      echo "link add fwln${id}i0 type veth peer name fwpr${id}p0"
      echo "link set fwln${id}i0 master fwbr${id}i0 up"
      echo "link set fwpr${id}p0 master vmbr0 up"
      echo "link set $p master fwbr${id}i0 up"
      echo "link set fwbr${id}i0 up"
    else
      echo "link set $p master $br up"
    fi
  done
  echo "link set $br up"
  echo "addr add ${LAB_IP4[host]}/24 dev $br"
  echo "addr add ${LAB_IP6[host]}/64 dev $br nodad"
}

# vlanaware: PVID untagged on the guest ports and the host (self), eth0 a tagged member
_lab_vlans() {
  local n p v=$LAB_VID
  [ "$LAB_PLUMBING" = vlanaware ] || return 0
  {
    for n in $LAB_GUESTS; do
      p=${LAB_PORT[$n]}
      echo "vlan del dev $p vid 1"
      echo "vlan add dev $p vid $v pvid untagged"
    done
    echo "vlan del dev eth0 vid 1"
    echo "vlan add dev eth0 vid $v"
    echo "vlan del dev vmbr0 vid 1 self"
    echo "vlan add dev vmbr0 vid $v pvid untagged self"
  } | H bridge -b -
}

lab_up() {
  lab_down
  local n p i want addrdev=eth0
  case $LAB_PLUMBING in vlanaware|vlanbridge) addrdev=eth0.$LAB_VID ;; esac
  for n in $LAB_NODES; do echo "netns add ${P}$n"; done | ip -b - || { lab_down; return 1; }
  _lab_ns_setup host <<EOF || { lab_down; return 1; }
link set lo up
link add vmbr0 address ${LAB_MAC[host]} type bridge stp_state 0 forward_delay 0
EOF
  for n in outside $LAB_GUESTS; do
    p=${LAB_PORT[$n]}
    # VLAN plumbings: the uplink's far end has its addresses on eth0.<vid> (tagged on the wire)
    local dev=eth0 vl=""
    if [ "$n" = outside ] && [ "$addrdev" != eth0 ]; then
      dev=$addrdev
      vl="link add link eth0 name $dev type vlan id $LAB_VID"
    fi
    _lab_ns_setup "$n" <<EOF || { lab_down; return 1; }
link set lo up
link add eth0 address ${LAB_MAC[$n]} type veth peer name $p netns ${P}host
link set eth0 up
$vl
addr add ${LAB_IP4[$n]}/24 dev $dev
addr add ${LAB_IP6[$n]}/64 dev $dev nodad
link set $dev up
EOF
  done
  _lab_plumbing | ip -n "${P}host" -b - || { lab_down; return 1; }
  _lab_vlans || { lab_down; return 1; }
  # every port of every bridge forwarding
  want=$(ip -n "${P}host" -o link show | grep -c ' master ')
  for i in $(seq 100); do
    [ "$(H bridge link show | grep -c 'state forwarding')" = "$want" ] && break
    sleep 0.1
  done
  return 0
}

lab_status() {
  ip netns list | grep "^$P" || true
  H bridge link show 2>/dev/null
  local n; for n in $LAB_NODES; do echo "== $n"; lab_exec "$n" ip -br addr 2>/dev/null; done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    up) lab_up && lab_status ;;
    down) lab_down ;;
    status) lab_status ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
  esac
fi
