#!/usr/bin/env python3
"""Event-to-visible time of a live item vector: starts a silo (the embedded default on a small synthetic data set),
adds a title, gives each of N fans a few ratings so their grains hold a vector, then posts each fan's watch of the
title and polls GET /v1/items/{id} until the serving index's vector for it counts that watch. Beside it, in the same
run, the same time for the user side: a fan's next event until GET /v1/users/{id} counts it.

    bench/live-item-latency.py [--silo PATH/Personalization.Silo.dll] [--fans 40] [--port 5098]

Prints one Markdown row per path: samples, median, p90 and max milliseconds.
"""
import argparse, json, os, shutil, statistics, subprocess, tempfile, time, urllib.request

def request(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")

def wait(probe, condition, what, timeout=30):
    deadline = time.perf_counter() + timeout
    while True:
        value = probe()
        if condition(value): return value
        if time.perf_counter() > deadline: raise TimeoutError(what)
        time.sleep(0.002)

def row(name, samples):
    samples = sorted(samples)
    p90 = samples[int(0.9 * (len(samples) - 1))]
    return f"| {name} | {len(samples)} | {statistics.median(samples):.0f} ms | {p90:.0f} ms | {samples[-1]:.0f} ms |"

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--silo", default=os.path.join(os.path.dirname(__file__), "..", "Silo/bin/Release/net10.0/Personalization.Silo.dll"))
    p.add_argument("--fans", type=int, default=40)
    p.add_argument("--port", type=int, default=5098)
    a = p.parse_args()
    data = tempfile.mkdtemp(prefix="live-item-")
    base = f"http://127.0.0.1:{a.port}"
    args = ["dotnet", a.silo, "--data-dir", data, "--urls", base, "--Logging:LogLevel:Default=Warning",
            "--Bootstrap:Synthetic:Users=600", "--Bootstrap:Synthetic:Items=3000", "--Bootstrap:Synthetic:MeanInteractionsPerUser=30",
            "--Training:Factors=64", "--Training:Iterations=8", "--Cluster:SiloPort=0", "--Cluster:GatewayPort=0"]
    silo = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait(lambda: _health(base), lambda ok: ok, "the silo to serve", timeout=180)
        popular = [i["itemId"] for i in request("GET", f"{base}/v1/users/latency-probe/recommendations?k=10")["items"]]
        title = "latency-new-title"
        request("PUT", f"{base}/v1/items/{title}", {"title": "Released Now", "genres": ["Drama"]})
        wait(lambda: request("GET", f"{base}/v1/items/{title}?recent=0"), lambda v: v["vector"]["source"] == "content", "the title")
        fans = [f"latency-fan-{i}" for i in range(a.fans)]
        request("POST", f"{base}/v1/events", [{"userId": f, "itemId": i, "type": "rating", "value": 5} for f in fans for i in popular[:5]])
        for f in fans:
            wait(lambda: request("GET", f"{base}/v1/users/{f}?recent=0"), lambda u: u["interactions"] == 5, f"{f}'s ratings")
        item_ms, user_ms = [], []
        for n, f in enumerate(fans, start=1):
            started = time.perf_counter()
            request("POST", f"{base}/v1/events", [{"userId": f, "itemId": title, "type": "watch", "value": 3500, "context": {"duration": "3600"}}])
            wait(lambda: request("GET", f"{base}/v1/items/{title}?recent=0"), lambda v: v["vector"].get("interactions", 0) >= n, f"watch {n} in the item vector")
            item_ms.append(1000 * (time.perf_counter() - started))
            started = time.perf_counter()
            request("POST", f"{base}/v1/events", [{"userId": f, "itemId": popular[5], "type": "play"}])
            wait(lambda: request("GET", f"{base}/v1/users/{f}?recent=0"), lambda u: u["interactions"] == 7, f"{f}'s play")
            user_ms.append(1000 * (time.perf_counter() - started))
        print("| path | samples | median | p90 | max |")
        print("|---|--:|--:|--:|--:|")
        print(row("event -> user grain applied (baseline)", user_ms))
        print(row("event -> live item vector served", item_ms))
    finally:
        silo.terminate()
        try: silo.wait(30)
        except subprocess.TimeoutExpired: silo.kill()
        shutil.rmtree(data, ignore_errors=True)

def _health(base):
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as r: return r.status == 200
    except Exception:
        return False

if __name__ == "__main__":
    main()
