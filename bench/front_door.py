#!/usr/bin/env python3
"""The front-door benchmark (issue 18): every read route a person opens, through
HTTP, under many concurrent connections, on a national-scale database, with the
server's own /healthz measured in the same run as the reference.

Called by bench/http.sh, which builds the binaries (this file is not named
http.py: that would hide Python's own http package); see BENCHMARKS.md for how to
read the report. Progress goes to stderr, the Markdown report to stdout.

Steps:
  1. a fresh database (SQLite file, or a new PostgreSQL database) filled by the
     matching generator (organisations, offers, demands in every state,
     pairings), all 620,573 villages, and the demo accounts (`serve --demo`);
  2. the server is started; the time until /healthz first answers is the start time;
  3. the route list comes from the router (`duijie routes`); each GET route is
     called once with sample ids by a county officer (yl_xz), and when that is
     refused by an organisation (org_yl) or the administrator; routes that
     answer neither are listed as skipped with their status;
  4. each answering route runs under wrk (-c32) for WRK_DURATION; /healthz runs
     first and last;
  5. a mixed run: the read routes in rotation on most connections (those that
     answered at least BENCH_SLOW_RPS requests a second alone; the report names
     the others), and on the others writes a person makes (recording a demand),
     at the same time; then the same reads alone for comparison;
  6. the server's resident memory after each phase, and after a second mixed run.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

BIN = os.environ["DUIJIE_BIN"]
FILL = os.environ["DUIJIE_FILL_BIN"]
BACKEND = os.environ.get("BENCH_BACKEND", "sqlite")
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
SCALE = os.environ.get("BENCH_SCALE", "100000,100000,1000000,50000").split(",")
DURATION = os.environ.get("WRK_DURATION", "8s")
CONNS = int(os.environ.get("WRK_CONNS", "32"))
THREADS = int(os.environ.get("WRK_THREADS", "2"))
WRITE_CONNS = int(os.environ.get("BENCH_WRITE_CONNS", "3"))
PASSWORD = "Duijie2026"
# Extra query strings measured besides the bare path (the filters people use).
VARIANTS = {
    "/api/v1/demands": ["?region=530628", "?region=53"],
    "/demands": ["?region=530628"],
    "/api/v1/organizations": ["?q=%E4%B9%A1%E6%9D%91"],
    "/orgs": ["?q=%E4%B9%A1%E6%9D%91"],
    "/api/v1/search": ["?q=%E5%85%BB%E8%80%81", "?q=%E5%85%BB%E8%80%81&kind=demand&field=%E5%85%BB%E8%80%81&status=published"],
    "/search": ["?q=%E5%85%BB%E8%80%81"],
    "/api/v1/stats/matching": ["?region=530628"],
}
# Routes that are not reads a person waits for (downloads of the API description, logins, static files).
SKIP = re.compile(r"^/(static/|api/docs|api/openapi|logout|login|api/v1/auth/)")


SLOW_RPS = int(os.environ.get("BENCH_SLOW_RPS", "100"))


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Client:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, headers=None, body=None, timeout=60):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=dict(headers or {}))
        if data is not None:
            req.add_header("content-type", "application/json")
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(req, timeout=timeout) as r:
                return r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read(), e.headers

    def token(self, username):
        status, body, _ = self.call("POST", "/api/v1/auth/token", body={"username": username, "password": PASSWORD})
        assert status == 200, f"token for {username}: {status} {body[:200]}"
        return json.loads(body)["token"]

    def cookie(self, username):
        status, body, headers = self.call("GET", "/login")
        csrf_cookie = "; ".join(c.split(";")[0] for c in headers.get_all("set-cookie") or [])
        csrf = re.search(rb'name="_csrf" value="([^"]*)"', body).group(1).decode()
        form = urllib.parse.urlencode({"_csrf": csrf, "username": username, "password": PASSWORD}).encode()
        req = urllib.request.Request(self.base + "/login", data=form, method="POST", headers={"cookie": csrf_cookie, "content-type": "application/x-www-form-urlencoded"})
        try:
            urllib.request.build_opener(NoRedirect).open(req, timeout=60)
            raise AssertionError("login did not redirect")
        except urllib.error.HTTPError as e:
            assert e.code == 303, f"login {username}: {e.code}"
            session = [c.split(";")[0] for c in e.headers.get_all("set-cookie") if c.startswith("duijie_session=")]
            return session[0]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wrk(base, path, header, conns=CONNS, duration=DURATION, script=None):
    cmd = ["wrk", f"-t{THREADS}", f"-c{conns}", f"-d{duration}", "--latency", "--timeout", "5s"]
    if header:
        cmd += ["-H", header]
    if script:
        cmd += ["-s", script]
    cmd.append(base + path)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def parse_wrk(out):
    def ms(v):
        m = re.match(r"([\d.]+)(us|ms|s)", v)
        n = float(m.group(1))
        return n / 1000 if m.group(2) == "us" else n * 1000 if m.group(2) == "s" else n

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(int(x) for x in errs.groups()) if errs else 0)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors, "requests": total}


def run_wrk(base, path, header, **kw):
    p = wrk(base, path, header, **kw)
    out, _ = p.communicate()
    try:
        return parse_wrk(out)
    except AttributeError:
        raise RuntimeError(f"wrk {path}: {out}")


def main():
    tmp = tempfile.mkdtemp(prefix="duijie-http-")
    server = None
    pg_db = None
    try:
        if BACKEND == "postgres":
            pg_db = f"duijie_bench_{os.getpid()}"
            subprocess.run(["psql", f"{PG_URL}/postgres", "-qc", f'CREATE DATABASE "{pg_db}"'], check=True)
            url = f"{PG_URL}/{pg_db}"
        else:
            url = f"sqlite://{tmp}/national.db"
        env = dict(os.environ, DUIJIE_DATABASE_URL=url, DUIJIE_SEARCH_DIR=f"{tmp}/search", DUIJIE_DATA_KEY_FILE=f"{tmp}/data.key", DUIJIE_LOG="warn")
        figures = {}

        log(f"filling {url}: organisations, offers, demands, pairings = {SCALE}")
        t = time.time()
        subprocess.run([FILL, url, *SCALE, "--fill-only"], check=True, env=env, stdout=sys.stderr, stderr=sys.stderr)
        figures["fill"] = time.time() - t
        log("loading villages")
        t = time.time()
        subprocess.run([BIN, "regions", "load-villages"], check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        figures["villages"] = time.time() - t

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log(f"starting the server on {base}")
        t = time.time()
        server = subprocess.Popen([BIN, "serve", "--demo", "--addr", f"127.0.0.1:{port}"], env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=open(f"{tmp}/server.log", "w"))
        c = Client(base)
        while True:
            try:
                if c.call("GET", "/healthz", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None:
                raise RuntimeError(open(f"{tmp}/server.log").read())
            time.sleep(0.1)
        figures["start"] = time.time() - t
        figures["rss_start"] = rss_mb(server.pid)
        log(f"first answer after {figures['start']:.1f} s, {figures['rss_start']:.0f} MB")

        personas = {}
        for user in ["yl_xz", "org_yl", "admin"]:
            personas[user] = {"api": "Authorization: Bearer " + c.token(user), "page": "Cookie: " + c.cookie(user)}

        # The catalogues and the index load in the background after start; a search waits for them.
        status, _, _ = c.call("GET", "/api/v1/search?q=%E5%85%BB%E8%80%81", {"Authorization": personas["yl_xz"]["api"].split(": ", 1)[1]}, timeout=900)
        assert status == 200, f"search after start: {status}"
        figures["loaded"] = time.time() - t
        figures["rss_loaded"] = rss_mb(server.pid)
        log(f"catalogues and index loaded {figures['loaded']:.1f} s after start, {figures['rss_loaded']:.0f} MB")

        def get_json(user, path):
            status, body, _ = c.call("GET", path, {"Authorization": personas[user]["api"].split(": ", 1)[1]})
            return json.loads(body) if status == 200 else None

        def first_id(user, path, key="id"):
            v = get_json(user, path)
            items = v.get("items", v) if isinstance(v, dict) else v
            return items[0][key] if items else None

        samples = {
            "demand": first_id("yl_xz", "/api/v1/demands?region=530628&status=published"),
            "offer": first_id("yl_xz", "/api/v1/offers"),
            "org": first_id("yl_xz", "/api/v1/organizations?region=530628"),
            "pairing": first_id("yl_xz", "/api/v1/pairings"),
            "batch": first_id("admin", "/api/v1/pairing/batches"),
            "county": "530628",
        }
        log(f"samples: {samples}")

        def sample_for(path, param):
            if param in ("code", "c", "county"):
                return samples["county"]
            for prefix, kind in [("demands", "demand"), ("public/demands", "demand"), ("offers", "offer"), ("orgs", "org"), ("organizations", "org"),
                                 ("pairings", "pairing"), ("pairing/batches", "batch")]:
                if re.search(rf"/{prefix}/\{{{param}\}}", path):
                    return samples[kind]
            if re.fullmatch(r"/pairing/\{id\}.*", path):
                return samples["pairing"]
            return None

        routes = subprocess.run([BIN, "routes"], check=True, capture_output=True, text=True, env=env).stdout.split()
        plan, skipped = [], []
        for route in routes:
            if SKIP.match(route) or route == "/healthz":
                continue
            path, missing = route, None
            for param in re.findall(r"\{(\w+)\}", route):
                v = sample_for(route, param)
                if v is None:
                    missing = param
                    break
                path = path.replace("{" + param + "}", str(v))
            if missing:
                skipped.append((route, f"no sample for {{{missing}}}"))
                continue
            for variant in [""] + VARIANTS.get(route, []):
                kind = "api" if route.startswith("/api/") else "page"
                answered = None
                for user in personas:
                    status, _, headers = c.call("GET", path + variant, {personas[user][kind].split(": ", 1)[0]: personas[user][kind].split(": ", 1)[1]})
                    if status == 200:
                        answered = user
                        break
                if answered:
                    plan.append((route, path + variant, answered, personas[answered][kind]))
                elif variant == "":
                    skipped.append((route, f"answers {status} to every persona (not a GET a person opens, or needs a record the bench has no sample of)"))
        log(f"{len(plan)} routes to measure, {len(skipped)} skipped")

        results = []
        ref = run_wrk(base, "/healthz", None)
        log(f"/healthz {ref['rps']:.0f} req/s")
        for route, path, user, header in plan:
            r = run_wrk(base, path, header)
            results.append((path, user, r))
            log(f"{path} as {user}: {r['rps']:.0f} req/s, p99 {r['p99']:.1f} ms, errors {r['errors']}")
        ref_end = run_wrk(base, "/healthz", None)
        figures["rss_routes"] = rss_mb(server.pid)

        # Mixed run: reads in rotation on CONNS - WRITE_CONNS connections, writes on WRITE_CONNS, at once.
        # Routes that answered fewer than SLOW_RPS requests a second alone would hold both
        # cores and say nothing about the others: they are left out of the rotation (and named).
        speed = {path: r["rps"] for path, _, r in results}
        reads = [(path, header) for _, path, _, header in plan if speed.get(path, 0) >= SLOW_RPS]
        figures["left_out"] = [path for _, path, _, _ in plan if speed.get(path, 0) < SLOW_RPS]
        lua_reads = f"{tmp}/reads.lua"
        with open(lua_reads, "w") as f:
            f.write("local reqs = {}\n")
            for path, header in reads:
                k, v = header.split(": ", 1)
                f.write(f"table.insert(reqs, wrk.format('GET', {json.dumps(path)}, {{[{json.dumps(k)}] = {json.dumps(v)}}}))\n")
            f.write("local i = 0\nrequest = function()\n  i = i % #reqs + 1\n  return reqs[i]\nend\n")
        lua_writes = f"{tmp}/writes.lua"
        token = personas["yl_xz"]["api"].split("Bearer ", 1)[1]
        with open(lua_writes, "w") as f:
            f.write(f"""local n = 0
