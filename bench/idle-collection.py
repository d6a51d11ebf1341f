#!/usr/bin/env python3
"""Idle collection: activates N users (GET /v1/users/{id}) on a silo whose idle timeout is 2 minutes, then prints its
live activations and CPU (cores, from /proc) every 5 s for 215 s, through Orleans' collection of the idle ones.

    bench/idle-collection.py [N=100000]     (needs the built silo: dotnet build -c Release)
"""
import sys, json, time, concurrent.futures, urllib.request, subprocess, os, tempfile
def get(url):
    with urllib.request.urlopen(url, timeout=30) as r: return r.status, r.read()
def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f: parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")
data = tempfile.mkdtemp(prefix="idle-")
base = "http://127.0.0.1:5094"
args = ["dotnet", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Silo", "bin", "Release", "net10.0", "Personalization.Silo.dll"), "--urls", base, "--data-dir", data,
 "--Bootstrap:Synthetic:Users=300", "--Bootstrap:Synthetic:Items=2000", "--Bootstrap:Synthetic:MeanInteractionsPerUser=20",
 "--Training:Factors=16", "--Training:Iterations=4", "--Logging:LogLevel:Default=Warning", "--Cluster:SiloPort=0", "--Cluster:GatewayPort=0",
 "--LoadShedding:MaxConcurrentRequests=0", "--Grains:IdleTimeout=00:02:00"]
p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "DOTNET_gcServer": "1"})
try:
    for _ in range(240):
        if p.poll() is not None: sys.exit("silo exited")
        try:
            if get(base + "/healthz")[0] == 200: break
        except Exception: pass
        time.sleep(0.5)
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(8) as pool: list(pool.map(lambda i: get(f"{base}/v1/users/idle-{i}?recent=0"), range(n)))
    print(f"activated {n} in {time.time()-t0:.1f} s", flush=True)
    last_cpu, last_t = cpu_s(p.pid), time.time()
    start = time.time()
    while time.time() - start < 215:
        time.sleep(5)
        a = json.loads(get(base + "/healthz")[1])["activations"]
        c, t = cpu_s(p.pid), time.time()
        print(f"{t - start:6.1f} s  activations {a:7d}  cores {(c - last_cpu) / (t - last_t):.2f}", flush=True)
        last_cpu, last_t = c, t
finally:
    p.terminate(); p.wait(30)
