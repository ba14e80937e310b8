#!/usr/bin/env python3
"""run.py - time tlsview against tshark and ssldump on the benchmark capture.

    bench/run.py [options]

Reads what make-capture.sh wrote (default bench/out/), then in one run and
on the same file: tlsview (JSON to /dev/null) with no secrets, with the key
log and with only the server key; tshark and ssldump in the same three modes
where they are installed; tlsview again on the scaled capture; and a live
run of tlsview on loopback while s_time runs.  Every program is timed by
this script (wall clock, CPU = user + sys and peak RSS from wait4).  Prints
a table and the ratios against the targets of the benchmark issue, and
writes results.json and results.md into the capture directory.

The cost of one RSA private operation comes from rsa-speed (rsa_speed.c in
this directory, mbedTLS as tlsview uses it), built with
`ninja -C BUILD bench/rsa-speed` when the build has that target, otherwise
compiled here with cc.  `openssl speed rsa2048` is shown for reference.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODES = ("none", "keylog", "key")
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None

# The targets of the benchmark issue.
T_SSLDUMP_NONE = 5.0      # no secrets: at least 5x faster than ssldump
T_TSHARK_NONE = 25.0      # no secrets: at least 25x faster than tshark
T_TSHARK_KEYLOG = 20.0    # key log: at least 20x faster than tshark
T_RSA_BOUND = 1.3         # server key: within 1.3x of RSA ops x cost / cores
T_RSS_MB = 32.0           # peak RSS


def log(msg=""):
    print(msg, flush=True)


def mb(kib):
    return kib / 1024.0


# ---------------------------------------------------------------- measuring

def measure(argv, stdout=subprocess.DEVNULL, env=None, timeout=None):
    """Runs argv; returns wall, user, sys, peak RSS (KiB), exit status and
    the end of its standard error."""
    err = tempfile.TemporaryFile()
    rss_file = None
    if GNU_TIME:
        # A child forked from this script inherits its peak RSS (Linux keeps
        # the larger of the old and new image's high-water marks across
        # exec), so a small program in between forks the tool.
        fd, rss_file = tempfile.mkstemp(prefix="rss.")
        os.close(fd)
        argv = [GNU_TIME, "-f", "%M", "-o", rss_file, "--"] + list(argv)
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=err, env=env)
    timed_out = False
    if timeout:
        # wait4 blocks; poll so a stuck tool cannot stall the benchmark.
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - t0 > timeout:
                p.kill()
                timed_out = True
                pid, status, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.02)
    else:
        pid, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err.seek(0)
    tail = err.read()[-2000:].decode("utf-8", "replace")
    err.close()
    return {
        "wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime, "cpu": ru.ru_utime + ru.ru_stime,
        "rss_kib": peak_rss(rss_file, ru), "exit": p.returncode, "timed_out": timed_out, "stderr": tail,
    }


def peak_rss(rss_file, ru):
    """Peak RSS in KiB: from GNU time's report when there is one."""
    if not rss_file:
        return ru.ru_maxrss
    try:
        with open(rss_file) as f:
            lines = [l for l in f.read().split("\n") if l.strip()]
        os.remove(rss_file)
        return int(lines[-1])
    except (OSError, ValueError, IndexError):
        return ru.ru_maxrss


def loadavg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def source_revision():
    """The commit of the tree this script is in, '+' when it has changes."""
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head + ("+" if dirty else "") if head else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


# ---------------------------------------------------------------- inputs

def read_manifest(path):
    rows = {}
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            cells = line.rstrip("\n").split("\t")
            rows[cells[0]] = dict(zip(head, cells))
    return rows


