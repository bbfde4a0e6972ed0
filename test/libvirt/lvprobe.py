#!/usr/bin/python3
"""Probes for the libvirt lab (standard library only).

  lvprobe.py serve-tcp PORTS          accept and close on each port (comma list), forever
  lvprobe.py dnsmasq IFACE            like libvirt's dnsmasq: answers any datagram on UDP 67 with a
                                      broadcast to 255.255.255.255:68 out of IFACE, echoes UDP 53
  lvprobe.py tcp HOST PORT            -> OPEN | REFUSED | TIMEOUT | ERROR_<errno>
  lvprobe.py dhcp IFACE               DISCOVER-like 0.0.0.0:68 -> 255.255.255.255:67 -> GOT <ip>:<port> | TIMEOUT
  lvprobe.py dns HOST                 one datagram to HOST:53 -> REPLY | TIMEOUT | REFUSED
"""
import errno, socket, sys, threading, time

SO_BINDTODEVICE = 25

def serve_tcp(ports):
    def one(port):
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('0.0.0.0', port)); s.listen(16)
        while True:
            c, _ = s.accept(); c.close()
    for p in ports.split(','):
        threading.Thread(target=one, args=(int(p),), daemon=True).start()
    while True: time.sleep(3600)

def dnsmasq(iface):
    d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    d.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    d.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    d.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, iface.encode())
    d.bind(('0.0.0.0', 67))
    n = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); n.bind(('0.0.0.0', 53))
    def dns():
        while True:
            data, peer = n.recvfrom(2048); n.sendto(b'ANSWER ' + data, peer)
    threading.Thread(target=dns, daemon=True).start()
    while True:
        data, peer = d.recvfrom(2048); d.sendto(b'OFFER', ('255.255.255.255', 68))

def tcp(host, port):
    s = socket.socket(); s.settimeout(2)
    try:
        s.connect((host, int(port))); return 'OPEN'
    except socket.timeout: return 'TIMEOUT'
    except OSError as e:
        return 'REFUSED' if e.errno == errno.ECONNREFUSED else 'ERROR_' + errno.errorcode.get(e.errno, str(e.errno))

def dhcp(iface):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, iface.encode())
    s.bind(('0.0.0.0', 68)); s.settimeout(1)
    for _ in range(3):
        s.sendto(b'DISCOVER', ('255.255.255.255', 67))
        try:
            data, peer = s.recvfrom(2048)
            if data == b'OFFER': return 'GOT %s:%d' % peer
        except socket.timeout: pass
    return 'TIMEOUT'

def dns(host):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
    for _ in range(2):
        try:
            s.sendto(b'q', (host, 53)); s.recvfrom(2048); return 'REPLY'
        except socket.timeout: pass
        except ConnectionRefusedError: return 'REFUSED'
    return 'TIMEOUT'

if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'serve-tcp': serve_tcp(*args)
    elif cmd == 'dnsmasq': dnsmasq(*args)
    else: print({'tcp': tcp, 'dhcp': dhcp, 'dns': dns}[cmd](*args))
