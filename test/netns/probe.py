#!/usr/bin/python3
"""Network probes for the netns lab (standard library only, starts fast).

  probe.py serve [--tcp PORTS] [--udp PORTS] [--ready-file F] [--netns NS,NS...] [--wait-file F]
        TCP accept+echo and UDP echo on every port, IPv4 and IPv6 (dual-stack sockets),
        in the current network namespace or in each named one (/run/netns/NS; one process
        serves them all: python start-up is expensive under emulation). --wait-file: wait
        until F exists before binding (start python while the namespaces are being built).
        PORTS: comma list with a:b ranges, e.g. 22,80,9000:9010. Runs until killed;
        touches F once every socket is bound.
  probe.py tcp HOST PORT [--timeout S]   -> OPEN | REFUSED | UNREACH | TIMEOUT
  probe.py udp HOST PORT [--timeout S]   -> REPLY | REFUSED | UNREACH | TIMEOUT
        REFUSED = RST / ICMP port unreachable; UNREACH = EHOSTUNREACH/ENETUNREACH/EACCES/EPERM
        (ICMP admin-prohibited, host unreachable, local drop). Any other errno: ERROR_<name>.
  probe.py batch [--timeout S]
        reads lines "ID NS tcp|udp HOST PORT [TIMEOUT]" on stdin (NS: netns name or '-' for the
        current one), runs them all in parallel, prints "RESULT ID <status>" in input order.
  probe.py frame IFACE --src-mac M --dst-mac M --src-ip A --dst-ip B --dport N
                 [--sport N] [--vlan ID] [--count N] [--netns NS] [--observe NS=LABEL,...] [--wait S]
        sends hand-made Ethernet/IPv4|IPv6/TCP SYN frames through AF_PACKET (from netns NS).
        With --observe: captures (AF_PACKET, incoming only) on IFACE of every listed netns
        for --wait seconds (default 1) and prints "rst=<RSTs to the sender's sport at NS>
        syn_LABEL=<copies of the SYN arriving at each other observed netns>".
  probe.py dhcp IFACE [--src-mac M] [--count N]
        sends a DHCPDISCOVER (UDP 0.0.0.0:68 -> 255.255.255.255:67, dst MAC broadcast).
  probe.py listen-udp PORT [--timeout S] [--ready-file F]
        waits for one UDP datagram on 0.0.0.0:PORT: prints "GOT <src-ip>:<src-port>" or TIMEOUT.
  probe.py dhcp IFACE --netns FROM --listen-netns NS [--timeout S]
        both in one process: listen on UDP 0.0.0.0:67 in NS, send the DHCPDISCOVER from FROM,
        print "GOT <src-ip>:<src-port>" or TIMEOUT.
"""
import argparse
import ctypes
import errno
import fcntl
import os
import selectors
import socket
import struct
import sys
import threading
import time

UNREACH = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES, errno.EPERM}
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
_ns_fds = {}