request = function()
  n = n + 1
  local body = '{{"title":"压测需求' .. n .. '-' .. math.random(1, 1000000000) .. '","field":"养老","target_kind":"county","region":"530628","beneficiary_group":"三留守人员","beneficiary_count":10,"funds_wan":1,"mode":"capacity","urgency":1,"deadline":"2027-12-31","contact_name":"赵磊","contact_phone":"0870-1234567"}}'
  return wrk.format('POST', '/api/v1/demands', {{['Authorization'] = 'Bearer {token}', ['Content-Type'] = 'application/json'}}, body)
end
""")
        mixed = []
        for round_ in (1, 2):
            pr = wrk(base, "/", None, conns=CONNS - WRITE_CONNS, script=lua_reads)
            pw = wrk(base, "/api/v1/demands", None, conns=WRITE_CONNS, script=lua_writes)
            mr, mw = parse_wrk(pr.communicate()[0]), parse_wrk(pw.communicate()[0])
            mixed.append((mr, mw, rss_mb(server.pid)))
            log(f"mixed run {round_}: reads {mr['rps']:.0f} req/s p99 {mr['p99']:.1f} ms; writes {mw['rps']:.0f} req/s p99 {mw['p99']:.1f} ms; errors {mr['errors'] + mw['errors']}")
        alone = run_wrk(base, "/", None, conns=CONNS - WRITE_CONNS, script=lua_reads)
        figures["rss_end"] = rss_mb(server.pid)

        report(figures, ref, ref_end, results, skipped, mixed, alone)
    finally:
        if server and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        if pg_db:
            subprocess.run(["psql", f"{PG_URL}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{pg_db}" WITH (FORCE)'])
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"kept {tmp}")


def report(fig, ref, ref_end, results, skipped, mixed, alone):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) // 1024 // 1024
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"### Front door, {BACKEND}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit {rev}\n")
    print(f"Machine: {os.cpu_count()} cores ({cpu}), {mem} GiB; load average before the run {open('/proc/loadavg').read().split()[0]}. "
          f"Data: {SCALE[0]} organisations, {SCALE[1]} offers, {SCALE[2]} demands, {SCALE[3]} pairings, all villages, the demo. "
          f"wrk -t{THREADS} -c{CONNS} -d{DURATION} per route.\n")
    print(f"- filling the database {fig['fill']:.0f} s, loading villages {fig['villages']:.0f} s")
    print(f"- first answer after start: **{fig['start']:.1f} s**; catalogues and search index loaded (a search answered) {fig['loaded']:.1f} s after start")
    print(f"- memory (RSS): at start {fig['rss_start']:.0f} MB, loaded {fig['rss_loaded']:.0f} MB, after the routes {fig['rss_routes']:.0f} MB, "
          f"after mixed run 1 {mixed[0][2]:.0f} MB, after mixed run 2 {mixed[1][2]:.0f} MB, at the end {fig['rss_end']:.0f} MB")
    print(f"- `/healthz`: {ref['rps']:.0f} req/s (p99 {ref['p99']:.2f} ms) before the routes, {ref_end['rps']:.0f} req/s after\n")
    print("| route | as | req/s | p50 ms | p99 ms | ratio to /healthz | errors |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for path, user, r in results:
        print(f"| `{path}` | {user} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['rps'] / ref['rps']:.3f} | {r['errors']} |")
    print()
    print(f"Mixed run ({CONNS - WRITE_CONNS} connections reading every route above in rotation, {WRITE_CONNS} recording demands, at once;"
          f" left out of the rotation, below {SLOW_RPS} req/s alone: {', '.join(f'`{p}`' for p in fig['left_out']) or 'none'}):\n")
    print("| run | reads req/s | reads p99 ms | writes req/s | writes p99 ms | write share | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for i, (mr, mw, _) in enumerate(mixed, 1):
        share = mw["requests"] / max(1, mr["requests"] + mw["requests"])
        print(f"| mixed {i} | {mr['rps']:.0f} | {mr['p99']:.1f} | {mw['rps']:.0f} | {mw['p99']:.1f} | {share:.0%} | {mr['errors'] + mw['errors']} |")
    print(f"| reads alone | {alone['rps']:.0f} | {alone['p99']:.1f} | — | — | — | {alone['errors']} |")
    if skipped:
        print("\nNot measured:\n")
        for route, why in skipped:
            print(f"- `{route}`: {why}")


if __name__ == "__main__":
    main()
