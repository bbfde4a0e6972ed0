#!/bin/bash
# run-scenarios.sh DIR : runs the scenarios in DIR/scenarios.txt in the netns lab (lab.sh) and
# prints machine-readable lines on stdout. Runs inside the kernel lab (qemu, Debian kernel) or
# directly on a kernel with bridge reject/conntrack. Needs root, nft, ip, python3.
# Every packet stays inside namespaces created here (prefix $LAB_PREFIX, default fwlab-);
# nothing is loaded into, changed in or sent from the root namespace. Everything is torn down
# at exit.
#
# ---- scenarios.txt format (one command per line; blank lines and lines starting with '#'
#      are ignored (no trailing comments); fields are split on blanks, so no field may contain
#      blanks except exec's COMMAND, which is the rest of the line) ----
#   scenario NAME RULESET [brnf=0|1] [fresh] [plumbing=direct|fwbr|vlanaware|vlanbridge]
#       Starts a scenario. First scenario (or 'fresh', or another plumbing than the last one):
#       build the topology (lab.sh, LAB_PLUMBING) and start the servers; later ones reuse it.
#       Then: `nft flush ruleset` in ${P}host, modprobe
#       br_netfilter, bridge-nf-call-iptables/ip6tables := brnf (default 1, like a Proxmox
#       host), `nft -f DIR/RULESET` in ${P}host (RULESET '-' = load nothing).
#       Prints: RESULT NAME LOADED | RESULT NAME LOADFAIL rc=<n> <first error line>
#       After LOADFAIL every probe/flood/dhcp of that scenario prints RESULT ID SKIPPED.
#   probe ID FROM tcp|udp HOST PORT [timeout=S]
#       Client connection from node FROM. tcp -> OPEN|REFUSED|UNREACH|TIMEOUT,
#       udp -> REPLY|REFUSED|UNREACH|TIMEOUT. Consecutive probe lines run in PARALLEL
#       (any other line is a barrier). Prints: RESULT ID <status>
#   flood ID FROM DST_MAC HOST PORT [vlan=N] [src_ip=A] [src_mac=M]
#       (src_ip / src_mac: spoof the frame's source, for the MAC filter and ipfilter tests;
#       from outside on a VLAN plumbing the frame is tagged with $LAB_VID unless vlan= is given)
#       One hand-made TCP SYN from FROM's eth0 (its own MAC and IP of HOST's family) to
#       Ethernet DST_MAC (a MAC or a node name), IP HOST, dport PORT. Captures for $FLOOD_WAIT s
#       (AF_PACKET, incoming frames on eth0 of every node except host; same view as a
#       netdev-ingress counter, but no nft runs needed): RSTs coming back to FROM and copies of
#       the SYN arriving at each other node. Prints:
#       RESULT ID rst=<n> syn_outside=<n> syn_vm100=<n> syn_vm101=<n> syn_vm102=<n> syn_ct200=<n>
#       (the sender's own syn_ field is omitted)
#   dhcp ID FROM LISTENER
#       FROM's eth0 sends a DHCPDISCOVER (0.0.0.0:68 -> 255.255.255.255:67, broadcast MAC)
#       while node LISTENER listens on UDP 0.0.0.0:67. Prints RESULT ID GOT <ip>:<port> | TIMEOUT
#   exec ID NODE COMMAND...
#       sh -c COMMAND in node NODE's namespace, cwd DIR, env LAB_PREFIX, PROBE (probe.py path).
#       Prints: RESULT ID rc=<n>  followed by its stdout+stderr as lines "OUT ID <line>"
# Nodes: host outside vm100 vm101 vm102 ct200 (see lab.sh for MACs/addresses).
# HOST is a literal IPv4/IPv6 address.
# Servers (TCP echo / UDP echo, IPv4+IPv6) run in every node on $TCP_PORTS / $UDP_PORTS.
# Other output lines: "LAB kernel=<uname -r> nft=<ver>", "LAB features bridge_reject=yes|no
# bridge_ct=yes|no ibrname=yes|no", "ERROR <text>" (bad line etc.), and "DONE" at the very end.
# LAB_TRACE=1 adds "TIME <uptime> line <n> <cmd> <id>" lines (where does the time go).
# Exit code: 0 after DONE (probe outcomes do not change it), 2 on usage / lab setup failure.
set -u
TCP_PORTS=${TCP_PORTS:-22,23,80,443,3128,5900,8006,8080,9000:9010}
UDP_PORTS=${UDP_PORTS:-53,123,161,514,9000:9010}
PROBE_TIMEOUT=${PROBE_TIMEOUT:-2}
# loaded in the background at start (one modprobe instead of many autoload round trips;
# missing ones are ignored, e.g. on a kernel with everything built in)
PRELOAD_MODULES=${PRELOAD_MODULES:-bridge veth br_netfilter nf_tables nft_ct nf_conntrack_bridge nft_reject_bridge nft_meta_bridge nft_reject_inet nft_limit nft_log nfnetlink_log 8021q}
FLOOD_WAIT=${FLOOD_WAIT:-1}   # seconds to capture after a flood frame
FRAME_SPORT_BASE=20000        # hand-made SYNs use sport 20000..20999 (below the ephemeral range)

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
DIR=${1:-}
[ -n "$DIR" ] && [ -f "$DIR/scenarios.txt" ] || { echo "usage: $0 DIR   (DIR/scenarios.txt)" >&2; exit 2; }
DIR=$(cd "$DIR" && pwd)
PROBE=$here/probe.py
export PROBE LAB_PREFIX=${LAB_PREFIX:-fwlab-}
# shellcheck source=lab.sh
. "$here/lab.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fwlab-run.XXXXXX")
PY="${PYTHON:-python3} -S"
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; lab_down; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

