#!/usr/bin/env python3
"""Scale benchmark: activates many distinct users through the real event path (POST /v1/events -> Kafka -> user
grains) on one silo (the embedded default: in-process Kafka mock, SQLite) and measures what each costs.

    bench/scale.py [--users 1000000] [--items 100000] [--heap-limit-mib 0] [--out bench/results/scale-DATE.json]
    bench/scale.py --plot REPORT.json OUT.svg      (memory against activations, from a report)

Per step of --step users it records: events accepted per second, resident memory, the GC heap after the last
collection, the silo's activations, and the data folder's size. Then, with the population in place:
  * a cold user's first answer (never seen: activation, a storage miss, the ranking), 300 of them;
  * a known user's answer after their activation was collected (reactivation from storage), 300 of them;
  * rows p50/p99 for random known users (4 closed-loop workers), alone, then while --churn-rate fresh users per second
    send their first event (activations churn).
Prints Markdown tables and writes JSON. Needs nothing but the built silo (dotnet build -c Release).
"""
import argparse, concurrent.futures, json, os, random, sys, threading, time, urllib.request
from silo_process import DEFAULT_SILO, embedded_silo

def request(url, body=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"content-type": "application/json"} if data else {}, method="POST" if data else "GET")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()

def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"): return int(line.split()[1]) / 1024
    return 0.0

def metrics(base):
    text = request(base + "/metrics")[1].decode()
    heap = sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l.startswith("dotnet_gc_last_collection_heap_size_bytes"))
    created = sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l.startswith("orleans_catalog_activation_created_total") and 'grain_type="user"' in l)
    return heap / 2**20, created

def dir_mib(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try: total += os.path.getsize(os.path.join(root, f))
            except OSError: pass
    return total / 2**20

def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

def timed_get(url):
    started = time.perf_counter()
    status, _ = request(url)
    return (time.perf_counter() - started) * 1000, status

def plot(report, path):
    """Resident memory and GC heap against live activations, as an SVG line chart."""
    steps = [{"activations": report["baseline"]["activations"], "rssMiB": report["baseline"]["rssMiB"], "heapMiB": report["baseline"]["heapMiB"]}] + report["steps"]
    w, h, left, bottom, top, right = 640, 360, 70, 50, 30, 20
    xmax = max(s["activations"] for s in steps) or 1
    ymax = max(s["rssMiB"] for s in steps) * 1.1
    X = lambda v: left + v / xmax * (w - left - right)
    Y = lambda v: h - bottom - v / ymax * (h - top - bottom)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2}" y="18" text-anchor="middle">One silo: memory against live user activations (bench/scale.py, {report["items"]:,} items)</text>']
    for i in range(6):
        v = ymax * i / 5
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{Y(v):.1f}" y2="{Y(v):.1f}" stroke="#ddd"/><text x="{left - 6}" y="{Y(v) + 4:.1f}" text-anchor="end">{v / 1024:.1f} GiB</text>')
        a = xmax * i / 5
        out.append(f'<text x="{X(a):.1f}" y="{h - bottom + 16}" text-anchor="middle">{a / 1000:,.0f}k</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 12}" text-anchor="middle">live activations</text>')
    for key, colour, label in (("rssMiB", "#c0392b", "resident memory"), ("heapMiB", "#2471a3", "GC heap after the last collection")):
        points = " ".join(f"{X(s['activations']):.1f},{Y(s[key]):.1f}" for s in steps)
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        y = top + 10 + (0 if key == "rssMiB" else 16)
        out.append(f'<line x1="{left + 10}" x2="{left + 30}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="2"/><text x="{left + 36}" y="{y + 4}">{label}</text>')
    out.append("</svg>")
    with open(path, "w") as f: f.write("\n".join(out))

