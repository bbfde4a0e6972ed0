#!/usr/bin/python3
"""Probes for test/apply/handover.sh (standard library only).

  handover-probes.py loop TIMELINE STOPFILE LABEL=HOST:PORT...
      until STOPFILE exists: every 0.2 s one TCP connect per target (each in its own thread,
      timeout 1 s, not waited for);
      appends "<unix time> PROBE <label> OPEN|REFUSED|TIMEOUT|ERR" to TIMELINE.
  handover-probes.py hold HOST PORT READYFILE STOPFILE
      one TCP connection to an echo server, one byte every 0.2 s until STOPFILE exists; prints
      "RESULT conn ok <round trips> <longest round trip ms>" or "RESULT conn lost <n> <error>".
  handover-probes.py burst N HOST PORT
      N connects at once (timeout 0.5 s, so no SYN is retransmitted); prints
      "RESULT burst <opened> <elapsed ms>".
  handover-probes.py analyse TIMELINE
      prints per phase (between MARK lines) and label the longest span in which the probe's
      result was OPEN ("RESULT open <phase> <label> <count> <longest ms>") or not OPEN
      ("RESULT closed ..."); per label the longest OPEN run across phases, up to the next probe
      that was not OPEN ("RESULT window <label> <ms> <phase it began in>"); and the marks
      relative to the first ("TIMELINE +<ms> <mark>").
"""
import os, socket, sys, threading, time


def connect(host, port, timeout):
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.connect((host, port))
        return "OPEN"
    except ConnectionRefusedError:
        return "REFUSED"
    except socket.timeout:
        return "TIMEOUT"
    except OSError as e:
        return "ERR_" + (os.strerror(e.errno) if e.errno else type(e).__name__).replace(" ", "_")
    finally:
        s.close()


def loop(timeline, stop, targets):
    out = open(timeline, "a", buffering=1)
    lock = threading.Lock()
    parsed = []
    for t in targets:
        label, hp = t.split("=")
        host, port = hp.rsplit(":", 1)
        parsed.append((label, host, int(port)))

    def one(label, host, port):
        t0 = time.time()  # the SYN's time: a drop takes the whole timeout to show
        r = connect(host, port, 1.0)
        with lock:
            out.write("%.3f PROBE %s %s\n" % (t0, label, r))

    # Fire and forget: a dropped probe must not delay the next one (the interval bounds what a
    # window shorter than it could hide).
    while not os.path.exists(stop):
        start = time.time()
        for p in parsed:
            threading.Thread(target=one, args=p, daemon=True).start()
        time.sleep(max(0, 0.2 - (time.time() - start)))
    time.sleep(1.2)  # let the last probes finish


def hold(host, port, ready, stop):
    n, worst = 0, 0.0
    try:
        c = socket.create_connection((host, port), timeout=10)
        c.settimeout(10)
        open(ready, "w").close()
        while not os.path.exists(stop):
            t0 = time.time()
            c.sendall(b"x")
            if c.recv(1) != b"x":
                raise OSError("closed")
            worst = max(worst, time.time() - t0)
            n += 1
            time.sleep(0.2)
        print("RESULT conn ok %d %d" % (n, worst * 1000))
    except Exception as e:
        open(ready, "w").close()
        print("RESULT conn lost %d %s" % (n, type(e).__name__))


def burst(n, host, port):
    res = []
    t0 = time.time()
    ts = [threading.Thread(target=lambda: res.append(connect(host, port, 0.5))) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("RESULT burst %d %d" % (res.count("OPEN"), (time.time() - t0) * 1000))


def analyse(timeline):
    rows = []
    for line in open(timeline):
        p = line.split()
        if len(p) >= 3:
            rows.append((float(p[0]), p[1], p[2:]))
    rows.sort(key=lambda r: r[0])
    marks = [r for r in rows if r[1] == "MARK"]
    t0 = marks[0][0] if marks else rows[0][0]
    for t, _, rest in marks:
        print("TIMELINE +%d %s" % ((t - t0) * 1000, " ".join(rest)))
    phase, spans = "start", {}
    for t, kind, rest in rows:
        if kind == "MARK":
            phase = rest[0]
            continue
        label, result = rest[0], rest[1]
        state = "open" if result == "OPEN" else "closed"
        key = (phase, label)
        s = spans.setdefault(key, {"open": [0, 0.0], "closed": [0, 0.0], "run": None})
        s[state][0] += 1
        # a run of equal states: from its first probe to the first probe of the other state
        if s["run"] is None or s["run"][0] != state:
            if s["run"] is not None:
                prev, since = s["run"]
                s[prev][1] = max(s[prev][1], t - since)
            s["run"] = (state, t)
        else:
            s[state][1] = max(s[state][1], t - s["run"][1])
    # Across phases: the longest run of OPEN per label (a mark must not cut a window in two),
    # from its first OPEN probe to the next probe that was not; and the phase it began in.
    phase, runs = "start", {}
    for t, kind, rest in rows:
        if kind == "MARK":
            phase = rest[0]
            continue
        label, result = rest[0], rest[1]
        r = runs.setdefault(label, {"since": None, "best": (0.0, "-")})
        if result == "OPEN":
            if r["since"] is None:
                r["since"] = (t, phase)
        elif r["since"] is not None:
            r["best"] = max(r["best"], (t - r["since"][0], r["since"][1]))
            r["since"] = None
    for label, r in sorted(runs.items()):
        print("RESULT window %s %d %s" % (label, r["best"][0] * 1000, r["best"][1]))
    for (phase, label), s in sorted(spans.items()):
        for state in ("open", "closed"):
            print("RESULT %s %s %s %d %d" % (state, phase, label, s[state][0], s[state][1] * 1000))


cmd = sys.argv[1]
if cmd == "loop":
    loop(sys.argv[2], sys.argv[3], sys.argv[4:])
elif cmd == "hold":
    hold(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
elif cmd == "burst":
    burst(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
elif cmd == "analyse":
    analyse(sys.argv[2])
