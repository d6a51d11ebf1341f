#!/usr/bin/env python3
"""Activation shedding under a memory cap: a silo whose GC may use 384 MB (DOTNET_GCHeapHardLimit) gets N fresh users
(GET /v1/users/{id}, 8 clients) as fast as it answers them. Every second it prints the users answered, the live
activations (/healthz), the deactivations that second (users activated minus the growth of live activations) and the
silo's CPU; at the end, answers by status and latency percentiles before and after the first shedding.

    bench/shedding.py [N=100000] [heap MB=384]     (needs the built silo: dotnet build -c Release)
"""
import concurrent.futures, json, os, sys, threading, time, urllib.error, urllib.request
from silo_process import DEFAULT_SILO, embedded_silo

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f: parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")

def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else float("nan")

def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    heap_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 384
    extra = ["--Bootstrap:Synthetic:Users=300", "--Bootstrap:Synthetic:Items=2000", "--Bootstrap:Synthetic:MeanInteractionsPerUser=20",
             "--LoadShedding:MaxConcurrentRequests=0"]
    env = {"DOTNET_gcServer": "1", "DOTNET_GCHeapHardLimit": hex(heap_mb * 1024 * 1024)}
    with embedded_silo(DEFAULT_SILO, 5095, factors=16, iterations=4, env=env, prefix="shedding-", extra=extra) as (base, silo):
        lock = threading.Lock()
        answered, statuses, latencies = [0], {}, []  # latencies: (finish time, ms)
        def one(i):
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(f"{base}/v1/users/shed-{i}?recent=0", timeout=60) as r: status = r.status
            except urllib.error.HTTPError as e: status = e.code
            except Exception: status = "error"
            with lock:
                answered[0] += 1
                statuses[status] = statuses.get(status, 0) + 1
                latencies.append((time.time(), (time.perf_counter() - started) * 1000))
        done = threading.Event()
        def drive():
            with concurrent.futures.ThreadPoolExecutor(8) as pool: list(pool.map(one, range(n)))
            done.set()
        threading.Thread(target=drive, daemon=True).start()
        start = last_t = time.time()
        last_answered, last_activations, last_cpu = 0, json.loads(urllib.request.urlopen(base + "/healthz").read())["activations"], cpu_seconds(silo.pid)
        first_shed, peak, total_deactivated = None, 0, 0
        while not done.is_set():
            time.sleep(1)
            activations = json.loads(urllib.request.urlopen(base + "/healthz", timeout=30).read())["activations"]
            now, cpu = time.time(), cpu_seconds(silo.pid)
            with lock: a = answered[0]
            deactivated = max(0, (a - last_answered) - (activations - last_activations))
            total_deactivated += deactivated
            if deactivated > 100 and first_shed is None: first_shed = now
            peak = max(peak, activations)
            print(f"{now - start:6.1f} s  answered {a:7d}  activations {activations:7d}  deactivated {deactivated:6d}  cores {(cpu - last_cpu) / (now - last_t):.2f}", flush=True)
            last_t, last_answered, last_activations, last_cpu = now, a, activations, cpu
        elapsed = time.time() - start
        before = [ms for t, ms in latencies if first_shed is None or t < first_shed]
        after = [ms for t, ms in latencies if first_shed is not None and t >= first_shed]
        print(json.dumps({"users": n, "heap_mb": heap_mb, "seconds": round(elapsed, 1), "statuses": {str(k): v for k, v in statuses.items()},
                          "peak_activations": peak, "deactivated": total_deactivated,
                          "first_shedding_s": round(first_shed - start, 1) if first_shed else None,
                          "p50_ms_before": round(percentile(before, 50), 2), "p99_ms_before": round(percentile(before, 99), 2),
                          "p50_ms_shedding": round(percentile(after, 50), 2), "p99_ms_shedding": round(percentile(after, 99), 2)}))

if __name__ == "__main__":
    main()
