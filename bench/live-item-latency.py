#!/usr/bin/env python3
"""Event-to-visible time of a live item vector: starts a silo (the embedded default on a small synthetic data set),
adds a title, gives each of N fans a few ratings so their grains hold a vector, then posts each fan's watch of the
title and polls GET /v1/items/{id} until the serving index's vector for it counts that watch. Beside it, in the same
run, the same time for the user side: a fan's next event until GET /v1/users/{id} counts it.

    bench/live-item-latency.py [--silo PATH/Personalization.Silo.dll] [--fans 40] [--port 5098]

Prints one Markdown row per path: samples, median, p90 and max milliseconds.
"""
import argparse, json, statistics, time, urllib.request
from silo_process import DEFAULT_SILO, embedded_silo

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
    p.add_argument("--silo", default=DEFAULT_SILO)
    p.add_argument("--fans", type=int, default=40)
    p.add_argument("--port", type=int, default=5098)
    a = p.parse_args()
    with embedded_silo(a.silo, a.port, factors=64, prefix="live-item-") as (base, _):
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

if __name__ == "__main__":
    main()
