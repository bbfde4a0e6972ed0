#!/usr/bin/python3
"""Traffic helpers for test/netns/parity.e2e.test.ts (standard library only; taken from
test/kernel-lab/facts/parity-helper.py, which measured the kernel facts behind it).

  parity-helper.py ftp-serve ADDR           minimal FTP control responder on ADDR:21: answers PASV
                                            with "227 Entering Passive Mode (ADDR,195,80)" and
                                            serves one line on data port 50000. Runs until killed.
  parity-helper.py ftp-pasv HOST            client: PASV on HOST:21, then connects to the port in
                                            the 227 reply -> DATA_OK | TIMEOUT | REFUSED | ...
                                            (CTL_<status> when the control connection fails)
  parity-helper.py synburst HOST PORT N [WAIT]
                                            N non-blocking connects at once (N new SYNs from this
                                            source), then WAIT seconds (default 1.5) -> connected=K
                                            (K: how many completed, i.e. whose SYN got through)
  parity-helper.py tcp HOST PORT [SRC]      one connect (2 s) -> OPEN | TIMEOUT | REFUSED
"""
import errno
import socket
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


def synburst(host, port, n, wait=1.5):
    socks = []
    for _ in range(int(n)):
        s = socket.socket(fam(host)); s.setblocking(False)
        s.connect_ex((host, int(port)))
        socks.append(s)
    time.sleep(float(wait))
    ok = 0
    for s in socks:
        # a socket whose SYN was dropped is still connecting: getpeername fails
        try:
            s.getpeername()
            ok += 1
        except OSError:
            pass
        s.close()
    return "connected=%d" % ok


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
    elif c == "synburst":
        print(synburst(*a[1:5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
