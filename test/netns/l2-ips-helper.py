#!/usr/bin/python3
"""Frame counter for l2-ips.e2e.test.ts (standard library only; frames are sent with
test/kernel-lab/facts/parity-helper.py).

  l2-ips-helper.py sniff IFACE SECONDS SRCMAC
      Counts incoming frames on IFACE for SECONDS: frames from SRCMAC by outer ethertype (a VLAN
      tag held in aux data counts as 8100), and ARP requests for 192.0.2.77 from any source
      (the marker target of the test's ARP frames, so the lab's own ARP traffic is not counted).
      Prints: 0800=N 8100=N 88b5=N 88b6=N arp77=N
"""
import socket
import struct
import sys
import time

MARK = socket.inet_aton("192.0.2.77")


def sniff(iface, secs, srcmac):
    src = bytes(int(x, 16) for x in srcmac.split(":"))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((iface, 0))
    s.setsockopt(263, 8, 1)  # SOL_PACKET, PACKET_AUXDATA
    n = {0x0800: 0, 0x8100: 0, 0x88B5: 0, 0x88B6: 0}
    arp = 0
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
            if lvl == 263 and typ == 8 and struct.unpack("I", val[:4])[0] & 0x10:
                et = 0x8100  # TP_STATUS_VLAN_VALID
        if et == 0x0806 and data[38:42] == MARK:
            arp += 1
        elif data[6:12] == src and et in n:
            n[et] += 1
    return " ".join("%04x=%d" % kv for kv in n.items()) + " arp77=%d" % arp


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] != "sniff":
        sys.exit(__doc__)
    print(sniff(*sys.argv[2:5]))
