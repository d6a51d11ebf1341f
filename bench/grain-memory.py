#!/usr/bin/env python3
"""Memory per activated user grain: starts a silo (the embedded default, small synthetic data set), reads its
resident memory, activates N fresh user grains through GET /v1/users/{id}, and reads it again.

    bench/grain-memory.py [--silo PATH/Personalization.Silo.dll] [--users 20000] [--port 5099]

Prints one Markdown row: users activated, activations reported by /healthz, RSS before and after, bytes per grain.
Run it against another build (e.g. a worktree of an older commit) with --silo to compare in the same session.
"""
import argparse, concurrent.futures, json, os, shutil, subprocess, sys, tempfile, time, urllib.request

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
    p.add_argument("--silo", default=os.path.join(os.path.dirname(__file__), "..", "Silo/bin/Release/net10.0/Personalization.Silo.dll"))
    p.add_argument("--users", type=int, default=20000)
    p.add_argument("--port", type=int, default=5099)
    a = p.parse_args()
    data = tempfile.mkdtemp(prefix="grain-memory-")
    base = f"http://127.0.0.1:{a.port}"
    args = ["dotnet", a.silo, "--data-dir", data, "--urls", base, "--Logging:LogLevel:Default=Warning",
            "--Bootstrap:Synthetic:Users=600", "--Bootstrap:Synthetic:Items=3000", "--Bootstrap:Synthetic:MeanInteractionsPerUser=30",
            "--Training:Factors=32", "--Training:Iterations=8", "--Cluster:SiloPort=0", "--Cluster:GatewayPort=0"]
    silo = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "DOTNET_gcServer": "1"})
    try:
        for _ in range(240):
            try:
                if get(base + "/healthz")[0] == 200: break
            except Exception:
                pass
            time.sleep(0.5)
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
    finally:
        silo.terminate()
        try: silo.wait(30)
        except subprocess.TimeoutExpired: silo.kill()
        shutil.rmtree(data, ignore_errors=True)

if __name__ == "__main__":
    main()
