#!/usr/bin/env python3
"""Memory per activated user grain: starts a silo (the embedded default, small synthetic data set), reads its
resident memory, activates N fresh user grains through GET /v1/users/{id}, and reads it again.

    bench/grain-memory.py [--silo PATH/Personalization.Silo.dll] [--users 20000] [--port 5099]

Prints one Markdown row: users activated, activations reported by /healthz, RSS before and after, bytes per grain.
Run it against another build (e.g. a worktree of an older commit) with --silo to compare in the same session.
"""
import argparse, concurrent.futures, json, time, urllib.request
from silo_process import DEFAULT_SILO, embedded_silo

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.status, r.read()

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--silo", default=DEFAULT_SILO)
    p.add_argument("--users", type=int, default=20000)
    p.add_argument("--port", type=int, default=5099)
    a = p.parse_args()
    with embedded_silo(a.silo, a.port, factors=32, env={"DOTNET_gcServer": "1"}, prefix="grain-memory-") as (base, silo):
        # Warm every code path with a few users first, then settle.
        for i in range(200): get(f"{base}/v1/users/warm-{i}?recent=0")
        time.sleep(5)
        before = rss_kib(silo.pid)
        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: get(f"{base}/v1/users/mem-{i}?recent=0"), range(a.users)))
        seconds = time.time() - started
        time.sleep(5)
        after = rss_kib(silo.pid)
        health = json.loads(get(base + "/healthz")[1])
        per = (after - before) * 1024 / a.users
        print(f"| {a.users} | {health.get('activations')} | {before / 1024:.0f} MiB | {after / 1024:.0f} MiB | {per:.0f} B | {a.users / seconds:.0f}/s |")

if __name__ == "__main__":
    main()
