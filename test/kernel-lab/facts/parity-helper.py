#!/usr/bin/python3
"""Traffic helpers for parity-facts.sh (standard library only).

  parity-helper.py ftp-serve ADDR           minimal FTP control responder on ADDR:21: answers PASV
                                            with "227 Entering Passive Mode (ADDR,195,80)" and
                                            serves one line on data port 50000. Runs until killed.
  parity-helper.py ftp-pasv HOST            client: PASV on HOST:21, then connects to the port in
                                            the 227 reply -> DATA_OK | TIMEOUT | REFUSED | ...
  parity-helper.py syns HOST PORT N [SRC]   N non-blocking connects (N SYNs, distinct ports)
  parity-helper.py tcp HOST PORT [SRC]      one connect (2 s) -> OPEN | TIMEOUT | REFUSED
  parity-helper.py frame IFACE DST SRC ETYPE [VLAN] [COUNT]
                                            raw frames with ethertype ETYPE (hex), payload zeros,
                                            optionally 802.1Q-tagged with VLAN
  parity-helper.py arp IFACE SRCMAC SENDERMAC SENDERIP TARGETIP [COUNT]
                                            ARP request, Ethernet source SRCMAC, ARP sender
                                            fields SENDERMAC/SENDERIP (spoofing test)
  parity-helper.py sniff IFACE SECONDS ETYPE...
                                            counts incoming frames per ethertype (hex; outer type,
                                            802.1Q tags seen in aux data count as 8100)
"""
import errno
import socket
import struct
import sys
import threading
import time


def st(e):
    if isinstance(e, (socket.timeout, TimeoutError)):
        return "TIMEOUT"
    return {errno.ECONNREFUSED: "REFUSED"}.get(e.errno, "ERROR_" + errno.errorcode.get(e.errno, "?"))


def fam(h):
    return socket.AF_INET6 if ":" in h else socket.AF_INET


def ftp_serve(addr):
    data = socket.socket(); data.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    data.bind((addr, 50000)); data.listen(8)
    ctl = socket.socket(); ctl.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ctl.bind((addr, 21)); ctl.listen(8)

    def data_loop():
        while True:
            c, _ = data.accept()
            c.sendall(b"DATA\n"); c.close()

    def session(c):
        f = c.makefile("rb")
        c.sendall(b"220 fwgen lab\r\n")
        for line in f:
            cmd = line.strip().upper()
            if cmd.startswith(b"PASV"):
                c.sendall(b"227 Entering Passive Mode (%s,195,80).\r\n" % addr.replace(".", ",").encode())
            elif cmd.startswith(b"QUIT"):
                c.sendall(b"221 bye\r\n"); break
            else:
                c.sendall(b"200 ok\r\n")
        c.close()

    threading.Thread(target=data_loop, daemon=True).start()
    while True:
        c, _ = ctl.accept()
        threading.Thread(target=session, args=(c,), daemon=True).start()


def ftp_pasv(host):
    s = socket.create_connection((host, 21), timeout=3)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"USER anonymous\r\n"); f.readline()
    s.sendall(b"PASV\r\n")
    rep = f.readline().decode()
    nums = rep[rep.index("(") + 1:rep.index(")")].split(",")
    ip, port = ".".join(nums[:4]), int(nums[4]) * 256 + int(nums[5])
    d = socket.socket(); d.settimeout(3)
    try:
        d.connect((ip, port)); d.recv(10)
        r = "DATA_OK"
    except OSError as e:
        r = st(e)
    s.sendall(b"QUIT\r\n")
    s.close()
    return r


def tcp(host, port, src=None, timeout=2.0):
    s = socket.socket(fam(host)); s.settimeout(timeout)
    try:
        if src:
            s.bind((src, 0))
        s.connect((host, int(port)))
        return "OPEN"
    except OSError as e:
        return st(e)
    finally:
        s.close()


def syns(host, port, n, src=None):
    socks = []
    for _ in range(int(n)):
        s = socket.socket(fam(host)); s.setblocking(False)
        if src:
            s.bind((src, 0))
        s.connect_ex((host, int(port)))
        socks.append(s)
    time.sleep(0.5)
    for s in socks:
        s.close()
    return "sent %s" % n


def mac(m):
    return bytes(int(x, 16) for x in m.split(":"))


def send(iface, frame, count):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for _ in range(int(count)):
        s.send(frame)
    s.close()


def frame(iface, dst, src, etype, vlan=None, count=1):
    hdr = mac(dst) + mac(src)
    if vlan and vlan != "-":
        hdr += struct.pack("!HH", 0x8100, int(vlan))
    body = b"\0" * 46
    if int(etype, 16) == 0x0800:  # minimal valid IPv4 header (protocol 253, experimental)
        ip = bytearray.fromhex("4500002e0000000040fd0000c0000264c00002c8")
        c = sum(struct.unpack("!10H", bytes(ip)))
        c = (c & 0xFFFF) + (c >> 16)
        ip[10:12] = struct.pack("!H", ~c & 0xFFFF)
        body = bytes(ip) + b"\0" * 26
    send(iface, hdr + struct.pack("!H", int(etype, 16)) + body, count)
    return "sent"


def arp(iface, srcmac, sendermac, senderip, targetip, count=1):
    a = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac(sendermac) + socket.inet_aton(senderip) \
        + b"\0" * 6 + socket.inet_aton(targetip)
    send(iface, mac("ff:ff:ff:ff:ff:ff") + mac(srcmac) + b"\x08\x06" + a + b"\0" * 18, count)
    return "sent"


def sniff(iface, secs, types):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((iface, 0))
    s.setsockopt(263, 8, 1)  # SOL_PACKET, PACKET_AUXDATA: VLAN tags stripped into metadata
    want = {int(t, 16): 0 for t in types}
    end = time.time() + float(secs)
    while time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            data, anc, _, addr = s.recvmsg(4096, 1024)
        except socket.timeout:
            break
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        et = struct.unpack("!H", data[12:14])[0]
        for lvl, typ, val in anc:
            if lvl == 263 and typ == 8:
                status = struct.unpack("I", val[:4])[0]
                if status & 0x10:  # TP_STATUS_VLAN_VALID
                    et = 0x8100
        if et in want:
            want[et] += 1
    return " ".join("%04x=%d" % kv for kv in want.items())


def main(a):
    c = a[0]
    if c == "ftp-serve":
        ftp_serve(a[1])
    elif c == "ftp-pasv":
        try:
            print(ftp_pasv(a[1]))
        except OSError as e:
            print("CTL_" + st(e))
    elif c == "tcp":
        print(tcp(*a[1:4]))
    elif c == "syns":
        print(syns(*a[1:5]))
    elif c == "frame":
        print(frame(*a[1:7]))
    elif c == "arp":
        print(arp(*a[1:7]))
    elif c == "sniff":
        print(sniff(a[1], a[2], a[3:]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
