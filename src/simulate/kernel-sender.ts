// The packet sender of `fwgen simulate --against-kernel` and of the differential lab test
// (test/simulate/simulate.e2e.test.ts): Python (standard library only), written to a file and run
// with python3 in the host namespace of a throw-away topology. One process sends a whole batch:
// under emulation every process start costs a fraction of a second.
export const SENDER_PY = String.raw`#!/usr/bin/python3
"""Probes for fwgen simulate sent as real packets: one process sends a whole batch.

  sender.py PROBES.jsonl --nodes NAME=NETNS_PATH,... [--host-dev BRIDGE] [--wait S]
Runs in the namespace of the node's host (fwgen's tables loaded there, observer table
inet simobs too); every other node is a namespace whose eth0 is a port of the host's bridge.
Each line of PROBES is a JSON object: id (1..65535), src, dst (a node NAME or "host"),
family 4|6, proto (number), saddr, daddr, sport, dport, icmp_type, icmp_code, smac, dmac, est
(bool). For each probe the kernel's verdict is printed:
  RES <id> ACCEPT|REJECT|DROP
  ACCEPT  the packet reached the destination: its eth0 (AF_PACKET, incoming) for a port node,
          the input hook after fwgen's chains for the host (nft set inet simobs seen4/seen6)
  REJECT  not arrived, but a TCP RST or ICMP(v6) destination-unreachable about it was seen at
          any port node or on the host's bridge (nft reject answers on the input port; the host
          routes its answer)
  DROP    neither
Frames from port nodes are hand-made (AF_PACKET on eth0 of the source namespace); the host
sends through raw IP sockets (its output hook runs). Every probe carries its id: IPv4 id / IPv6
flow label, TCP sequence numbers (id << 4), and 'FWSM' + id in the payload.
Established probes get a conntrack entry first (ctnetlink, state ESTABLISHED, seen reply).
Standard library only."""
import ctypes
import json
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
MAGIC = b"FWSM"


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns %s: %s" % (path, os.strerror(e)))
    finally:
        os.close(fd)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


def l4(p, src, dst):
    """Transport header + payload, with its checksum over the pseudo header."""
    pid = p["id"]
    payload = MAGIC + struct.pack("!I", pid)
    proto = p["proto"]
    fam = socket.AF_INET if p["family"] == 4 else socket.AF_INET6
    if proto == 6:
        if p["est"]:
            seq, ack, flags = (pid << 4) | 5, (pid << 4) | 2, 0x10
        else:
            seq, ack, flags = pid << 4, 0, 0x02
        hdr = struct.pack("!HHIIBBHHH", p["sport"], p["dport"], seq, ack, 5 << 4, flags, 65535, 0, 0)
        body = hdr + payload
    elif proto == 17:
        body = struct.pack("!HHHH", p["sport"], p["dport"], 8 + len(payload), 0) + payload
    elif proto in (1, 58):
        body = struct.pack("!BBHHH", p["icmp_type"], p.get("icmp_code") or 0, 0, pid & 0xFFFF, 1)
        body += payload
    elif proto == 2:
        # an IGMP message of no known type, with a valid checksum: bridge snooping drops IGMP
        # with a bad checksum, and reject answers nothing for a bad one (nf_reject_verify_csum)
        body = struct.pack("!BBH", 0x99, 0, 0) + payload
        return body[:2] + struct.pack("!H", csum(body)) + body[4:]
    elif proto == 47:
        # GRE version 0 carrying transparent Ethernet bridging: conntrack tracks it as GRE
        return struct.pack("!HH", 0, 0x6558) + payload
    else:
        return payload
    if proto == 1:
        c = csum(body)
    elif p["family"] == 4:
        c = csum(src + dst + struct.pack("!BBH", 0, proto, len(body)) + body)
    else:
        c = csum(src + dst + struct.pack("!IxxxB", len(body), proto) + body)
    if c == 0 and proto == 17:
        c = 0xFFFF
    off = {6: 16, 17: 6, 1: 2, 58: 2}[proto]
    return body[:off] + struct.pack("!H", c) + body[off + 2:]


def ip_packet(p):
    if p["family"] == 4:
        src, dst = socket.inet_aton(p["saddr"]), socket.inet_aton(p["daddr"])
        body = l4(p, src, dst)
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), p["id"] & 0xFFFF, 0, 64,
                          p["proto"], 0, src, dst)
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        return hdr + body, 0x0800
    src = socket.inet_pton(socket.AF_INET6, p["saddr"])
    dst = socket.inet_pton(socket.AF_INET6, p["daddr"])
    body = l4(p, src, dst)
    hdr = struct.pack("!IHBB16s16s", (6 << 28) | (p["id"] & 0xFFFFF), len(body), p["proto"], 64,
                      src, dst)
    return hdr + body, 0x86DD


# ---------------------------------------------------------------------------------------------
# conntrack entries for established probes (ctnetlink IPCTNL_MSG_CT_NEW)

NLA_F_NESTED = 0x8000


def nla(t, data):
    n = 4 + len(data)
    return struct.pack("=HH", n, t) + data + b"\0" * ((4 - n % 4) % 4)


def tuple_attr(fam, src, dst, proto, sport, dport, icmp):
    ip = nla(1 if fam == 4 else 3, src) + nla(2 if fam == 4 else 4, dst)
    pr = nla(1, struct.pack("B", proto))
    if proto in (6, 17, 136, 132, 33):
        pr += nla(2, struct.pack("!H", sport)) + nla(3, struct.pack("!H", dport))
    elif proto in (1, 58) and icmp is not None:
        # CTA_PROTO_ICMP_ID/TYPE/CODE 4-6; the ICMPv6 ones are 7-9
        a = 4 if proto == 1 else 7
        pr += nla(a, struct.pack("!H", icmp[0])) + nla(a + 1, struct.pack("B", icmp[1]))
        pr += nla(a + 2, b"\0")
    return nla(1 | NLA_F_NESTED, ip) + nla(2 | NLA_F_NESTED, pr)


def ct_new(nl, seq, p):
    fam = p["family"]
    af = socket.AF_INET if fam == 4 else socket.AF_INET6
    s, d = socket.inet_pton(af, p["saddr"]), socket.inet_pton(af, p["daddr"])
    proto = p["proto"]
    icmp = None
    if proto in (1, 58):
        # echo request / reply pairs only: other ICMP types have no connection
        req = p["icmp_type"]
        rep = {8: 0, 128: 129}.get(req)
        if rep is None:
            return False
        icmp = (p["id"] & 0xFFFF, req)
        icmp_r = (p["id"] & 0xFFFF, rep)
    attrs = nla(1 | NLA_F_NESTED, tuple_attr(fam, s, d, proto, p["sport"], p["dport"], icmp))
    attrs += nla(2 | NLA_F_NESTED, tuple_attr(fam, d, s, proto, p["dport"], p["sport"],
                                             icmp_r if icmp else None))
    attrs += nla(3, struct.pack("!I", 0x2 | 0x4 | 0x8))  # SEEN_REPLY | ASSURED | CONFIRMED
    attrs += nla(7, struct.pack("!I", 600))  # timeout
    if proto == 6:
        attrs += nla(4 | NLA_F_NESTED, nla(1 | NLA_F_NESTED, nla(1, struct.pack("B", 3))))
    msg = struct.pack("=BBH", af, 0, 0) + attrs
    hdr = struct.pack("=IHHII", 16 + len(msg), (1 << 8) | 0, 0x1 | 0x4 | 0x400 | 0x200, seq, 0)
    nl.send(hdr + msg)
    data = nl.recv(65536)
    err = struct.unpack("=i", data[16:20])[0] if len(data) >= 20 else 0
    if err != 0 and err != -17:  # EEXIST: fine
        sys.stderr.write("ct_new %d: error %d\n" % (p["id"], err))
        return False
    return True


# ---------------------------------------------------------------------------------------------
# observation

def parse_frame(frame):
    """(kind, id) for a frame about one of our probes: ('probe', id) carries our payload,
    ('reject', id) is a RST / unreachable answering one; else None."""
    if len(frame) < 14:
        return None
    et = struct.unpack("!H", frame[12:14])[0]
    off = 14
    if et == 0x8100:
        et = struct.unpack("!H", frame[16:18])[0]
        off = 18
    pkt = frame[off:]
    if et == 0x0800 and len(pkt) >= 20:
        ihl = (pkt[0] & 15) * 4
        proto = pkt[9]
        l4b = pkt[ihl:]
    elif et == 0x86DD and len(pkt) >= 40:
        proto = pkt[6]
        l4b = pkt[40:]
    else:
        return None
    i = frame.find(MAGIC)
    if proto == 6 and len(l4b) >= 20:
        flags = l4b[13]
        if flags & 0x04:
            seq, ack = struct.unpack("!II", l4b[4:12])
            return ("reject", (ack >> 4) if flags & 0x10 else (seq >> 4))
    if (proto == 1 and l4b[:1] == b"\x03") or (proto == 58 and l4b[:1] == b"\x01"):
        # an unreachable quoting one of our probes: the marker behind the quoted IP header (ids
        # of other packets collide); right behind the ICMP header it is a probe of that type
        j = l4b.find(MAGIC, 8)
        if j >= 8 + (20 if proto == 1 else 40) and len(l4b) >= j + 8:
            return ("reject", struct.unpack("!I", l4b[j + 4:j + 8])[0])
    if i >= 0 and len(frame) >= i + 8:
        return ("probe", struct.unpack("!I", frame[i + 4:i + 8])[0])
    return None


def main():
    args = sys.argv[1:]
    path = args[0]
    nodes = dict(kv.split("=", 1) for kv in args[args.index("--nodes") + 1].split(","))
    wait = float(args[args.index("--wait") + 1]) if "--wait" in args else 1.5
    probes = [json.loads(l) for l in open(path) if l.strip()]
    home = os.open("/proc/self/ns/net", os.O_RDONLY)

    caps, sends = {}, {}
    for n, ns in nodes.items():
        setns(ns)
        c = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
        c.bind(("eth0", 0))
        c.setblocking(False)
        caps[c.fileno()] = (n, c)
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind(("eth0", 0))
        sends[n] = s
    if _libc.setns(home, CLONE_NEWNET) != 0:
        raise OSError("setns home")
    # answers to the host's own probes (a reject in a firewall bridge's prerouting) come back
    # to the host: capture them on its bridge too
    hostdev = args[args.index("--host-dev") + 1] if "--host-dev" in args else "vmbr0"
    try:
        c = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
        c.bind((hostdev, 0))
        c.setblocking(False)
        caps[c.fileno()] = ("host", c)
    except OSError as e:
        sys.stderr.write("no capture on %s: %s\n" % (hostdev, e))
    raw4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
    nl.bind((0, 0))

    seen = {}  # (node, kind) -> set of ids
    stop = threading.Event()

    def reader():
        while not stop.is_set() or True:
            r, _, _ = select.select(list(caps), [], [], 0.2)
            if not r and stop.is_set():
                return
            for fd in r:
                node, c = caps[fd]
                while True:
                    try:
                        data, addr = c.recvfrom(65535)
                    except BlockingIOError:
                        break
                    if addr[2] == socket.PACKET_OUTGOING:
                        continue
                    k = parse_frame(data)
                    if k:
                        seen.setdefault((node, k[0]), set()).add(k[1])

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    for i, p in enumerate(probes):
        if p["est"]:
            ct_new(nl, i + 1, p)
    for p in probes:
        pkt, et = ip_packet(p)
        try:
            if p["src"] == "host":
                if p["family"] == 4:
                    raw4.sendto(pkt, (p["daddr"], 0))
                else:
                    raw6.sendto(pkt, (p["daddr"], 0))
            else:
                eth = mac_bytes(p["dmac"]) + mac_bytes(p["smac"]) + struct.pack("!H", et)
                sends[p["src"]].send(eth + pkt)
        except OSError as e:
            sys.stderr.write("send %d: %s\n" % (p["id"], e))
        time.sleep(0.002)
    time.sleep(wait)
    stop.set()
    t.join()

    host_seen = set()
    for fam in ("4", "6"):
        out = subprocess.run(["nft", "-j", "list", "set", "inet", "simobs", "seen" + fam],
                             capture_output=True, text=True)
        if out.returncode != 0:
            sys.stderr.write(out.stderr)
            continue
        for obj in json.loads(out.stdout)["nftables"]:
            for e in obj.get("set", {}).get("elem", []):
                v = e["elem"]["val"] if isinstance(e, dict) and "elem" in e else e
                host_seen.add((fam, int(v)))
    rejected = set()
    for (node, kind), ids in seen.items():
        if kind == "reject":
            rejected |= ids
    for p in probes:
        pid = p["id"]
        if p["dst"] == "host":
            key = (str(p["family"]), (pid & 0xFFFF) if p["family"] == 4 else pid)
            arrived = key in host_seen
        else:
            arrived = pid in seen.get((p["dst"], "probe"), set())
        if arrived:
            v = "ACCEPT"
        elif pid in rejected:
            v = "REJECT"
        else:
            v = "DROP"
        print("RES %d %s" % (pid, v))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
`;