def find_rsa_speed(build, outdir):
    """The rsa-speed program: from the build when it has the target,
    otherwise compiled into outdir."""
    exe = os.path.join(build, "bench", "rsa-speed")
    ninja = shutil.which("ninja")
    if ninja and os.path.exists(os.path.join(build, "build.ninja")):
        targets = subprocess.run([ninja, "-C", build, "-t", "targets", "all"], capture_output=True, text=True)
        if re.search(r"^bench/rsa-speed:", targets.stdout, re.M):
            r = subprocess.run([ninja, "-C", build, "bench/rsa-speed"], capture_output=True, text=True)
            if r.returncode == 0 and os.path.exists(exe):
                return exe
    exe = os.path.join(outdir, "rsa-speed")
    src = os.path.join(HERE, "rsa_speed.c")
    lib_time = os.path.getmtime(os.path.join(build, "libtlsview.a")) if os.path.exists(os.path.join(build, "libtlsview.a")) else 0
    if os.path.exists(exe) and os.path.getmtime(exe) >= max(os.path.getmtime(src), lib_time):
        return exe
    cc = os.environ.get("CC", "cc")
    # With tlsview's library at hand, its own RSA decryption is timed too.
    lib = os.path.join(build, "libtlsview.a")
    own = ["-DWITH_TLSVIEW_RSA", "-I", os.path.dirname(HERE), lib, "-lmbedx509"] if os.path.exists(lib) else []
    r = subprocess.run([cc, "-std=c17", "-O2", "-D_GNU_SOURCE", src, "-o", exe] + own + ["-lmbedcrypto", "-lpthread"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        log(f"warning: cannot build rsa-speed: {r.stderr.strip()[:300]}")
        return None
    return exe


def rsa_costs(exe, key, seconds, cores):
    """CPU microseconds per RSA private operation: tlsview's own on one
    thread (when rsa-speed was built with its library); mbedTLS's on one
    thread, on all cores (own context each) and on all cores sharing one
    context; OpenSSL's."""
    out = {}
    if exe:
        for label, extra in (("mbedtls_1", ["-t", "1"]), (f"mbedtls_{cores}", ["-t", str(cores)]),
                             (f"mbedtls_{cores}_shared", ["-t", str(cores), "--shared"])):
            r = subprocess.run([exe, "-s", str(seconds)] + extra + [key], capture_output=True, text=True)
            for line in r.stdout.splitlines():
                f = dict(kv.split("=", 1) for kv in line.split()[1:])
                if line.startswith("rsa_private"):
                    out[label] = {"us_per_op": float(f["us_per_op"]), "ops_per_sec": float(f["ops_per_sec"])}
                elif line.startswith("pk_match") and "pk_match" not in out:
                    out["pk_match"] = {"us_per_op": float(f["us_per_op"])}
                elif line.startswith("tlsview_private") and "tlsview_1" not in out:
                    out["tlsview_1"] = {"us_per_op": float(f["us_per_op"])}
    if shutil.which("openssl"):
        r = subprocess.run(["openssl", "speed", "-seconds", str(seconds), "rsa2048"], capture_output=True, text=True)
        m = re.search(r"^rsa 2048 bits\s+([\d.]+)s\s+([\d.]+)s", r.stdout, re.M)
        if m:
            out["openssl_1"] = {"us_per_op": float(m.group(1)) * 1e6, "ops_per_sec": 1 / float(m.group(1))}
    return out


# ---------------------------------------------------------------- commands

def tlsview_argv(tlsview, path, mode, keylog, key):
    argv = [tlsview, "-r", path, "-o", "json"]
    if mode == "keylog":
        argv += ["-l", keylog]
    elif mode == "key":
        argv += ["-k", key]
    return argv


def tshark_argv(path, mode, keylog, key):
    argv = ["tshark", "-r", path, "-n", "-Y", "tls.handshake", "-T", "fields",
            "-e", "frame.number", "-e", "tcp.stream", "-e", "tls.handshake.type"]
    if mode == "keylog":
        argv += ["-o", f"tls.keylog_file:{keylog}"]
    elif mode == "key":
        argv += ["-o", f"tls.keys_list:0.0.0.0,0,data,{key}"]
    return argv


def ssldump_argv(path, mode, keylog, key):
    argv = ["ssldump", "-n"]
    if mode == "keylog":
        argv += ["-l", keylog]
    elif mode == "key":
        argv += ["-k", key]
    return argv + ["-r", path]


def clean_env():
    env = dict(os.environ)
    env.pop("SSLKEYLOGFILE", None)     # tlsview would read it in every mode
    env["LC_ALL"] = "C"
    return env


# ---------------------------------------------------------------- checks

def check_tlsview(tlsview, parts, manifest, keylog, key, env):
    """Untimed: the first connections of each part, in each mode, decrypted
    (or not) as they should be.  Returns rows and whether all is well."""
    rows, ok = [], True
    for name in parts:
        kx = manifest.get(name, {}).get("kx", "?")
        for mode in MODES:
            r = subprocess.run(tlsview_argv(tlsview, parts[name], mode, keylog, key) + ["-c", "100"],
                               capture_output=True, text=True, env=env)
            counts = {}
            for line in r.stdout.splitlines():
                if line.startswith('{"type":"connection"'):
                    m = re.search(r'"decryption":"([^"]*)"', line)
                    d = m.group(1) if m else "?"
                    counts[d] = counts.get(d, 0) + 1
            total = sum(counts.values())
            dec = counts.get("decrypted", 0)
            want = mode == "keylog" or (mode == "key" and kx == "rsa")
            good = total > 0 and (dec == total if want else dec == 0)
            ok &= good
            rows.append((name, mode, dec, total, good, counts))
    return rows, ok


def check_other(tool, parts, manifest, keylog, key):
    """Untimed: does tshark / ssldump decrypt with the keys it is given?
    (A tool that silently decrypted nothing would look fast.)"""
    res = {}
    rsa = next((p for n, p in parts.items() if manifest.get(n, {}).get("kx") == "rsa"), None)
    t13 = next((p for n, p in parts.items() if manifest.get(n, {}).get("kx") == "tls13"), None)
    for mode, path in (("keylog", rsa), ("keylog13", t13), ("key", rsa)):
        if not path:
            continue
        m = "keylog" if mode.startswith("keylog") else mode
        with tempfile.TemporaryDirectory() as tmp:
            small = os.path.join(tmp, "small.pcap")
            subprocess.run(["tcpdump", "-r", path, "-c", "400", "-w", small], capture_output=True)
            if tool == "tshark":
                r = subprocess.run(tshark_argv(small, m, keylog, key), capture_output=True, text=True)
                # Finished (20) is only seen once the records are decrypted.
                res[mode] = any("20" in line.split("\t")[-1].split(",") for line in r.stdout.splitlines())
            else:
                r = subprocess.run(ssldump_argv(small, m, keylog, key), capture_output=True, text=True)
                res[mode] = re.search(r"^\s+Finished", r.stdout, re.M) is not None
    return res


# ---------------------------------------------------------------- live

def free_port(start):
    for port in range(start, start + 100):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise SystemExit("run.py: no free port for the live run")


def wait_port(port, seconds=5.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


def live_run(tlsview, outdir, key, crt, seconds, port, mode, env, buffer_kib=None):
    """tlsview -i lo while s_time hammers an s_server on loopback."""
    port = free_port(port)
    keylog = os.path.join(outdir, "live.keylog")
    open(keylog, "w").close()
    srv = subprocess.Popen(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", crt, "-key", key,
                            "-www", "-quiet", "-keylogfile", keylog],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    jsonl = os.path.join(outdir, "live.jsonl")
    tv = None
    try:
        if not wait_port(port):
            raise RuntimeError("s_server did not start")
        # The connect above is a TCP connection the capture does not see:
        # tlsview starts after it.
        argv = [tlsview, "-i", "lo", "-o", "json"]
        if mode == "keylog":
            argv += ["-l", keylog]
        elif mode == "key":
            argv += ["-k", key]
        argv.append(f"tcp port {port}")
        if buffer_kib:
            argv[1:1] = ["-B", str(buffer_kib)]
        rss_file = None
        if GNU_TIME:
            fd, rss_file = tempfile.mkstemp(prefix="rss.")
            os.close(fd)
            argv = [GNU_TIME, "-f", "%M", "-o", rss_file, "--"] + argv
        out = open(jsonl, "wb")
        err = tempfile.TemporaryFile()
        # Its own process group: SIGINT goes to tlsview (GNU time ignores it).
        tv = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                              start_new_session=True)
        time.sleep(1.0)
        if tv.poll() is not None:
            err.seek(0)
            raise RuntimeError("tlsview -i lo stopped: " + err.read().decode(errors="replace").strip())
        st = subprocess.run(["timeout", str(seconds + 30), "openssl", "s_time", "-connect", f"127.0.0.1:{port}",
                             "-new", "-time", str(seconds), "-www", "/", "-tls1_2", "-cipher", "AES128-GCM-SHA256"],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True)
        m = re.search(r"^(\d+) connections in \d+ real seconds", st.stdout, re.M)
        conns = int(m.group(1)) if m else None
        time.sleep(1.0)
        os.killpg(tv.pid, signal.SIGINT)
        t0 = time.monotonic()
        while True:
            pid, status, ru = os.wait4(tv.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - t0 > 60:
                tv.kill()
                pid, status, ru = os.wait4(tv.pid, 0)
                break
            time.sleep(0.05)
        tv.returncode = os.waitstatus_to_exitcode(status)
        out.close()
        summary = None
        with open(jsonl, "rb") as f:
            f.seek(max(0, os.path.getsize(jsonl) - 4096))
            for line in f.read().splitlines():
                if line.startswith(b'{"type":"summary"'):
                    summary = json.loads(line)
        return {
            "mode": mode, "seconds": seconds, "s_time_connections": conns, "summary": summary,
            "cpu": ru.ru_utime + ru.ru_stime, "rss_kib": peak_rss(rss_file, ru), "exit": tv.returncode,
            "buffer_kib": buffer_kib,
        }
    finally:
        if tv and tv.poll() is None:
            tv.kill()
            tv.wait()
        srv.terminate()
        srv.wait()
        for p in (jsonl, keylog):
            if os.path.exists(p):
                os.remove(p)


# ---------------------------------------------------------------- report

def verdict(ok):
    return "met" if ok else "NOT MET"


def main():
    ap = argparse.ArgumentParser(description="Benchmark tlsview against tshark and ssldump.")
    ap.add_argument("--dir", default=os.path.join(HERE, "out"), help="what make-capture.sh wrote (default bench/out)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="meson build directory (default build)")
    ap.add_argument("--tlsview", help="the tlsview program (default BUILD/tlsview)")
    ap.add_argument("--file", help="capture to time (default DIR/all.pcap)")
    ap.add_argument("--scaled", help="scaled capture (default DIR/all-x10.pcap when present)")
    ap.add_argument("--scaled-modes", default="none,keylog",
                    help="tlsview modes on the scaled capture (default none,keylog; 'all' adds key, "
                         "which takes ten times the server-key run)")
    ap.add_argument("--modes", default="none,keylog,key", help="modes on the capture (default all three)")
    ap.add_argument("--no-others", action="store_true", help="time tlsview only (no tshark, no ssldump)")
    ap.add_argument("--no-live", action="store_true", help="skip the live run")
    ap.add_argument("--live-seconds", type=int, default=8, help="seconds of s_time in the live run (default 8)")
    ap.add_argument("--live-modes", default="none", help="tlsview modes in the live run (default none)")
    ap.add_argument("--live-port", type=int, default=44790, help="first port tried for the live run")
    ap.add_argument("--live-buffer", type=int, metavar="KIB",
                    help="pass -B KIB to tlsview in the live run (default: tlsview's own default)")
    ap.add_argument("--tshark-modes", default="none,keylog,key", help="tshark modes (default all three)")
    ap.add_argument("--ssldump-modes", default="none",
                    help="ssldump modes (default none: with a key log of this size ssldump takes minutes "
                         "and gigabytes)")
    ap.add_argument("--rsa-seconds", type=float, default=3, help="seconds per RSA speed measurement (default 3)")
    ap.add_argument("--cores", type=int, default=os.cpu_count(), help="cores for the RSA bound (default: all)")
    ap.add_argument("--timeout", type=int, default=900, help="give up on one program after this many seconds")
    a = ap.parse_args()

    outdir = os.path.abspath(a.dir)
    tlsview = os.path.abspath(a.tlsview or os.path.join(a.build, "tlsview"))
    capture = os.path.abspath(a.file or os.path.join(outdir, "all.pcap"))
    keylog = os.path.join(outdir, "all.keylog")
    key = os.path.join(outdir, "server.key")
    crt = os.path.join(outdir, "server.crt")
    for p, what in ((tlsview, "tlsview (build it: meson setup build && ninja -C build)"),
                    (capture, "the capture (make it: bench/make-capture.sh)"), (keylog, "the key log"),
                    (key, "the server key")):
        if not os.path.exists(p):
            raise SystemExit(f"run.py: no {what}: {p}")
    manifest = read_manifest(os.path.join(outdir, "manifest.tsv")) if os.path.exists(
        os.path.join(outdir, "manifest.tsv")) else {}
    scaled = a.scaled or os.path.join(outdir, "all-x10.pcap")
    scaled = os.path.abspath(scaled) if os.path.exists(scaled) else None
    scaled_modes = MODES if a.scaled_modes == "all" else tuple(m for m in a.scaled_modes.split(",") if m)
    modes = tuple(m for m in a.modes.split(",") if m)
    live_modes = tuple(m for m in a.live_modes.split(",") if m)
    tool_modes = {"tshark": tuple(m for m in a.tshark_modes.split(",") if m),
                  "ssldump": tuple(m for m in a.ssldump_modes.split(",") if m)}
    for m in modes + scaled_modes + live_modes + tool_modes["tshark"] + tool_modes["ssldump"]:
        if m not in MODES:
            ap.error(f"unknown mode {m!r} (none, keylog, key)")
    env = clean_env()

    def label_of(path):
        return os.path.basename(path)

    def sessions_of(path):
        base = os.path.splitext(os.path.basename(path))[0]
        row = manifest.get(base)
        return (int(row["sessions"]), int(row["rsa_decryptions"])) if row else (None, None)

    started = datetime.datetime.now()
    load0 = loadavg()
    revision = source_revision()
    log(f"tlsview benchmark, {started:%Y-%m-%d %H:%M}, {os.cpu_count()} cores ({cpu_model()}), "
        f"load average {load0:.2f}; source {revision}, program {tlsview}")
    if load0 > 0.5:
        log("warning: the machine is busy; wall times will be inflated (compare CPU times)")
    sess, rsa_n = sessions_of(capture)
    size = os.path.getsize(capture)
    log(f"capture {label_of(capture)}: {size / 1e6:.1f} MB, {sess} sessions, {rsa_n} with RSA key exchange; "
        f"key log {sum(1 for _ in open(keylog))} lines")

    parts_dir = os.path.join(outdir, "parts")
    parts = {}
    if os.path.isdir(parts_dir):
        for f in sorted(os.listdir(parts_dir)):
            if f.endswith(".pcap"):
                parts[f[:-5]] = os.path.join(parts_dir, f)

    # 1. One RSA private operation.
    log("\nmeasuring one RSA-2048 private operation ...")
    rsa_exe = find_rsa_speed(os.path.abspath(a.build), outdir)
    costs = rsa_costs(rsa_exe, key, a.rsa_seconds, a.cores)
    for k, v in costs.items():
        extra = f", {v['ops_per_sec']:.0f} ops/s" if "ops_per_sec" in v else ""
        log(f"  {k:22s} {v['us_per_op']:8.1f} us CPU per operation{extra}")

    # 2. The checks: each tool decrypts what it is given.
    log("\nchecking that each mode decrypts what it should (first 100 connections of each part) ...")
    checks = {}
    if parts:
        rows, ok = check_tlsview(tlsview, parts, manifest, keylog, key, env)
        checks["tlsview"] = {"ok": ok, "rows": [list(r[:5]) for r in rows]}
        bad = [r for r in rows if not r[4]]
        log(f"  tlsview: {'as expected' if ok else 'UNEXPECTED'}"
            + "".join(f"\n    {r[0]} {r[1]}: {r[2]}/{r[3]} decrypted {r[5]}" for r in bad))
    others = [] if a.no_others else [t for t in ("tshark", "ssldump") if shutil.which(t)]
    for tool in others:
        if parts and shutil.which("tcpdump"):
            res = check_other(tool, parts, manifest, keylog, key)
            checks[tool] = res
            log(f"  {tool}: decrypts TLS 1.2 with the key log: {res.get('keylog')}, TLS 1.3 with the key log: "
                f"{res.get('keylog13')}, TLS 1.2 RSA with the server key: {res.get('key')}")
    for tool in ("tshark", "ssldump"):
        if not a.no_others and tool not in others:
            log(f"  {tool}: not installed (apt-get install {tool}); skipped")

    # 3. The timed runs.
    runs = []

    def timed(fileref, tool, mode, argv):
        r = measure(argv, env=env, timeout=a.timeout)
        r.update({"file": label_of(fileref), "tool": tool, "mode": mode})
        runs.append(r)
        status = "" if r["exit"] == 0 else f"  exit {r['exit']}" + (" (timed out)" if r["timed_out"] else "")
        log(f"  {r['file']:14s} {tool:8s} {mode:7s} wall {r['wall']:8.2f} s  CPU {r['cpu']:8.2f} s  "
            f"RSS {mb(r['rss_kib']):7.1f} MB{status}")
        if r["exit"] != 0 and r["stderr"].strip():
            log("      " + r["stderr"].strip().splitlines()[-1][:200])
        return r

    log(f"\ntiming on {label_of(capture)} (one run each) ...")
    for mode in modes:
        timed(capture, "tlsview", mode, tlsview_argv(tlsview, capture, mode, keylog, key))
    for tool in others:
        for mode in tool_modes[tool]:
            argv = tshark_argv(capture, mode, keylog, key) if tool == "tshark" else ssldump_argv(
                capture, mode, keylog, key)
            timed(capture, tool, mode, argv)
    if scaled and scaled_modes:
        log(f"\ntiming tlsview on {label_of(scaled)} ...")
        for mode in scaled_modes:
            timed(scaled, "tlsview", mode, tlsview_argv(tlsview, scaled, mode, keylog, key))

    # 4. Live.
    lives = []
    if not a.no_live and live_modes:
        log(f"\nlive: tlsview -i lo during {a.live_seconds} s of s_time -new (TLS 1.2 RSA, AES-GCM) ...")
        if os.geteuid() != 0:
            log("  note: not root; capturing on lo needs CAP_NET_RAW")
        for mode in live_modes:
            try:
                lv = live_run(tlsview, outdir, key, crt, a.live_seconds, a.live_port, mode, env, a.live_buffer)
            except RuntimeError as e:
                log(f"  live {mode}: {e}")
                continue
            lives.append(lv)
            s = lv["summary"] or {}
            log(f"  {mode:7s} s_time {lv['s_time_connections']} connections; tlsview saw "
                f"{s.get('tls_connections')} TLS connections, kernel dropped {s.get('kernel_dropped')}, "
                f"interface dropped {s.get('interface_dropped')}; CPU {lv['cpu']:.2f} s, "
                f"RSS {mb(lv['rss_kib']):.1f} MB, exit {lv['exit']}")

    load1 = loadavg()

    # 5. Ratios and targets.
    def get(tool, mode, fileref=capture):
        for r in runs:
            if r["tool"] == tool and r["mode"] == mode and r["file"] == label_of(fileref) and r["exit"] == 0:
                return r
        return None

    targets = []

    def ratio_target(name, other, mode, want):
        t, o = get("tlsview", mode), get(other, mode)
        if not t or not o:
            targets.append({"target": name, "met": None, "note": f"{other} or tlsview did not run"})
            return
        rw, rc = o["wall"] / t["wall"], o["cpu"] / t["cpu"]
        targets.append({"target": name, "met": rw >= want, "value": rw, "cpu_value": rc,
                        "note": f"{other} {o['wall']:.2f} s / tlsview {t['wall']:.2f} s = {rw:.2f}x "
                                f"(CPU {rc:.2f}x); target >= {want:g}x"})

    ratio_target("no secrets: >= 5x faster than ssldump", "ssldump", "none", T_SSLDUMP_NONE)
    ratio_target("no secrets: >= 25x faster than tshark", "tshark", "none", T_TSHARK_NONE)
    ratio_target("key log: >= 20x faster than tshark", "tshark", "keylog", T_TSHARK_KEYLOG)

    # The bound counts the RSA operation as tlsview makes it (its own code,
    # rsa_private.c); mbedTLS's and OpenSSL's give the other bounds shown.
    sources = [("tlsview_1", "tlsview's own"), ("mbedtls_1", "mbedTLS"), ("openssl_1", "OpenSSL")]
    present = [(k, name) for k, name in sources if costs.get(k)]
    tk = get("tlsview", "key")
    if present and tk and rsa_n:
        def bound_of(k):
            return rsa_n * costs[k]["us_per_op"] / 1e6 / a.cores
        key0, name0 = present[0]
        bound = bound_of(key0)
        x = tk["wall"] / bound
        others = "; ".join(f"with {name}'s {costs[k]['us_per_op']:.0f} us: {tk['wall'] / bound_of(k):.2f}x"
                           for k, name in present[1:])
        targets.append({"target": "server key: within 1.3x of RSA ops x one op / cores", "met": x <= T_RSA_BOUND,
                        "value": x, "bound_s": bound,
                        "note": f"{rsa_n} RSA x {costs[key0]['us_per_op']:.0f} us ({name0}) / {a.cores} cores = "
                                f"{bound:.2f} s; tlsview {tk['wall']:.2f} s wall ({tk['cpu']:.2f} s CPU) = {x:.2f}x the "
                                f"bound; target <= {T_RSA_BOUND}x ({T_RSA_BOUND * bound:.2f} s)"
                                + (f" ({others})" if others else "")})
    else:
        targets.append({"target": "server key: within 1.3x of RSA ops x one op / cores", "met": None,
                        "note": "no RSA cost, no RSA session count or no server-key run"})

    for fileref in [capture] + ([scaled] if scaled else []):
        rs = [r for r in runs if r["tool"] == "tlsview" and r["file"] == label_of(fileref) and r["exit"] == 0]
        if rs:
            top = max(rs, key=lambda r: r["rss_kib"])
            targets.append({"target": f"peak RSS <= 32 MB on {label_of(fileref)}",
                            "met": mb(top["rss_kib"]) <= T_RSS_MB, "value": mb(top["rss_kib"]),
                            "note": ", ".join(f"{r['mode']} {mb(r['rss_kib']):.1f} MB" for r in rs)})
    for lv in lives:
        s = lv["summary"] or {}
        kd = s.get("kernel_dropped")
        targets.append({"target": f"live ({lv['mode']}): zero kernel drops", "met": kd == 0, "value": kd,
                        "note": f"kernel_dropped {kd}; {s.get('tls_connections')} TLS connections seen, "
                                f"s_time made {lv['s_time_connections']}"})

    log(f"\ntargets (ratios from this one run; load average {load0:.2f} before, {load1:.2f} after):")
    for t in targets:
        v = "n/a" if t["met"] is None else verdict(t["met"])
        log(f"  [{v:7s}] {t['target']}\n            {t['note']}")

    # 6. Files.
    result = {
        "date": started.isoformat(timespec="seconds"), "cores": os.cpu_count(), "cpu": cpu_model(),
        "load_before": load0, "load_after": load1, "capture": label_of(capture), "capture_bytes": size,
        "sessions": sess, "rsa_decryptions": rsa_n, "scaled": label_of(scaled) if scaled else None,
        "rsa_costs": costs, "checks": checks,
        "runs": [{k: v for k, v in r.items() if k != "stderr"} for r in runs], "live": lives, "targets": targets,
        "source": revision,
        "tlsview": subprocess.run([tlsview, "--version"], capture_output=True, text=True).stdout.strip(),
    }
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write(f"{started:%Y-%m-%d}, source {revision}, {os.cpu_count()} cores ({cpu_model()}), "
                f"load average {load0:.2f} "
                f"before / {load1:.2f} after; {label_of(capture)} {size / 1e6:.0f} MB, {sess} sessions "
                f"({rsa_n} RSA key exchange)\n\n")
        f.write("| file | tool | mode | wall s | CPU s | peak RSS MB |\n|---|---|---|---:|---:|---:|\n")
        for r in runs:
            bad = "" if r["exit"] == 0 else f" (exit {r['exit']})"
            f.write(f"| {r['file']} | {r['tool']} | {r['mode']} | {r['wall']:.2f}{bad} | {r['cpu']:.2f} | "
                    f"{mb(r['rss_kib']):.1f} |\n")
        if costs:
            f.write("\nOne RSA-2048 private operation (CPU): "
                    + ", ".join(f"{k} {v['us_per_op']:.0f} us" for k, v in costs.items()) + "\n")
        for lv in lives:
            s = lv["summary"] or {}
            f.write(f"\nLive ({lv['mode']}, {lv['seconds']} s of s_time): s_time made {lv['s_time_connections']} "
                    f"connections, tlsview saw {s.get('tls_connections')}, kernel dropped {s.get('kernel_dropped')}; "
                    f"tlsview CPU {lv['cpu']:.2f} s, peak RSS {mb(lv['rss_kib']):.1f} MB\n")
        f.write("\n| target | result | |\n|---|---|---|\n")
        for t in targets:
            v = "n/a" if t["met"] is None else verdict(t["met"])
            f.write(f"| {t['target']} | {v} | {t['note']} |\n")
    log(f"\nwrote {os.path.join(outdir, 'results.json')} and results.md "
        f"({(datetime.datetime.now() - started).total_seconds():.0f} s)")


if __name__ == "__main__":
    main()
