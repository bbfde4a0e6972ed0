#!/bin/bash
# Runs inside the kernel lab (Debian kernel: bridge reject/ct, like Proxmox), as root, in network
# namespaces made here. Uses the bundled CLI build/bundle/fwgen.js (npm run deb). Prints RESULT lines:
#   RESULT apply1 <rc>            RESULT apply2 <rc> <no changes|…>   RESULT tables <list>
#   RESULT conn <ok|lost> <n>     RESULT reapply <rc> <first line>    RESULT noop_ms <ms>
#   RESULT set_plan <sysctl lines>    RESULT set_apply1 <rc> <sysctl lines>   RESULT set_values <v>
#   RESULT set_apply2 <rc> <n sysctl lines> <last line>   RESULT set_initial <before> -> <after>
# Usage: lab-apply.sh WORKDIR   (WORKDIR shared read-write; the tree and state go there)
set -u
work=$1; here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
cli="node $repo/build/bundle/fwgen.js"
modprobe br_netfilter 2>/dev/null; modprobe nf_conntrack_bridge 2>/dev/null
h=fwlab-host; g=fwlab-g100; o=fwlab-out
for n in $h $g $o; do ip netns add $n; done
trap 'for n in $h $g $o; do ip netns del $n 2>/dev/null; done' EXIT
ih() { ip netns exec $h "$@"; }
ih ip link add vmbr0 type bridge; ih ip link set vmbr0 address 02:00:00:00:00:01 up
ih ip addr add 192.0.2.1/24 dev vmbr0
ih ip link add tap100i0 type veth peer name eth0 netns $g
ip netns exec $g ip link set eth0 address bc:24:11:00:01:00 up
ip netns exec $g ip addr add 192.0.2.100/24 dev eth0
ih ip link add eth0 type veth peer name eth0 netns $o
ip netns exec $o ip link set eth0 address 02:00:00:00:02:00 up
ip netns exec $o ip addr add 192.0.2.254/24 dev eth0
for p in tap100i0 eth0; do ih ip link set $p master vmbr0 up; done
for n in $h $g $o; do ip netns exec $n ip link set lo up; done

root=$work/pve; mkdir -p $root/firewall $root/nodes/pve1/qemu-server
printf '[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n' > $root/firewall/cluster.fw
printf '[OPTIONS]\nenable: 1\n' > $root/nodes/pve1/host.fw
echo 'net0: virtio=BC:24:11:00:01:00,bridge=vmbr0,firewall=1' > $root/nodes/pve1/qemu-server/100.conf
printf '[OPTIONS]\nenable: 1\npolicy_in: DROP\n\n[RULES]\nIN ACCEPT -p tcp -dport 5000\nIN ACCEPT -p tcp -dport 6000\n' > $root/firewall/100.fw
printf '#!/bin/sh\nexec ip netns exec %s nft "$@"\n' $h > $work/nft; chmod +x $work/nft
export FWGEN_NFT=$work/nft FWGEN_STATE_DIR=$work/state
# Kernel settings: a fake root with the defaults for the runs in the initial namespace (fwgen runs
# there, only nft goes into $h); the settings part below runs fwgen itself inside $h.
sr=$work/sysroot
for kv in proc/sys/net/netfilter/nf_conntrack_max=262144 sys/module/nf_conntrack/parameters/hashsize=65536 \
  proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established=432000 \
  proc/sys/net/netfilter/nf_conntrack_tcp_timeout_syn_recv=60 proc/sys/net/ipv4/tcp_syncookies=1; do
  mkdir -p "$sr/$(dirname "${kv%%=*}")"; echo "${kv#*=}" > "$sr/${kv%%=*}"
done
export FWGEN_SETTINGS_ROOT=$sr
args="--root $root --node pve1 --localnet 192.0.2.0/24"

$cli apply $args > $work/a1 2>&1; echo "RESULT apply1 $? $(tail -1 $work/a1)"; cat $work/a1
echo "RESULT tables $(ih nft list tables | tr '\n' ',')"
t0=$(date +%s%N); $cli apply $args > $work/a2 2>&1; rc=$?; t1=$(date +%s%N)
echo "RESULT apply2 $rc $(cat $work/a2)"; echo "RESULT noop_ms $(( (t1 - t0) / 1000000 ))"

# An established connection outside → guest:5000 that keeps talking while 100.fw's other rule changes.
ip netns exec $g python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 5000)); s.listen(1)
c, _ = s.accept()
while True:
    d = c.recv(100)
    if not d: break
    c.sendall(d)' &
srv=$!; sleep 2
ip netns exec $o python3 -c '
import socket, sys, time
c = socket.create_connection(("192.0.2.100", 5000), timeout=5); c.settimeout(5)
open(sys.argv[1], "w").close()
n = 0
try:
    for i in range(40):
        c.sendall(b"x"); c.recv(1); n += 1; time.sleep(0.25)
    print("RESULT conn ok", n)
except Exception as e:
    print("RESULT conn lost", n, type(e).__name__)' $work/connected &
cli_pid=$!
for i in $(seq 50); do [ -e $work/connected ] && break; sleep 0.2; done
sed -i 's/-dport 6000/-dport 6001/' $root/firewall/100.fw
$cli apply $args > $work/a3 2>&1; echo "RESULT reapply $? $(head -1 $work/a3)"
echo "RESULT newport $(ih nft list table bridge fwgen | grep -c 'dport 6001')"
wait $cli_pid; kill $srv 2>/dev/null

# Kernel settings, for real but only inside $h: the TCP timeouts and tcp_syncookies are per netns
# and written there; nf_conntrack_max and hashsize are global, so a netns can only plan them (the
# kernel refuses the writes: warnings). The initial namespace's values must not move.
p=/proc/sys/net/netfilter
printf '[OPTIONS]\nenable: 1\nnf_conntrack_max: 300000\nnf_conntrack_tcp_timeout_established: 86400\nnf_conntrack_tcp_timeout_syn_recv: 30\n' > $root/nodes/pve1/host.fw
init0=$(cat $p/nf_conntrack_max $p/nf_conntrack_tcp_timeout_established | tr '\n' ' ')
inh() { ih env -u FWGEN_SETTINGS_ROOT "$@"; }
inh $cli apply --dry-run $args > $work/s0 2>&1
echo "RESULT set_plan $(grep '^sysctl' $work/s0 | tr '\n' ';')"
inh $cli apply $args > $work/s1 2>&1; rc=$?
echo "RESULT set_apply1 $rc $(grep '^sysctl' $work/s1 | tr '\n' ';')"; cat $work/s1
echo "RESULT set_values $(ih cat $p/nf_conntrack_tcp_timeout_established $p/nf_conntrack_tcp_timeout_syn_recv | tr '\n' ' ')"
inh $cli apply $args > $work/s2 2>&1; rc=$?
echo "RESULT set_apply2 $rc $(grep -c '^sysctl' $work/s2) $(tail -1 $work/s2)"; cat $work/s2
echo "RESULT set_initial $init0-> $(cat $p/nf_conntrack_max $p/nf_conntrack_tcp_timeout_established | tr '\n' ' ')"
$cli stop > /dev/null; echo "RESULT stop $? $(ih nft list tables | tr '\n' ',')"
echo "RESULT done ok"
