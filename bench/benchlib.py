"""What the benchmarks share: the one table format (each script prints its
figures with table(); when BENCH_ROWS names a file, as bench/run sets it,
the rows are also appended to it, tab-separated, so that bench/run can
print every figure of every script in one table), the servers they start
(tcpserver, stunnel) and stop, the TLS client, the scratch directory, the
process tree, and running the sides in turn or clients in parallel."""

import multiprocessing
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def table(section, rows):
    """rows: (label, measured, target) tuples, all strings; a label that
    starts with spaces is a detail of the row above."""
    width = max([len(section)] + [len(r[0]) for r in rows])
    print("%-*s  %12s  %s" % (width, section, "measured", "target"))
    for label, value, target in rows:
        print("%-*s  %12s  %s" % (width, label, value, target))
    path = os.environ.get("BENCH_ROWS")
    if path:
        with open(path, "a") as fh:
            for label, value, target in rows:
                fh.write("\t".join((section, label, value, target)) + "\n")


def mail_setup(build):
    """A directory (the caller removes it) with a control directory for
    authup and fixsmtpio (the example rules) and a checkpassword-cdb user
    "bench", password "bench password", uid 65534. Returns (directory,
    environment for the programs)."""
    tmp = tempfile.mkdtemp(prefix="bench.")
    os.chmod(tmp, 0o755)  # the server runs as the bench user
    ctl = os.path.join(tmp, "control")
    os.makedirs(ctl)
    for name, text in (("me", "bench.example\n"),
                       ("smtpcapabilities", "PIPELINING\n")):
        with open(os.path.join(ctl, name), "w") as fh:
            fh.write(text)
    shutil.copy(os.path.join(TOP, "examples", "fixsmtpio"), ctl)
    env = {"PATH": os.path.join(build, "bin") + ":" + os.environ["PATH"],
           "CONTROLDIR": ctl, "AUTHUP_PAUSE": "0",
           "AUTHUP_STATE": os.path.join(tmp, "authup-state")}
    subprocess.run([os.path.join(build, "bin", "cdbpasswd"), "add", "bench",
                    "65534", "65534", "/"], input=b"bench password\n",
                   env=env, check=True, capture_output=True)
    return tmp, env


PROCS = []


def spawn(argv, env, stdout=subprocess.DEVNULL):
    """Starts a server in a process group of its own; stop_all() ends it."""
    p = subprocess.Popen(argv, env=env, stdout=stdout,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    PROCS.append(p)
    return p


def stop_all():
    """Ends every process group spawn() started: TERM, then KILL after 10 s."""
    for p in PROCS:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except OSError:
                pass
    for p in PROCS:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


TMP = None


def workdir():
    """The run's scratch directory (made at the first call); cleanup()
    removes it."""
    global TMP
    if TMP is None:
        TMP = tempfile.mkdtemp(prefix="bench.")
    return TMP


def cleanup():
    """Stops every server spawn() started and removes the scratch
    directory."""
    stop_all()
    if TMP is not None:
        shutil.rmtree(TMP, ignore_errors=True)


def stop(p):
    """Ends one process group spawn() started."""
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGTERM)
    p.wait(10)


def warm_daemon(ucspitlsd, env):
    """A ucspitlsd -S daemon with env's settings: (process, socket)."""
    sock = os.path.join(workdir(), "engine-%d.sock" % len(os.listdir(
        workdir())))
    p = spawn([ucspitlsd, "-S", sock], env)
    deadline = time.time() + 30
    while not os.path.exists(sock) and time.time() < deadline:
        time.sleep(0.02)
    return p, sock


def tcpserver(argv, env, limit=200):
    """tcpserver on 127.0.0.1 (no lookups, a backlog above any burst)
    running argv: (process, port)."""
    p = spawn(["tcpserver", "-1", "-HR", "-l0", "-b", "256", "-c",
               str(limit), "127.0.0.1", "0"] + argv, env,
              stdout=subprocess.PIPE)
    return p, int(p.stdout.readline())


def stunnel(binary, name, app, app_name, cert, starttls, daemon, env):
    """Debian's stunnel4 with cert, TLS 1.3, TLS_AES_256_GCM_SHA384 and
    X25519, running app for each connection: as its daemon, or started per
    connection by tcpserver (inetd mode). (process, port)."""
    conf = os.path.join(workdir(), name + ".conf")
    port = free_port() if daemon else 0
    with open(conf, "w") as fh:
        # inetd mode takes the service's options in the global section:
        # one service, on fds 0 and 1.
        fh.write("pid =\ndebug = 3\nsyslog = no\n")
        if daemon:
            fh.write("foreground = yes\n[bench]\n"
                     "accept = 127.0.0.1:%d\n" % port)
        fh.write("exec = %s\nexecArgs = %s\ncert = %s\nkey = %s\n"
                 "sslVersionMin = TLSv1.3\n"
                 "ciphersuites = TLS_AES_256_GCM_SHA384\n"
                 "curves = X25519\n" % (app, app_name, cert.cert, cert.key))
        if starttls:
            fh.write("protocol = smtp\n")
    if not daemon:
        return tcpserver([binary, conf], env)
    p = spawn([binary, conf], env)
    wait_port(port)
    return p, port


def descendants(root):
    """pid -> comm of every process under root."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as fh:
                    st = fh.read()
            except OSError:
                continue
            comm = st[st.index("(") + 1:st.rindex(")")]
            ppid = int(st[st.rindex(")") + 2:].split()[1])
            kids.setdefault(ppid, []).append((int(d), comm))
    out, todo = {}, [root]
    while todo:
        for pid, comm in kids.get(todo.pop(), []):
            out[pid] = comm
            todo.append(pid)
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on port %d" % port)


def tls13_client():
    """A client context for TLS 1.3 that takes any certificate: the
    benchmarks measure the servers, not certificate checks."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    return ctx


CTX = None


def context():
    """The one tls13_client() context of a run (its session cache shared)."""
    global CTX
    if CTX is None:
        CTX = tls13_client()
    return CTX


def best(fns, rounds, better=max):
    """Runs each function once a round, in turn, so that other load on the
    machine hits every side alike, each going first in turn so that none
    always follows the same one; the best result of each (the largest, or
    with better=min the smallest)."""
    results = [[] for _ in fns]
    for r in range(rounds):
        for i in list(range(r % len(fns), len(fns))) + \
                list(range(r % len(fns))):
            results[i].append(fns[i]())
    return [better(got) for got in results]


def in_parallel(fn, args, workers, each):
    """Runs fn(*args) in workers forked processes at once, each of which
    does each sessions; returns the sessions per second of all of them."""
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=fn, args=args) for _ in range(workers)]
    t0 = time.perf_counter()
    for w in procs:
        w.start()
    for w in procs:
        w.join()
    if any(w.exitcode for w in procs):
        raise RuntimeError("a client failed")
    return workers * each / (time.perf_counter() - t0)