lab_started=0
trace() { [ -n "${LAB_TRACE:-}" ] && echo "TIME $(awk '{print $1}' /proc/uptime) $*"; return 0; }
scen=""; scen_ok=1; flood_n=0

features() { # what this kernel can do (nft -c in the lab's host namespace)
  local t=$WORK/feat.nft r=no ct=no ib=no
  feat() { printf 'table bridge labfeat {\n chain p { type filter hook prerouting priority -150; %s; }\n}\n' "$*" > "$t"; H nft -c -f "$t" >/dev/null 2>&1; }
  if feat 'tcp dport 1 reject with tcp reset; ct state established accept; meta ibrname "vmbr0" accept'; then r=yes ct=yes ib=yes
  else
    feat 'tcp dport 1 reject with tcp reset' && r=yes
    feat 'ct state established accept' && ct=yes
    feat 'meta ibrname "vmbr0" accept' && ib=yes
  fi
  echo "LAB features bridge_reject=$r bridge_ct=$ct ibrname=$ib"
}

lab_start() {
  [ -n "${SERVER_PID:-}" ] && { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }
  local n i nss=""
  for n in $LAB_NODES; do nss+="${nss:+,}${P}$n"; done
  rm -f "$WORK/ready" "$WORK/go"
  # one process serves every namespace (its sockets live in the lab namespaces); it starts
  # (python start-up) while the topology is built and binds once $WORK/go exists
  $PY "$PROBE" serve --netns "$nss" --tcp "$TCP_PORTS" --udp "$UDP_PORTS" --wait-file "$WORK/go" \
    --ready-file "$WORK/ready" >/dev/null 2>"$WORK/serve.err" &
  SERVER_PID=$!
  lab_up || { echo "ERROR lab_up failed"; exit 2; }
  touch "$WORK/go"
  trace lab_up done
  for i in $(seq 300); do [ -e "$WORK/ready" ] && break; sleep 0.05; done
  [ -e "$WORK/ready" ] || echo "ERROR servers did not start: $(head -c 300 "$WORK/serve.err")"
  trace servers ready
  lab_started=1
}

node_ok() { case " $LAB_NODES " in *" $1 "*) return 0;; esac; echo "RESULT $2 ERROR unknown node $1"; return 1; }

