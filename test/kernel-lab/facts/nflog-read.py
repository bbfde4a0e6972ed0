#!/usr/bin/python3
"""nflog-read.py GROUP READY_FILE SECONDS: a minimal NFLOG consumer (raw nfnetlink, what
pvefw-logger does through libnetfilter_log): binds GROUP, touches READY_FILE, prints one line
per logged packet for SECONDS: "pf=<family> prefix=<repr of NFULA_PREFIX> indev=<name> outdev=<name>"."""
import socket, struct, sys, time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_ULOG = 4
NFULNL_MSG_PACKET, NFULNL_MSG_CONFIG = 0, 1
NFULA_CFG_CMD, NFULA_CFG_MODE = 1, 2
NFULNL_CFG_CMD_BIND = 1
NFULA_IFINDEX_INDEV, NFULA_IFINDEX_OUTDEV, NFULA_PREFIX = 4, 5, 10
NLM_F_REQUEST, NLM_F_ACK = 1, 4


def attr(t, data):
    n = 4 + len(data)
    return struct.pack("=HH", n, t) + data + b"\0" * ((4 - n % 4) % 4)


def config(s, group, attrs):
    body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(group)) + attrs
    hdr = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG,
                      NLM_F_REQUEST | NLM_F_ACK, 1, 0)
    s.send(hdr + body)
    r = s.recv(4096)
    err = struct.unpack_from("=i", r, 16)[0]
    if err:
        raise OSError(-err, "nflog config")


def main():
    group, ready, secs = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    names = {i: n for i, n in socket.if_nameindex()}
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.bind((0, 0))
    config(s, group, attr(NFULA_CFG_CMD, struct.pack("=B", NFULNL_CFG_CMD_BIND)))
    # copy mode META (0x01): the prefix and devices suffice
    config(s, group, attr(NFULA_CFG_MODE, struct.pack("!IBB", 0, 1, 0)))
    open(ready, "w").close()
    end = time.time() + secs
    while time.time() < end:
        s.settimeout(max(0.05, end - time.time()))
        try:
            buf = s.recv(65536)
        except socket.timeout:
            break
        off = 0
        while off + 16 <= len(buf):
            ln, typ = struct.unpack_from("=IH", buf, off)
            if ln < 16:
                break
            if typ == (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET:
                pf = buf[off + 16]
                a, out = off + 20, {}
                while a + 4 <= off + ln:
                    alen, atyp = struct.unpack_from("=HH", buf, a)
                    if alen < 4:
                        break
                    out[atyp & 0x7FFF] = buf[a + 4:a + alen]
                    a += (alen + 3) & ~3
                dev = lambda k: names.get(struct.unpack("!I", out[k])[0], "?") if k in out else "-"
                print("pf=%d prefix=%r indev=%s outdev=%s" % (
                    pf, out.get(NFULA_PREFIX, b"").rstrip(b"\0").decode(errors="replace"),
                    dev(NFULA_IFINDEX_INDEV), dev(NFULA_IFINDEX_OUTDEV)), flush=True)
            off += (ln + 3) & ~3


main()
