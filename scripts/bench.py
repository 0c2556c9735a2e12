"""Runs every benchmark of the README's Performance table in one go and prints the table.

Called by scripts/bench (which builds the release binary first). Every figure comes from this one
run on this machine, side by side, so the ratios compare like with like. Sizes shrink with --small
(CI runs that to prove the benchmarks work; no figure is checked there).
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests-integration"))
from loopback import free_port, wait_for  # noqa: E402 (found through the path above)


class Bench:
    def __init__(self, roster, small):
        self.roster = roster
        self.small = small
        self.rows = []
        self.work = tempfile.mkdtemp(prefix="roster-bench-")
        self.processes = []

    def run(self, *args, env=None, data=None, check=True):
        full = [self.roster, *args] + (["--data-dir", data] if data else [])
        result = subprocess.run(full, capture_output=True, text=True, env=dict(os.environ, **(env or {})))
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(full)} failed: {result.stderr[-2000:]}")
        return result

    def json(self, *args, **kwargs):
        return json.loads(self.run(*args, **kwargs).stdout)

    def start(self, args, env=None):
        log = open(os.path.join(self.work, f"process-{len(self.processes)}.log"), "w")
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True, env=dict(os.environ, **(env or {})))
        self.processes.append(process)
        return process

    def pages(self, users, clean=False):
        """`roster bench pages`: pre-encoded pages of `users` users on loopback, realistic ones unless
        `clean` (tidy generated users, every one importable). Answers its URL."""
        process = self.start([self.roster, "bench", "pages", "--users", str(users)] + (["--clean"] if clean else []))
        url = process.stdout.readline().strip()
        wait_for(url + "/ServiceProviderConfig", timeout=60)
        return url, process

    def row(self, figure, value, goal, note=""):
        self.rows.append((figure, value, goal, note))
        print(f"  {figure}: {value}  (goal {goal}) {note}", file=sys.stderr, flush=True)

    def stop_all(self):
        for process in self.processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.work, ignore_errors=True)


def curl_floor(url, users):
    """One curl fetching every page of 1,000 over one connection: the network floor."""
    urls = [f"{url}/Users?startIndex={start}&count=1000" for start in range(1, users + 1, 1000)]
    args = ["curl", "-s"] + [part for u in urls for part in ("-o", "/dev/null", u)]
    started = time.perf_counter()
    subprocess.run(args, check=True)
    return time.perf_counter() - started


def python_download(url, users):
    """A plain Python client (urllib and json, no database) reading every page of 1,000."""
    started = time.perf_counter()
    seen = 0
    start = 1
    while True:
        with urllib.request.urlopen(f"{url}/Users?startIndex={start}&count=1000") as response:
            page = json.loads(response.read())
        got = len(page.get("Resources", []))
        if got == 0:
            break
        seen += got
        start += got
    assert seen == users, (seen, users)
    return time.perf_counter() - started


def import_figures(b, pg_url):
    """Realistic users (every attribute, Unicode, long values, one in ten that cannot be imported as
    it is) imported into a directory that already holds users, some of them listed too."""
    n = 2_000 if b.small else 100_000
    small = 200 if b.small else 10_000
    held = 1_000 if b.small else 100_000
    url, server = b.pages(n)
    floor = curl_floor(url, n)
    python = python_download(url, n)
    report = b.json("bench", "import", "--users", str(n), "--directory-users", str(held), "--json")
    report_small = b.json("bench", "import", "--users", str(small), "--directory-users", str(held), "--json")
    clean = b.json("bench", "import", "--users", str(n), "--clean", "--json")
    b.row(f"{n:,} realistic users imported into SQLite holding {held:,}, end to end",
          f"{report['importSeconds']:.2f} s ({report['usersPerSecond']:,} users/s)", "≤ 2 s",
          f"clean users into an empty directory: {clean['importSeconds']:.2f} s")
    b.row("the same users merely downloaded (download only)", f"{report['downloadSeconds']:.2f} s", "≤ 0.7 s")
    b.row("a plain Python client downloading the same pages", f"{python:.2f} s",
          "import ≥ 5× faster than this", f"the import takes {report['importSeconds'] / python:.1f}× as long")
    b.row("one curl fetching every page (the network floor)", f"{floor:.3f} s", "import ≤ 30× this",
          f"import = {report['importSeconds'] / floor:.0f}× the floor")
    b.row(f"peak memory of the import, {small:,} → {n:,} users",
          f"{report_small['peakMemoryMB']} MB → {report['peakMemoryMB']} MB", "≤ 120 MB, ×1.3 at most",
          f"×{report['peakMemoryMB'] / max(report_small['peakMemoryMB'], 1):.2f}")
    if not b.small:
        big = b.json("bench", "import", "--users", "1000000", "--directory-users", str(held), "--json")
        b.row(f"1,000,000 realistic users imported into SQLite holding {held:,}",
              f"{big['importSeconds']:.1f} s, peak {big['peakMemoryMB']} MB", "≤ 25 s, ≤ 150 MB",
              f"download only {big['downloadSeconds']:.1f} s")
    if pg_url:
        database = create_database(pg_url, "roster_bench_import")
        pg = b.json("bench", "import", "--users", str(n), "--directory-users", str(held), "--database-url", database,
                    "--json")
        b.row("the same import on PostgreSQL", f"{pg['importSeconds']:.2f} s", "≤ 2× SQLite",
              f"{pg['importSeconds'] / report['importSeconds']:.2f}× SQLite")
    server.terminate()


def create_database(pg_url, name):
    """A new empty database on the PostgreSQL of `pg_url`; answers its URL."""
    base, _, query = pg_url.partition("?")
    server, _, _ = base.rpartition("/")
    admin = base.replace("postgres://", "postgresql://").split("?")[0]
    subprocess.run(["psql", admin, "-q", "-c", f"DROP DATABASE IF EXISTS {name}"], check=True, capture_output=True)
    subprocess.run(["psql", admin, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return f"{server}/{name}" + (f"?{query}" if query else "")


class Server:
    """`roster serve` on a data directory of its own, with a readonly API key."""

    def __init__(self, b, name):
        self.b = b
        self.data = os.path.join(b.work, name)
        os.makedirs(self.data)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def cli(self, *args, **kwargs):
        return self.b.run(*args, data=self.data, **kwargs)

    def with_source(self, app, url):
        """An application reading the page server at `url`, and the administrator bench@example.com."""
        self.cli("app", "create", app, "--scim-url", url, "--bearer-token-env", "BENCH_TOKEN",
                 "--allow-private-network", env={"BENCH_TOKEN": "none"})
        self.cli("admin", "create", "--email", "bench@example.com", "--password-env", "BENCH_PASSWORD",
                 env={"BENCH_PASSWORD": "quartz lamp tally 2026 ho"})
        return self

    def start(self):
        self.process = self.b.start([self.b.roster, "serve", "--data-dir", self.data, "--port", str(self.port)])
        wait_for(self.url + "/healthz", timeout=60)
        key = self.b.json("apikey", "create", "--name", "bench", "--json", data=self.data)
        self.key = key.get("key") or key.get("token")
        return self

    def get(self, path):
        request = urllib.request.Request(self.url + path, headers={"Authorization": f"Bearer {self.key}"})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:
            body = json.loads(response.read())
        return time.perf_counter() - started, body


def import_screen_figures(b):
    n = 2_000 if b.small else 100_000
    url, pages = b.pages(n)
    server = Server(b, "screen")
    server.cli("app", "create", "Big", "--scim-url", url, "--bearer-token-env", "BENCH_TOKEN", "--allow-private-network",
               env={"BENCH_TOKEN": "none"})
    server.start()
    first, body = server.get("/api/v1/applications/Big/remote-users?limit=50&refresh=true")
    assert body["matching"] == n, body["matching"]
    random.seed(20261130)
    views = []
    for i in range(200):
        params = [f"limit=50&offset={random.randrange(0, n - 50)}", "limit=50&status=new",
                  f"limit=50&search=user{random.randrange(0, 10):01d}{random.randrange(0, 10)}",
                  "limit=50&sortBy=userName&sortOrder=descending", f"limit=50&sortBy=emails&offset={random.randrange(0, n - 50)}"]
        seconds, _ = server.get(f"/api/v1/applications/Big/remote-users?{params[i % len(params)]}")
        views.append(seconds * 1000)
    views.sort()
    p95 = views[int(len(views) * 0.95) - 1]
    b.row(f"import screen of {n:,} users: first read", f"{first:.2f} s", "≤ 5 s")
    b.row("import screen: each page view after it (200 views: pages, status, search, sort)",
          f"p50 {statistics.median(views):.1f} ms, p95 {p95:.1f} ms", "p95 ≤ 200 ms")
    server.process.terminate()
    pages.terminate()


def users_figures(b):
    count = 20_000 if b.small else 1_000_000
    rows = b.json("bench", "users", "--count", str(count), "--json")
    by = {r["query"]: r for r in rows}
    for query in ("first page by email", "middle page by email (cursor)", "last page by email (cursor)",
                  "last page by newest (cursor)"):
        b.row(f"users list of {count:,}: {query}", f"{by[query]['largeMillis']:.1f} ms", "≤ 20 ms")
    b.row(f"users list of {count:,}: last page by offset (before this work)",
          f"{by['last page by email (offset)']['largeMillis']:.1f} ms", "(for comparison)")
    events = 20_000 if b.small else 10_000_000
    rows = b.json("bench", "insights", "--count", str(events), "--json")
    by = {r["query"]: r for r in rows}
    b.row(f"Insights of {events:,} events: first / middle page (cursor)",
          f"{by['first page']['largeMillis']:.1f} ms / {by['middle page (cursor)']['largeMillis']:.1f} ms",
          "same cost as at 1,000 events",
          f"at 1,000: {by['first page']['smallMillis']:.1f} ms / {by['middle page (cursor)']['smallMillis']:.1f} ms")


def scim_service_figures(b):
    count = 20_000 if b.small else 1_000_000
    rows = b.json("bench", "scim", "--count", str(count), "--json")
    for row in rows:
        goal = "≤ 10 ms" if row["query"].startswith("filter") else (
            "same cost as at 1,000" if "cursor" in row["query"] else "(for comparison)")
        b.row(f"SCIM service, {count:,} users: {row['query']}", f"{row['largeMillis']:.1f} ms", goal,
              f"at 1,000: {row['smallMillis']:.1f} ms")


def scim_burst_figures(b, pg_url):
    """16 identity-provider clients at once against `roster serve` (POST, filter GET, PATCH, member
    PATCH); `roster bench scim-burst` reads the directory back afterwards and counts what was lost."""
    per_client = 10 if b.small else 150

    def burst(urls, key):
        args = ["bench", "scim-burst", "--key-env", "BURST_KEY", "--clients", "16", "--users-per-client",
                str(per_client), "--json"]
        for url in urls:
            args += ["--url", url]
        return json.loads(b.run(*args, env={"BURST_KEY": key}, check=False).stdout)

    def manager_key(server):
        server.cli("admin", "create", "--email", "burst@example.com", "--password-env", "BENCH_PASSWORD",
                   env={"BENCH_PASSWORD": "quartz lamp tally 2026 ho"}, check=False)
        key = b.json("apikey", "create", "--name", "idp", "--role", "manager", "--as", "burst@example.com", "--json",
                     data=server.data)
        return key.get("key") or key.get("token")

    server = Server(b, "burst").start()
    report = burst([server.url], manager_key(server))
    b.row("/scim/v2 under 16 identity-provider clients (POST, filter GET, PATCH, member PATCH), SQLite",
          f"{report['requestsPerSecond']:,.0f} requests/s, p99 {report['p99Millis']:.0f} ms",
          "≥ 1,500/s, p99 ≤ 50 ms, 0 errors, 0 lost", f"{report['errors']} errors, {report['lost']} lost")
    server.process.terminate()
    if pg_url:
        database = create_database(pg_url, "roster_bench_burst")
        env = {"DATABASE_URL": database, "ROSTER_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
        servers = [Server(b, f"burst-pg-{i}") for i in range(2)]
        for s in servers:
            s.env = env
            s.process = b.start([b.roster, "serve", "--data-dir", s.data, "--port", str(s.port)], env=env)
            wait_for(s.url + "/healthz", timeout=60)
        servers[0].cli("admin", "create", "--email", "burst@example.com", "--password-env", "BENCH_PASSWORD",
                       env=dict(env, BENCH_PASSWORD="quartz lamp tally 2026 ho"))
        key = json.loads(servers[0].cli("apikey", "create", "--name", "idp", "--role", "manager", "--as",
                                        "burst@example.com", "--json", env=env).stdout)
        report = burst([s.url for s in servers], key.get("key") or key.get("token"))
        b.row("the same burst on PostgreSQL, two instances", f"{report['requestsPerSecond']:,.0f} requests/s, "
              f"p99 {report['p99Millis']:.0f} ms", "≥ 1,000/s, 0 errors, 0 lost",
              f"{report['errors']} errors, {report['lost']} lost")
        for s in servers:
            s.process.terminate()


def api_during_import_figures(b):
    """Four API clients reading the users list, idle and then while a realistic import runs inside
    the same `roster serve`: reads must not queue behind the import's batches."""
    import threading
    n = 2_000 if b.small else 100_000
    url, pages = b.pages(n)
    server = Server(b, "during").with_source("Big", url)
    server.start()

    def read_while(running):
        latencies = []
        lock = threading.Lock()

        def reader():
            while running():
                seconds, _ = server.get("/api/v1/users?limit=50")
                with lock:
                    latencies.append(seconds * 1000)

        threads = [threading.Thread(target=reader) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        latencies.sort()
        return latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else float("nan"), len(latencies)

    idle_until = time.perf_counter() + 3
    idle, _ = read_while(lambda: time.perf_counter() < idle_until)
    job = json.loads(server.cli("import", "run", "Big", "--all", "--as", "bench@example.com", "--json").stdout)
    job_id = (job.get("job") or job)["id"]
    state = {"done": False}

    def watch():
        while True:
            _, body = server.get("/api/v1/imports")
            if any(j["id"] == job_id and j["status"] not in ("queued", "running") for j in body["jobs"]):
                state["done"] = True
                return
            time.sleep(0.2)

    watcher = threading.Thread(target=watch)
    watcher.start()
    during, reads = read_while(lambda: not state["done"])
    watcher.join()
    b.row(f"GET /api/v1/users?limit=50 p99 while a {n:,}-user realistic import runs (4 readers)",
          f"{during:.1f} ms ({reads:,} reads)", "≤ 100 ms", f"idle: {idle:.1f} ms")
    server.process.terminate()
    pages.terminate()


def api_figures(b):
    n = 1_000 if b.small else 10_000
    url, pages = b.pages(n)
    server = Server(b, "api").with_source("Source", url)
    server.cli("import", "run", "Source", "--all", "--as", "bench@example.com", "--wait")
    pages.terminate()
    server.start()
    seconds = "5" if b.small else "20"
    result = subprocess.run(["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {server.key}",
                             f"{server.url}/api/v1/users?limit=50"], capture_output=True, text=True, check=True)
    rate = next(line for line in result.stdout.splitlines() if "Requests/sec" in line).split()[-1]
    p99 = next(line for line in result.stdout.splitlines() if line.strip().startswith("99%")).split()[-1]
    errors = [line.strip() for line in result.stdout.splitlines() if "Non-2xx" in line or "Socket errors" in line]
    health = subprocess.run(["wrk", "-t2", "-c64", f"-d{seconds}s", f"{server.url}/healthz"], capture_output=True,
                            text=True, check=True)
    health_rate = next(line for line in health.stdout.splitlines() if "Requests/sec" in line).split()[-1]
    b.row(f"GET /api/v1/users?limit=50 on {n:,} users, 64 connections (wrk, API key)",
          f"{float(rate):,.0f} requests/s, p99 {p99}", "≥ 1,500/s, p99 ≤ 100 ms",
          f"/healthz: {float(health_rate):,.0f}/s" + (f"; {'; '.join(errors)}" if errors else ""))
    server.process.terminate()


def provisioning_figures(b):
    n = 100 if b.small else 1_000
    url, pages = b.pages(n, clean=True)
    provider_port = free_port()
    provider = b.start([sys.executable, os.path.join(ROOT, "tests-integration", "misbehaving_scim.py"),
                        str(provider_port), "10"])
    wait_for(f"http://127.0.0.1:{provider_port}/ok/ServiceProviderConfig", timeout=60)
    data = os.path.join(b.work, "provisioning")
    env = {"BENCH_TOKEN": "none"}
    b.run("app", "create", "Source", "--scim-url", url, "--bearer-token-env", "BENCH_TOKEN", "--allow-private-network",
          data=data, env=env)
    b.run("admin", "create", "--email", "bench@example.com", "--password-env", "BENCH_PASSWORD", data=data,
          env={"BENCH_PASSWORD": "quartz lamp tally 2026 ho"})
    b.run("import", "run", "Source", "--all", "--as", "bench@example.com", "--wait", data=data)
    b.run("app", "create", "Limited", "--scim-url", f"http://127.0.0.1:{provider_port}/prov-bucket", "--bearer-token-env",
          "BENCH_TOKEN", "--allow-private-network", data=data, env=env)
    b.run("group", "create", "Everyone", data=data)
    emails = [f"user{i:07d}@bench.example" for i in range(n)]
    for start in range(0, n, 200):
        b.run("group", "add-member", "Everyone", *emails[start:start + 200], data=data)
    b.run("group", "bind", "Everyone", "Limited", data=data)
    started = time.perf_counter()
    b.run("worker", "--until-idle", data=data)
    seconds = time.perf_counter() - started
    with urllib.request.urlopen(f"http://127.0.0.1:{provider_port}/prov-bucket/_writes") as response:
        writes = json.loads(response.read())
    with urllib.request.urlopen(f"http://127.0.0.1:{provider_port}/prov-bucket/_stats") as response:
        stats = json.loads(response.read())
    posts = sum(1 for w in writes if w["method"] == "POST" and w["path"].endswith("/Users"))
    b.row(f"provisioning a bound group of {n:,} users to a provider allowing 50 requests/s",
          f"{seconds:.1f} s", "≤ 25 s",
          f"{posts} users created (each once: {posts == n}), {len(writes)} writes, {stats.get('errors', 0)} answered 429")
    provider.terminate()
    pages.terminate()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--roster", required=True)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    b = Bench(os.path.abspath(args.roster), args.small)
    try:
        import_figures(b, args.postgres_url)
        import_screen_figures(b)
        users_figures(b)
        scim_service_figures(b)
        scim_burst_figures(b, args.postgres_url)
        api_during_import_figures(b)
        api_figures(b)
        provisioning_figures(b)
    finally:
        b.stop_all()
    width = max(len(r[0]) for r in b.rows)
    print(f"| figure | measured | goal | |\n| --- | --- | --- | --- |")
    for figure, value, goal, note in b.rows:
        print(f"| {figure} | {value} | {goal} | {note} |")


if __name__ == "__main__":
    main()