# --- probe blocks: collected, then run in parallel per source node ---
pending=()   # "ID FROM proto host port timeout"
flush_probes() { # one process runs the whole block in parallel threads, each in its netns
  [ ${#pending[@]} -gt 0 ] || return 0
  local line id from rest
  declare -A res=()
  for line in "${pending[@]}"; do
    read -r id from rest <<<"$line"; echo "$id ${P}$from $rest"
  done | $PY "$PROBE" batch --timeout "$PROBE_TIMEOUT" > "$WORK/batch" 2>&1
  while read -r tag id st; do [ "$tag" = RESULT ] && res[$id]=$st; done < "$WORK/batch"
  for line in "${pending[@]}"; do
    read -r id rest <<<"$line"
    echo "RESULT $id ${res[$id]:-ERROR no result ($(head -c 300 "$WORK/batch" | tr '\n' ' '))}"
  done
  pending=()
}

do_scenario() { # NAME RULESET [opts]
  local name=$1 rs=$2 brnf=1 fresh=0 o rc err pl=direct; shift 2
  for o in "$@"; do
    case $o in
      brnf=0|brnf=1) brnf=${o#brnf=};;
      fresh) fresh=1;;
      plumbing=direct|plumbing=fwbr|plumbing=vlanaware|plumbing=vlanbridge) pl=${o#plumbing=};;
      *) echo "ERROR scenario $name: unknown option $o";;
    esac
  done
  scen=$name; scen_ok=1
  [ "$pl" != "$LAB_PLUMBING" ] && fresh=1
  LAB_PLUMBING=$pl
  if [ $lab_started = 0 ] || [ $fresh = 1 ]; then lab_start; fi
  [ -n "$MODPROBE_PID" ] && { wait "$MODPROBE_PID"; MODPROBE_PID=""; }
  modprobe br_netfilter 2>/dev/null
  trace modprobe done
  for f in iptables ip6tables; do
    [ -e /proc/sys/net/bridge/bridge-nf-call-$f ] || continue
    H sh -c "echo $brnf > /proc/sys/net/bridge/bridge-nf-call-$f"
  done
  [ "$brnf" = 1 ] && ! [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] && echo "ERROR br_netfilter not available"
  if [ "$rs" = - ]; then H nft flush ruleset; echo "RESULT $name LOADED"; return; fi
  case $rs in /*) ;; *) rs=$DIR/$rs;; esac
  printf 'flush ruleset\ninclude "%s"\n' "$rs" > "$WORK/load.nft"
  err=$(cd "$DIR" && H nft -f "$WORK/load.nft" 2>&1); rc=$?
  trace nft load done
  if [ $rc = 0 ]; then echo "RESULT $name LOADED"
  else
    scen_ok=0
    echo "RESULT $name LOADFAIL rc=$rc $(printf '%s\n' "$err" | grep -m1 -i 'error' | tr -s ' \t' ' ')"
    printf '%s\n' "$err" | head -n 20 | sed "s/^/OUT $name /"
  fi
}

do_flood() { # ID FROM DST HOST PORT [vlan=N] [src_ip=A] [src_mac=M]
  local id=$1 from=$2 dst=$3 host=$4 port=$5 vlan="" o sip="" smac="" n obs="" out
  shift 5
  for o in "$@"; do case $o in
    vlan=*) vlan="--vlan ${o#vlan=}";;
    src_ip=*) sip=${o#src_ip=};;
    src_mac=*) smac="--src-mac ${o#src_mac=}";;
    *) echo "ERROR flood $id: unknown option $o";; esac; done
  [ -n "${LAB_MAC[$dst]:-}" ] && dst=${LAB_MAC[$dst]}
  case $from.$LAB_PLUMBING in outside.vlan*) [ -z "$vlan" ] && vlan="--vlan $LAB_VID";; esac
  if [ -z "$sip" ]; then case $host in *:*) sip=${LAB_IP6[$from]};; *) sip=${LAB_IP4[$from]};; esac; fi
  flood_n=$((flood_n + 1))
  for n in outside $LAB_GUESTS; do obs+="${obs:+,}${P}$n=$n"; done
  # shellcheck disable=SC2086
  out=$($PY "$PROBE" frame eth0 --netns "${P}$from" --observe "$obs" --wait "$FLOOD_WAIT" \
    --dst-mac "$dst" --src-ip "$sip" --dst-ip "$host" --dport "$port" \
    --sport $((FRAME_SPORT_BASE + flood_n % 1000)) $vlan $smac 2>&1)
  case $out in rst=*) echo "RESULT $id $out";; *) echo "RESULT $id ERROR $(echo "$out" | tail -n1)";; esac
}

do_dhcp() { # ID FROM LISTENER
  local id=$1 from=$2 lis=$3 out
  out=$($PY "$PROBE" dhcp eth0 --netns "${P}$from" --listen-netns "${P}$lis" --count 2 --timeout 3 2>&1)
  echo "RESULT $id $(echo "$out" | tail -n1)"
}

do_exec() { # ID NODE COMMAND...
  local id=$1 n=$2 rc; shift 2
  node_ok "$n" "$id" || return
  (cd "$DIR" && lab_exec "$n" sh -c "$*") > "$WORK/exec.out" 2>&1; rc=$?
  echo "RESULT $id rc=$rc"
  sed "s/^/OUT $id /" "$WORK/exec.out"
}

modprobe -a -q $PRELOAD_MODULES >/dev/null 2>&1 &
MODPROBE_PID=$!
echo "LAB kernel=$(uname -r) nft=$(nft --version 2>/dev/null | awk '{print $2}')"
lineno=0
while IFS= read -r raw || [ -n "$raw" ]; do
  lineno=$((lineno + 1))
  line=$raw
  [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
  read -r -a f <<<"$line"
  [ ${#f[@]} -gt 0 ] || continue
  trace "line $lineno ${f[0]} ${f[1]:-}"
  [ "${f[0]}" = probe ] || flush_probes
  if [ "${f[0]}" != scenario ] && [ -z "$scen" ]; then echo "ERROR line $lineno: '${f[0]}' before any scenario"; continue; fi
  case ${f[0]} in
    scenario)
      [ ${#f[@]} -ge 3 ] || { echo "ERROR line $lineno: scenario NAME RULESET [brnf=0|1] [fresh]"; continue; }
      do_scenario "${f[@]:1}"
      [ "${features_done:-}" ] || { features; features_done=1; }
      ;;
    probe)
      [ ${#f[@]} -ge 6 ] || { echo "ERROR line $lineno: probe ID FROM tcp|udp HOST PORT [timeout=S]"; continue; }
      [ $scen_ok = 1 ] || { echo "RESULT ${f[1]} SKIPPED"; continue; }
      node_ok "${f[2]}" "${f[1]}" || continue
      t=$PROBE_TIMEOUT; [ "${f[6]:-}" ] && t=${f[6]#timeout=}
      pending+=("${f[1]} ${f[2]} ${f[3]} ${f[4]} ${f[5]} $t")
      ;;
    flood)
      [ ${#f[@]} -ge 6 ] || { echo "ERROR line $lineno: flood ID FROM DST_MAC HOST PORT [vlan=N]"; continue; }
      [ $scen_ok = 1 ] || { echo "RESULT ${f[1]} SKIPPED"; continue; }
      node_ok "${f[2]}" "${f[1]}" && do_flood "${f[@]:1}"
      ;;
    dhcp)
      [ ${#f[@]} -ge 4 ] || { echo "ERROR line $lineno: dhcp ID FROM LISTENER"; continue; }
      [ $scen_ok = 1 ] || { echo "RESULT ${f[1]} SKIPPED"; continue; }
      node_ok "${f[2]}" "${f[1]}" && node_ok "${f[3]}" "${f[1]}" && do_dhcp "${f[@]:1}"
      ;;
    exec)
      [ ${#f[@]} -ge 4 ] || { echo "ERROR line $lineno: exec ID NODE COMMAND..."; continue; }
      read -r _ id n cmd <<<"$line"
      do_exec "$id" "$n" "$cmd"
      ;;
    *) echo "ERROR line $lineno: unknown command ${f[0]}";;
  esac
done < "$DIR/scenarios.txt"
flush_probes
trace end
echo DONE
