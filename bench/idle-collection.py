#!/usr/bin/env python3
"""Idle collection: activates N users (GET /v1/users/{id}) on a silo whose idle timeout is 2 minutes, then prints its
live activations and CPU (cores, from /proc) every 5 s for 215 s, through Orleans' collection of the idle ones.

    bench/idle-collection.py [N=100000]     (needs the built silo: dotnet build -c Release)
"""
import concurrent.futures, json, os, sys, time, urllib.request
from silo_process import DEFAULT_SILO, embedded_silo

def get(url):
    with urllib.request.urlopen(url, timeout=30) as r: return r.status, r.read()

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f: parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")

def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    extra = ["--Bootstrap:Synthetic:Users=300", "--Bootstrap:Synthetic:Items=2000", "--Bootstrap:Synthetic:MeanInteractionsPerUser=20",
             "--LoadShedding:MaxConcurrentRequests=0", "--Grains:IdleTimeout=00:02:00"]
    with embedded_silo(DEFAULT_SILO, 5094, factors=16, iterations=4, env={"DOTNET_gcServer": "1"}, prefix="idle-", extra=extra) as (base, silo):
        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(8) as pool: list(pool.map(lambda i: get(f"{base}/v1/users/idle-{i}?recent=0"), range(n)))
        print(f"activated {n} in {time.time() - started:.1f} s", flush=True)
        last_cpu, last_t = cpu_seconds(silo.pid), time.time()
        start = time.time()
        while time.time() - start < 215:
            time.sleep(5)
            activations = json.loads(get(base + "/healthz")[1])["activations"]
            cpu, now = cpu_seconds(silo.pid), time.time()
            print(f"{now - start:6.1f} s  activations {activations:7d}  cores {(cpu - last_cpu) / (now - last_t):.2f}", flush=True)
            last_cpu, last_t = cpu, now

if __name__ == "__main__":
    main()
