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
# Usage:  test/netns/lab.sh up|down|status
#   or:   . test/netns/lab.sh ; lab_up ; lab_exec vm100 ip a ; lab_down
# LAB_PREFIX (default "fwlab-") prefixes the namespace names. Short names used by the helpers:
# host outside vm100 vm101 vm102 ct200 (LAB_NODES).

P=${LAB_PREFIX:-fwlab-}
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

lab_up() {
  lab_down
  local n p i
  for n in $LAB_NODES; do echo "netns add ${P}$n"; done | ip -b - || { lab_down; return 1; }
  _lab_ns_setup host <<EOF || { lab_down; return 1; }
link set lo up
link add vmbr0 address ${LAB_MAC[host]} type bridge stp_state 0 forward_delay 0
EOF
  for n in outside $LAB_GUESTS; do
    p=${LAB_PORT[$n]}
    _lab_ns_setup "$n" <<EOF || { lab_down; return 1; }
link set lo up
link add eth0 address ${LAB_MAC[$n]} type veth peer name $p netns ${P}host
addr add ${LAB_IP4[$n]}/24 dev eth0
addr add ${LAB_IP6[$n]}/64 dev eth0 nodad
link set eth0 up
EOF
  done
  {
    for n in outside $LAB_GUESTS; do echo "link set ${LAB_PORT[$n]} master vmbr0 up"; done
    echo "link set vmbr0 up"
    echo "addr add ${LAB_IP4[host]}/24 dev vmbr0"
    echo "addr add ${LAB_IP6[host]}/64 dev vmbr0 nodad"
  } | ip -n "${P}host" -b - || { lab_down; return 1; }
  for i in $(seq 100); do
    [ "$(ip -n "${P}host" -d link show master vmbr0 up | grep -c 'state forwarding')" = 5 ] && break
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