def enter(ns):
    """Move the calling THREAD into network namespace ns (/run/netns/ns); sockets created
    afterwards belong to it for their whole life. None/'-' = stay."""
    if not ns or ns == "-":
        return
    if ns not in _ns_fds:
        _ns_fds[ns] = os.open(ns if ns.startswith("/") else "/run/netns/" + ns, os.O_RDONLY)
    if _libc.setns(_ns_fds[ns], CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns %s: %s" % (ns, os.strerror(e)))


def ports(spec):
    out = []
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        if ":" in part or "-" in part:
            a, b = part.replace("-", ":").split(":")
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


def status(e):
    if isinstance(e, (socket.timeout, TimeoutError)):
        return "TIMEOUT"
    if e.errno == errno.ECONNREFUSED:
        return "REFUSED"
    if e.errno in UNREACH:
        return "UNREACH"
    return "ERROR_" + errno.errorcode.get(e.errno, str(e.errno))


def fam(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def tcp(host, port, timeout):
    s = socket.socket(fam(host), socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((host, port))
        return "OPEN"
    except OSError as e:
        return status(e)
    finally:
        s.close()


def udp(host, port, timeout):
    s = socket.socket(fam(host), socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.connect((host, port))
        s.send(b"probe\n")
        s.recv(2048)
        return "REPLY"
    except OSError as e:
        return status(e)
    finally:
        s.close()


def batch(timeout):
    jobs = []
    for line in sys.stdin:
        f = line.split()
        if len(f) >= 5:
            jobs.append(f)
    res = [None] * len(jobs)

    def run(i, f):
        try:
            enter(f[1])
            fn = tcp if f[2] == "tcp" else udp
            res[i] = fn(f[3], int(f[4]), float(f[5]) if len(f) > 5 else timeout)
        except Exception as e:  # noqa: BLE001 - report, never hang
            res[i] = "ERROR_" + type(e).__name__


    ts = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(jobs)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for f, r in zip(jobs, res):
        print("RESULT %s %s" % (f[0], r))


def serve(tcp_ports, udp_ports, ready, namespaces, wait_file=None):
    while wait_file and not os.path.exists(wait_file):
        time.sleep(0.05)
    sel = selectors.DefaultSelector()
    for ns in namespaces or [None]:
        enter(ns)
        serve_sockets(sel, tcp_ports, udp_ports)
    if ready:
        open(ready, "w").close()
    serve_loop(sel)


def serve_sockets(sel, tcp_ports, udp_ports):
    def sock(kind, p):
        s = socket.socket(socket.AF_INET6, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", p))
        s.setblocking(False)
        return s

    for p in tcp_ports:
        s = sock(socket.SOCK_STREAM, p)
        s.listen(128)
        sel.register(s, selectors.EVENT_READ, "listen")
    for p in udp_ports:
        sel.register(sock(socket.SOCK_DGRAM, p), selectors.EVENT_READ, "udp")


def serve_loop(sel):
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            try:
                if key.data == "listen":
                    c, _ = s.accept()
                    c.setblocking(False)
                    sel.register(c, selectors.EVENT_READ, "conn")
                elif key.data == "udp":
                    d, a = s.recvfrom(4096)
                    s.sendto(d, a)
                else:
                    d = s.recv(4096)
                    if d:
                        s.send(d)
                    else:
                        sel.unregister(s)
                        s.close()
            except OSError:
                if key.data == "conn":
                    sel.unregister(s)
                    s.close()


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def iface_mac(iface):
    # ioctl instead of /sys: /sys may show another namespace (setns / nsenter)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        r = fcntl.ioctl(s.fileno(), 0x8927, struct.pack("256s", iface.encode()[:15]))  # SIOCGIFHWADDR
        return ":".join("%02x" % b for b in r[18:24])
    finally:
        s.close()


def ipv4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def send_frame(iface, dst_mac, src_mac, etype, l3, count, vlan=None):
    eth = mac(dst_mac) + mac(src_mac)
    if vlan is not None:
        eth += struct.pack("!HH", 0x8100, vlan)
    frame = eth + struct.pack("!H", etype) + l3
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for i in range(count):
        if i:
            time.sleep(0.1)
        s.send(frame)
    s.close()


ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def observer(ns, iface):
    enter(ns)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.setblocking(False)
    return s


def tcp_ports_flags(pkt):
    """(sport, dport, flags) of an Ethernet frame carrying TCP over IPv4/IPv6 (tag or not)."""
    off = 12
    et = struct.unpack_from("!H", pkt, off)[0]
    while et in (0x8100, 0x88A8) and len(pkt) >= off + 6:
        off += 4
        et = struct.unpack_from("!H", pkt, off)[0]
    off += 2
    if et == 0x0800 and len(pkt) >= off + 20 and pkt[off + 9] == 6:
        off += (pkt[off] & 0x0F) * 4
    elif et == 0x86DD and len(pkt) >= off + 40 and pkt[off + 6] == 6:
        off += 40
    else:
        return None
    if len(pkt) < off + 14:
        return None
    sp, dp = struct.unpack_from("!HH", pkt, off)
    return sp, dp, pkt[off + 13]


def frame(o):
    obs = []
    if o.observe:
        for item in o.observe.split(","):
            ns, _, label = item.partition("=")
            obs.append((ns, label or ns, observer(ns, o.iface)))
    enter(o.netns)
    send_syn(o)
    if not obs:
        return
    counts = {label: [0, 0] for _, label, _ in obs}  # label -> [syn, rst]
    sel = selectors.DefaultSelector()
    for ns, label, s in obs:
        sel.register(s, selectors.EVENT_READ, label)
    end = time.time() + o.wait
    while True:
        left = end - time.time()
        if left <= 0:
            break
        for key, _ in sel.select(left):
            while True:
                try:
                    pkt, addr = key.fileobj.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                t = tcp_ports_flags(pkt)
                if not t:
                    continue
                sp, dp, fl = t
                if sp == o.sport and dp == o.dport and fl & 0x12 == 0x02:
                    counts[key.data][0] += 1
                if dp == o.sport and fl & 0x04:
                    counts[key.data][1] += 1
    me = next((label for ns, label, _ in obs if ns == o.netns), None)
    out = ["rst=%d" % (counts[me][1] if me else 0)]
    out += ["syn_%s=%d" % (label, counts[label][0]) for _, label, _ in obs if label != me]
    print(" ".join(out), flush=True)


def send_syn(o):
    v6 = ":" in o.dst_ip
    af = socket.AF_INET6 if v6 else socket.AF_INET
    src, dst = socket.inet_pton(af, o.src_ip), socket.inet_pton(af, o.dst_ip)
    hdr = struct.pack("!HHIIBBHHH", o.sport, o.dport, 0x12345678, 0, 5 << 4, 0x02, 64240, 0, 0)
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", len(hdr), 6)
    else:
        pseudo = src + dst + struct.pack("!xBH", 6, len(hdr))
    seg = hdr[:16] + struct.pack("!H", csum(pseudo + hdr)) + hdr[18:]
    if v6:
        l3 = struct.pack("!IHBB", 6 << 28, len(seg), 6, 64) + src + dst + seg
    else:
        l3 = ipv4(src, dst, 6, seg)
    send_frame(o.iface, o.dst_mac, o.src_mac or iface_mac(o.iface), 0x86DD if v6 else 0x0800,
               l3, o.count, o.vlan)


def dhcp(o):
    if o.listen_netns:
        enter(o.listen_netns)
        ls = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("0.0.0.0", 67))
        ls.settimeout(o.timeout)
    enter(o.netns)
    send_dhcp(o)
    if o.listen_netns:
        try:
            _, a = ls.recvfrom(4096)
            print("GOT %s:%d" % a, flush=True)
        except OSError as e:
            print(status(e), flush=True)


def send_dhcp(o):
    src_mac = o.src_mac or iface_mac(o.iface)
    bootp = struct.pack("!BBBBIHH4s4s4s4s", 1, 1, 6, 0, 0x3903F326, 0, 0x8000,
                        b"\0" * 4, b"\0" * 4, b"\0" * 4, b"\0" * 4)
    bootp += mac(src_mac) + b"\0" * 10 + b"\0" * 64 + b"\0" * 128
    bootp += b"\x63\x82\x53\x63" + b"\x35\x01\x01" + b"\xff"
    udph = struct.pack("!HHHH", 68, 67, 8 + len(bootp), 0)  # checksum 0 = none (IPv4)
    l3 = ipv4(b"\0" * 4, b"\xff" * 4, 17, udph + bootp)
    send_frame(o.iface, "ff:ff:ff:ff:ff:ff", src_mac, 0x0800, l3, o.count)


def listen_udp(port, timeout, ready):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.settimeout(timeout)
    if ready:
        open(ready, "w").close()
    try:
        _, a = s.recvfrom(4096)
        return "GOT %s:%d" % a
    except OSError as e:
        return status(e)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sp = ap.add_subparsers(dest="cmd", required=True)
    p = sp.add_parser("serve")
    p.add_argument("--tcp", default="")
    p.add_argument("--udp", default="")
    p.add_argument("--ready-file")
    p.add_argument("--netns", default="")
    p.add_argument("--wait-file")
    for name in ("tcp", "udp"):
        p = sp.add_parser(name)
        p.add_argument("host")
        p.add_argument("port", type=int)
        p.add_argument("--timeout", type=float, default=1.5)
    p = sp.add_parser("batch")
    p.add_argument("--timeout", type=float, default=1.5)
    p = sp.add_parser("frame")
    p.add_argument("iface")
    p.add_argument("--src-mac")
    p.add_argument("--dst-mac", required=True)
    p.add_argument("--src-ip", required=True)
    p.add_argument("--dst-ip", required=True)
    p.add_argument("--dport", type=int, required=True)
    p.add_argument("--sport", type=int, default=20000)
    p.add_argument("--vlan", type=int)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--netns")
    p.add_argument("--observe")
    p.add_argument("--wait", type=float, default=1.0)
    p = sp.add_parser("dhcp")
    p.add_argument("iface")
    p.add_argument("--src-mac")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--netns")
    p.add_argument("--listen-netns")
    p.add_argument("--timeout", type=float, default=3)
    p = sp.add_parser("listen-udp")
    p.add_argument("port", type=int)
    p.add_argument("--timeout", type=float, default=5)
    p.add_argument("--ready-file")
    o = ap.parse_args()
    if o.cmd == "serve":
        serve(ports(o.tcp), ports(o.udp), o.ready_file, [n for n in o.netns.split(",") if n], o.wait_file)
    elif o.cmd == "tcp":
        print(tcp(o.host, o.port, o.timeout), flush=True)
    elif o.cmd == "udp":
        print(udp(o.host, o.port, o.timeout), flush=True)
    elif o.cmd == "batch":
        batch(o.timeout)
    elif o.cmd == "frame":
        frame(o)
    elif o.cmd == "dhcp":
        dhcp(o)
    elif o.cmd == "listen-udp":
        print(listen_udp(o.port, o.timeout, o.ready_file), flush=True)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