def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--plot":
        with open(sys.argv[2]) as f: plot(json.load(f), sys.argv[3])
        return
    p = argparse.ArgumentParser()
    p.add_argument("--users", type=int, default=1_000_000)
    p.add_argument("--items", type=int, default=100_000)
    p.add_argument("--step", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--senders", type=int, default=4)
    p.add_argument("--churn-rate", type=int, default=1000, help="fresh users per second while rows are measured")
    p.add_argument("--heap-limit-mib", type=int, default=0, help="DOTNET_GCHeapHardLimit for the silo (0: none)")
    p.add_argument("--port", type=int, default=5095)
    p.add_argument("--out", default=os.path.join("bench", "results", time.strftime("scale-%Y-%m-%d.json")))
    a = p.parse_args()

    env = {"DOTNET_gcServer": "1"}
    if a.heap_limit_mib: env["DOTNET_GCHeapHardLimit"] = hex(a.heap_limit_mib << 20)
    extra = ["--Bootstrap:Synthetic:Users=5000", f"--Bootstrap:Synthetic:Items={a.items}", "--Bootstrap:Synthetic:MeanInteractionsPerUser=20",
             "--LoadShedding:MaxConcurrentRequests=0", "--Users:ResultCacheTtl=00:00:00"]
    report = {"users": a.users, "items": a.items, "heapLimitMiB": a.heap_limit_mib, "steps": []}
    started = time.time()
    with embedded_silo(DEFAULT_SILO, a.port, factors=64, iterations=5, env=env, prefix="scale-", extra=extra) as (base, silo):
        data = silo.data_dir
        report["startSeconds"] = round(time.time() - started, 1)
        catalog = [f"i{i + 1}" for i in range(a.items)]
        health = json.loads(request(base + "/healthz")[1])
        base_rss, (base_heap, _), base_disk = rss_mib(silo.pid), metrics(base), dir_mib(data)
        print(f"serving after {report['startSeconds']} s: model v{health['modelVersion']}, RSS {base_rss:.0f} MiB, heap {base_heap:.0f} MiB, data {base_disk:.0f} MiB", flush=True)
        report["baseline"] = {"rssMiB": base_rss, "heapMiB": base_heap, "dataMiB": base_disk, "activations": health["activations"]}

        rng = random.Random(1)
        def send(first, count):
            # One play per fresh user (a popular-ish item), in batches of --batch.
            for at in range(first, first + count, a.batch):
                body = [{"userId": f"s{u}", "itemId": catalog[min(int(rng.paretovariate(1.2)) - 1, a.items - 1)], "type": "play", "eventId": f"e{u}"}
                        for u in range(at, min(at + a.batch, first + count))]
                for attempt in range(20):
                    try:
                        status, _ = request(base + "/v1/events", body)
                        if status == 202: break
                    except Exception:
                        time.sleep(0.5)
        for done in range(0, a.users, a.step):
            count = min(a.step, a.users - done)
            t0 = time.time()
            share = (count + a.senders - 1) // a.senders
            with concurrent.futures.ThreadPoolExecutor(a.senders) as pool:
                list(pool.map(lambda s: send(done + s * share, max(0, min(share, count - s * share))), range(a.senders)))
            accepted_s = time.time() - t0
            # Applied: the silo's stream lag back to zero.
            while json.loads(request(base + "/healthz")[1])["lag"] > 0: time.sleep(0.5)
            applied_s = time.time() - t0
            time.sleep(2)
            health = json.loads(request(base + "/healthz")[1])
            heap, created = metrics(base)
            step = {"users": done + count, "acceptedPerSecond": round(count / accepted_s), "appliedPerSecond": round(count / applied_s),
                    "activations": health["activations"], "userActivationsCreated": created, "rssMiB": round(rss_mib(silo.pid)),
                    "heapMiB": round(heap), "dataMiB": round(dir_mib(data))}
            report["steps"].append(step)
            print(json.dumps(step), flush=True)

        # A cold user's first answer, and a known user's answer (reactivated if their activation was collected).
        cold = [timed_get(f"{base}/v1/users/cold-{i}/recommendations?k=20") for i in range(300)]
        known = [timed_get(f"{base}/v1/users/s{rng.randrange(a.users)}/recommendations?k=20") for _ in range(300)]
        report["coldFirstAnswerMs"] = {"p50": percentile([c[0] for c in cold], 50), "p99": percentile([c[0] for c in cold], 99)}
        report["knownAnswerMs"] = {"p50": percentile([c[0] for c in known], 50), "p99": percentile([c[0] for c in known], 99)}
        print("cold first answer", report["coldFirstAnswerMs"], "known user", report["knownAnswerMs"], flush=True)

        def rows_phase(count):
            t0 = time.time()
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                rows = list(pool.map(lambda _: timed_get(f"{base}/v1/users/s{rng.randrange(a.users)}/rows?rows=6&perRow=20&device=tv&hour=20"), range(count)))
            seconds = time.time() - t0
            return {"requests": len(rows), "perSecond": round(len(rows) / seconds), "p50Ms": percentile([r[0] for r in rows], 50),
                    "p99Ms": percentile([r[0] for r in rows], 99), "non200": sum(1 for r in rows if r[1] != 200)}, seconds

        # Rows for random known users, first alone (the baseline), then while fresh users' events keep arriving.
        report["rowsQuiet"], _ = rows_phase(2000)
        print("rows, no churn", report["rowsQuiet"], flush=True)
        stop = threading.Event()
        def churn():
            # --churn-rate fresh users per second, each one event: as many new activations per second.
            next_user, batch, t_start = a.users, 100, time.time()
            while not stop.is_set():
                send(next_user, batch)
                next_user += batch
                ahead = (next_user - a.users) / a.churn_rate - (time.time() - t_start)
                if ahead > 0: time.sleep(ahead)
            report["churnUsers"] = next_user - a.users
        churner = threading.Thread(target=churn); churner.start()
        created_before = metrics(base)[1]
        report["rowsWhileChurning"], seconds = rows_phase(2000)
        stop.set(); churner.join()
        report["rowsWhileChurning"]["activationsPerSecond"] = round((metrics(base)[1] - created_before) / seconds)
        print("rows while churning", report["rowsWhileChurning"], flush=True)
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w") as f: json.dump(report, f, indent=1)

    b = report["baseline"]
    print()
    print("| users | events accepted/s | applied/s | activations | RSS MiB | GC heap MiB | data MiB | RSS per user | heap per user | data per user |")
    print("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for s in report["steps"]:
        n = s["users"]
        print(f"| {n:,} | {s['acceptedPerSecond']:,} | {s['appliedPerSecond']:,} | {s['activations']:,} | {s['rssMiB']:,} | {s['heapMiB']:,} | {s['dataMiB']:,} | "
              f"{(s['rssMiB'] - b['rssMiB']) * 2**20 / n:,.0f} B | {(s['heapMiB'] - b['heapMiB']) * 2**20 / n:,.0f} B | {(s['dataMiB'] - b['dataMiB']) * 2**20 / n:,.0f} B |")

if __name__ == "__main__":
    main()
