#!/bin/bash
# Kernel facts for issue 11 (pve-firewall parity: conntrack helpers, SYN-flood meter, VMID
# connmark, NFQUEUE, layer-2 filter, conntrack sysctls). Runs inside the kernel lab, only in the
# namespaces of test/netns/lab.sh that it creates, and prints one "FACT <name> <result>" line per
# fact (plus "# ..." detail lines). Results and conclusions: docs/nft-facts.md.
#   test/kernel-lab/kernel-lab -- test/kernel-lab/facts/parity-facts.sh [SECTION...]
# SECTIONS: helpers synflood connmark queue l2 sysctl (default: all)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../../netns/lab.sh"
HP=$here/parity-helper.py
[ "$(id -u)" = 0 ] || { echo "parity-facts: run as root (inside the kernel lab)" >&2; exit 2; }
fact() { echo "FACT $1 ${*:2}"; }
note() { echo "# $*"; }
# "ok" or the first line of nft's error, for a ruleset loaded in the lab host namespace
# nft 1.0.6 wants ";" or a newline between the last statement and the "}" that closes a chain,
# and after a "}" that closes a chain/object/set: one-line snippets get them here
try_nft() {
  local out rs
  rs=$(perl -pe 's/;?\s*\}(?=\s*(?:\}|chain\b|set\b|$))/;\n}/g; s/\}[ \t]*(?=chain\b|set\b)/}\n/g' <<<"$1")
  if out=$(H nft -f - 2>&1 <<<"$rs"); then echo ok
  else echo "ERR:$(echo "$out" | grep -m1 Error | sed 's/.*Error: //' | tr ' ' '_')"; fi
}
mods() { grep -oE "^($1) " /proc/modules | tr -d ' ' | tr '\n' ',' ; echo; }
flush() { H nft flush ruleset; }
trap lab_down EXIT
lab_up || { echo "lab_up failed" >&2; exit 2; }
note "kernel $(uname -r), $(nft --version)"
sections=${*:-helpers synflood connmark queue l2 sysctl}

helpers() {
  note "== 1. conntrack helpers"
  note "helper modules loaded before: $(mods 'nf_conntrack_[a-z_]+')"
  fact helper.inet.object "$(try_nft 'table inet t { ct helper ftp-standard { type "ftp" protocol tcp; l3proto inet; } }')"
  note "helper modules loaded after inet object: $(mods 'nf_conntrack_[a-z_]+')"
  flush
  fact helper.bridge.object "$(try_nft 'table bridge t { ct helper ftp-standard { type "ftp" protocol tcp; l3proto inet; } }')"
  note "modules after bridge object: $(mods 'nf_conntrack_[a-z_]+|nf_conntrack_bridge')"
  flush
  for h in amanda:udp ftp:tcp irc:tcp netbios-ns:udp pptp:tcp sane:tcp sip:udp sip:tcp snmp:udp tftp:udp; do
    fact "helper.type.${h%%:*}.${h#*:}" "$(try_nft "table inet t { ct helper h { type \"${h%%:*}\" protocol ${h#*:}; l3proto inet; } }")"
    flush
  done
  note "helper modules loaded after all types: $(mods 'nf_conntrack_[a-z_]+')"
  # which hooks accept "ct helper set" (the helper must be attached before conntrack confirm)
  for fam in inet bridge; do
    for hp in "prerouting filter" "prerouting -150" "prerouting -300" "input filter" "forward filter" "output filter" "postrouting filter"; do
      r=$(try_nft "table $fam t { ct helper ftp { type \"ftp\" protocol tcp; l3proto ip; }
        chain c { type filter hook ${hp% *} priority ${hp#* }; tcp dport 21 ct helper set \"ftp\"; } }")
      fact "helper.set.$fam.${hp// /@}" "$r"; flush
    done
  done
  bg_pids=()
  ip netns exec "$(lab_ns vm100)" python3 "$HP" ftp-serve 192.0.2.100 & bg_pids+=($!)
  ip netns exec "$(lab_ns host)" python3 "$HP" ftp-serve 192.0.2.1 & bg_pids+=($!)
  sleep 2
  # host (inet): only ftp control + established/related may enter
  for with in 0 1; do
    set_rule=""; [ $with = 1 ] && set_rule='tcp dport 21 ct helper set "ftp-standard"'
    r=$(try_nft "table inet t {
      ct helper ftp-standard { type \"ftp\" protocol tcp; l3proto inet; }
      chain pre { type filter hook prerouting priority filter; $set_rule }
      chain in { type filter hook input priority filter; policy drop;
        iif lo accept; ct state established,related accept; ct state related counter
        tcp dport 21 accept; meta l4proto ipv6-icmp accept; } }")
    fact "helper.ftp.host.with_helper=$with" "load=$r pasv=$(O python3 "$HP" ftp-pasv 192.0.2.1)"
    [ $with = 1 ] && note "$(H conntrack -L -p tcp 2>/dev/null | grep -E 'helper|dport=50000' | head -3)"
    flush
  done
  # bridged guest (bridge family, nf_conntrack_bridge): same for vm100
  for with in 0 1; do
    set_rule=""; [ $with = 1 ] && set_rule='ip daddr 192.0.2.100 tcp dport 21 ct helper set "ftp-standard"'
    r=$(try_nft "table bridge t {
      ct helper ftp-standard { type \"ftp\" protocol tcp; l3proto ip; }
      chain pre { type filter hook prerouting priority 0; $set_rule }
      chain post { type filter hook postrouting priority 0;
        oifname != \"tap100i0\" accept; ether type != ip accept
        ct state established,related accept; tcp dport 21 accept; counter drop } }")
    fact "helper.ftp.bridge.with_helper=$with" "load=$r pasv=$(O python3 "$HP" ftp-pasv 192.0.2.100)"
    [ $with = 1 ] && note "$(H conntrack -L -p tcp 2>/dev/null | grep -E 'helper|dport=50000' | head -3)"
    flush
  done
  # inet helper object + chain (l3proto inet) for the guest: does an inet chain see bridged
  # traffic without br_netfilter? (expected: no)
  kill "${bg_pids[@]}" 2>/dev/null; wait 2>/dev/null
}

synflood() {
  note "== 2. SYN-flood meter (rate over 1/minute burst 5: after 5 SYNs a source is blocked for the test)"
  ip netns exec "$(lab_ns vm100)" python3 "$here/../../netns/probe.py" serve --tcp 22 & sp1=$!
  ip netns exec "$(lab_ns host)" python3 "$here/../../netns/probe.py" serve --tcp 22 & sp2=$!
  H ip addr add 2001:db8:0:1::1/64 dev vmbr0 nodad
  O ip addr add 2001:db8::253/64 dev eth0 nodad
  O ip addr add 2001:db8:0:1::254/64 dev eth0 nodad
  VM100 ip addr add 2001:db8:0:1::100/64 dev eth0 nodad
  sleep 2
  local meter='tcp flags & (fin|syn|rst|ack) == syn add @syn4 { ip saddr limit rate over 1/minute burst 5 packets } counter drop
    tcp flags & (fin|syn|rst|ack) == syn add @syn6 { ip6 saddr and ffff:ffff:ffff:ffff:: limit rate over 1/minute burst 5 packets } counter drop'
  local sets='set syn4 { type ipv4_addr; flags dynamic,timeout; timeout 60s; }
    set syn6 { type ipv6_addr; flags dynamic,timeout; timeout 60s; }'
  for prio in -300 raw filter; do
    fact "synflood.inet.prerouting@$prio" "$(try_nft "table inet t { $sets chain pre { type filter hook prerouting priority $prio; $meter } }")"; flush
  done
  for prio in -300 -200 0; do
    fact "synflood.bridge.prerouting@$prio" "$(try_nft "table bridge t { $sets chain pre { type filter hook prerouting priority $prio; $meter } }")"; flush
  done
  fact synflood.inet.meter_syntax "$(try_nft "table inet t { chain pre { type filter hook prerouting priority -300;
    tcp flags & (fin|syn|rst|ack) == syn meter m4 { ip saddr timeout 60s limit rate over 25/second burst 100 packets } drop } }")"; flush
  # "update" refreshes an element's timeout on every match (hashlimit's expiry is idle time)
  fact synflood.update_syntax "$(try_nft "table bridge t { $sets chain pre { type filter hook prerouting priority -300;
    tcp flags & (fin|syn|rst|ack) == syn update @syn4 { ip saddr limit rate over 200/second burst 1000 packets } drop } }")"; flush
  # host
  try_nft "table inet t { $sets chain pre { type filter hook prerouting priority -300; $meter } }" >/dev/null
  O python3 "$HP" syns 192.0.2.1 22 20 >/dev/null; sleep 0.5
  fact synflood.host.v4 "flooder=$(O python3 "$HP" tcp 192.0.2.1 22) other_source=$(VM101 python3 "$HP" tcp 192.0.2.1 22)"
  O python3 "$HP" syns 2001:db8::1 22 20 2001:db8::254 >/dev/null; sleep 0.5
  fact synflood.host.v6 "flooder=$(O python3 "$HP" tcp 2001:db8::1 22 2001:db8::254) same_64=$(O python3 "$HP" tcp 2001:db8::1 22 2001:db8::253) other_64=$(O python3 "$HP" tcp 2001:db8:0:1::1 22 2001:db8:0:1::254)"
  note "$(H nft list set inet t syn4 | grep -E 'elements|expires' | head -2)"
  note "$(H nft list set inet t syn6 | grep -E 'elements|expires' | head -2)"
  flush
  # bridged guest
  try_nft "table bridge t { $sets chain pre { type filter hook prerouting priority -300; $meter } }" >/dev/null
  O python3 "$HP" syns 192.0.2.100 22 20 >/dev/null; sleep 0.5
  fact synflood.bridge.v4 "flooder=$(O python3 "$HP" tcp 192.0.2.100 22) other_source=$(VM101 python3 "$HP" tcp 192.0.2.100 22)"
  O python3 "$HP" syns 2001:db8::100 22 20 2001:db8::254 >/dev/null; sleep 0.5
  fact synflood.bridge.v6 "flooder=$(O python3 "$HP" tcp 2001:db8::100 22 2001:db8::254) same_64=$(O python3 "$HP" tcp 2001:db8::100 22 2001:db8::253) other_64=$(O python3 "$HP" tcp 2001:db8:0:1::100 22 2001:db8:0:1::254)"
  note "$(H nft list chain bridge t pre | grep counter)"
  flush
  kill $sp1 $sp2 2>/dev/null; wait 2>/dev/null
}

connmark() {
  note "== 3. ct mark = vmid in the bridge family"
  ip netns exec "$(lab_ns vm100)" python3 "$here/../../netns/probe.py" serve --tcp 22 --udp 53 & s1=$!
  ip netns exec "$(lab_ns vm101)" python3 "$here/../../netns/probe.py" serve --tcp 22 --udp 53 & s2=$!
  sleep 2
  local rs='table bridge t { chain pre { type filter hook prerouting priority 0;
      iifname "tap100i0" ct mark set 100; iifname "tap101i0" ct mark set 101 }
    chain post { type filter hook postrouting priority 0;
      oifname "tap100i0" ct mark set 100; oifname "tap101i0" ct mark set 101 } }'
  fact connmark.bridge.load "$(try_nft "$rs")"
  for b in 0 1; do
    if [ $b = 1 ]; then
      modprobe br_netfilter 2>/dev/null
      H sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
      note "br_netfilter loaded: $(mods br_netfilter) call-iptables=$(H sysctl -n net.bridge.bridge-nf-call-iptables 2>&1)"
    fi
    H conntrack -F 2>/dev/null
    O python3 "$HP" tcp 192.0.2.100 22 >/dev/null; O python3 "$HP" tcp 192.0.2.101 22 >/dev/null
    O python3 "$here/../../netns/probe.py" udp 192.0.2.100 53 >/dev/null
    VM100 python3 "$HP" tcp 192.0.2.254 9 >/dev/null
    l100=$(H conntrack -L --mark 100 2>/dev/null | wc -l); l101=$(H conntrack -L --mark 101 2>/dev/null | wc -l)
    all=$(H conntrack -L 2>/dev/null | wc -l)
    note "$(H conntrack -L 2>/dev/null | head -6)"
    H conntrack -D --mark 100 >/dev/null 2>&1
    a100=$(H conntrack -L --mark 100 2>/dev/null | wc -l); a101=$(H conntrack -L --mark 101 2>/dev/null | wc -l)
    fact "connmark.bridge.br_netfilter=$b" "entries_all=$all mark100=$l100 mark101=$l101 after_delete_mark100: mark100=$a100 mark101=$a101"
  done
  flush
  kill $s1 $s2 2>/dev/null; wait 2>/dev/null
  rmmod br_netfilter 2>/dev/null
}

queue() {
  note "== 4. NFQUEUE for bridged guest traffic"
  ip netns exec "$(lab_ns vm100)" python3 "$here/../../netns/probe.py" serve --tcp 2222 & s1=$!
  nfq=/tmp/nfq-count
  [ -x "$nfq" ] || gcc -O2 -o "$nfq" "$here/nfq-count.c" -lnetfilter_queue || note "cannot build nfq-count"
  sleep 1
  for st in "queue num 0 bypass" "queue num 0-3 fanout,bypass" "queue flags bypass to 0" "queue flags bypass,fanout to 0-3"; do
    fact "queue.syntax.bridge.${st// /_}" "$(try_nft "table bridge t { chain post { type filter hook postrouting priority 0; oifname \"tap100i0\" ip protocol tcp $st } }")"; flush
  done
  for hk in prerouting forward postrouting; do
    fact "queue.bridge.hook.$hk" "$(try_nft "table bridge t { chain c { type filter hook $hk priority 0; oifname \"tap100i0\" ip protocol tcp queue num 0 bypass } }")"; flush
  done
  note "queue modules: $(mods 'nft_queue|nfnetlink_queue')"
  # fwgen's guest "in" chains hang off bridge postrouting at -150: test there and in forward
  for fh in bridge@postrouting@-150 bridge@forward@0 inet@forward@0; do
    IFS=@ read -r fam hk pr <<<"$fh"
    [ $fam = inet ] && { modprobe br_netfilter; H sysctl -qw net.bridge.bridge-nf-call-iptables=1; note "br_netfilter on for inet forward"; }
    local rs="table $fam t { chain c { type filter hook $hk priority $pr;
      oifname \"tap100i0\" tcp dport 2222 counter queue num 0-3 fanout,bypass } }"
    [ $fam = inet ] && rs=${rs/oifname \"tap100i0\"/ip daddr 192.0.2.100}
    note "ruleset: $(tr '\n' ' ' <<<"$rs")"
    for mode in bypass nobypass reader; do
      r=$(try_nft "$( [ $mode = nobypass ] && echo "${rs/fanout,bypass/fanout}" || echo "$rs")")
      q=
      if [ $mode = reader ]; then ip netns exec "$(lab_ns host)" "$nfq" 0 3 > /tmp/nfq.out 2>&1 & q=$!; sleep 2; fi
      c=$(O python3 "$HP" tcp 192.0.2.100 2222)
      sleep 0.5
      n=$(H nft list chain $fam t c | grep -o 'packets [0-9]*' | tr ' ' '=')
      if [ -n "$q" ]; then
        kill $q 2>/dev/null; wait $q 2>/dev/null
        c="$c reader_pkts=$(grep -c '^nfq [0-9]' /tmp/nfq.out) queues=$(awk '/^nfq [0-9]/{print $2}' /tmp/nfq.out | sort -u | tr '\n' ',')"
      fi
      fact "queue.$fam.$hk@$pr.$mode" "load=$r conn=$c rule_$n"
      flush
    done
  done
  note "queue modules after: $(mods 'nft_queue|nfnetlink_queue')"
  H sysctl -qw net.bridge.bridge-nf-call-iptables=0; rmmod br_netfilter 2>/dev/null
  kill $s1 2>/dev/null; wait $s1 2>/dev/null
}

l2() {
  note "== 5. ethertype and ARP source filter (bridge prerouting)"
  local rs='table bridge t { chain pre { type filter hook prerouting priority -200;
      iifname "tap100i0" ether type != { ip, ip6, arp } counter drop
      iifname "tap100i0" ether type arp arp saddr ether != bc:24:11:00:01:00 counter drop
      iifname "tap100i0" ether type arp arp saddr ip != 192.0.2.100 counter drop } }'
  fact l2.load "$(try_nft "$rs")"
  note "$(H nft list table bridge t | grep -E 'type|arp')"
  for t in "88b5 -" "0800 -" "0800 10" "88b5 10" "0806 -"; do
    set -- $t
    O python3 "$HP" sniff eth0 3 $1 8100 > /tmp/sniff.out & sn=$!
    sleep 1.5
    VM100 python3 "$HP" frame eth0 02:00:00:00:02:00 bc:24:11:00:01:00 $1 $2 5 >/dev/null
    wait $sn
    fact "l2.ethertype.$1.vlan=$2" "at_outside: $(cat /tmp/sniff.out)"
  done
  for a in "bc:24:11:00:01:00 192.0.2.100 genuine" "02:de:ad:00:00:01 192.0.2.100 spoofed_mac" "bc:24:11:00:01:00 192.0.2.150 spoofed_ip"; do
    set -- $a
    O python3 "$HP" sniff eth0 3 0806 > /tmp/sniff.out & sn=$!
    sleep 1.5
    VM100 python3 "$HP" arp eth0 bc:24:11:00:01:00 $1 $2 192.0.2.254 3 >/dev/null
    wait $sn
    fact "l2.arp.$3" "at_outside: $(cat /tmp/sniff.out)"
  done
  note "$(H nft list table bridge t | grep counter)"
  flush
  fact l2.vlan_inner_type "$(try_nft 'table bridge t { chain pre { type filter hook prerouting priority -200; iifname "tap100i0" vlan type != { ip, ip6, arp } drop } }')"
  flush
}

sysctl_facts() {
  note "== 6. sysctls in a new network namespace (the lab host namespace) vs the VM's initial one"
  modprobe nf_conntrack 2>/dev/null; modprobe br_netfilter 2>/dev/null
  for k in net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_buckets \
           net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_syn_recv \
           net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.ipv4.tcp_syncookies \
           net.netfilter.nf_conntrack_helper; do
    p=/proc/sys/${k//.//}
    [ -e "$p" ] || { fact "sysctl.$k" absent; continue; }
    init=$(cat "$p" 2>&1); ns=$(H cat "$p" 2>&1); mode=$(H stat -c %A "$p" 2>&1)
    # write a different value inside the namespace, then see whether the initial one moved
    case $k in
      *max) new=$((ns + 1024));; *buckets) new=$((ns * 2));;
      *established) new=7200;; *syn_recv) new=30;; *syncookies) new=2;;
      *bridge-nf*|*helper) new=$((1 - ns));;
    esac
    w=$(H sh -c "echo $new > $p" 2>/dev/null && echo ok || echo denied)
    after_ns=$(H cat "$p" 2>&1); after_init=$(cat "$p" 2>&1)
    fact "sysctl.$k" "init=$init netns=$ns mode=$mode write_in_netns=$w netns_after=$after_ns init_after=$after_init"
  done
  hs=/sys/module/nf_conntrack/parameters/hashsize
  fact sysctl.hashsize "init=$(cat $hs) mode=$(stat -c %A $hs) write_in_netns=$(H sh -c "echo $(( $(cat $hs) * 2 )) > $hs" 2>&1 | tr ' ' '_' ; H cat $hs)"
  rmmod br_netfilter 2>/dev/null
}

for s in $sections; do
  case $s in sysctl) sysctl_facts;; *) $s;; esac
done
exit 0
