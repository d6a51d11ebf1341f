"""A silo of this build for the Python benchmarks: the embedded default on a small synthetic data set, in a
temporary data folder, started and awaited until /healthz answers, and stopped and cleaned up afterwards.

    with embedded_silo(port=5099, factors=32) as (base, process): ...
"""
import contextlib, os, shutil, subprocess, tempfile, time, urllib.request

DEFAULT_SILO = os.path.join(os.path.dirname(__file__), "..", "Silo/bin/Release/net10.0/Personalization.Silo.dll")

def healthy(base):
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
            return r.status == 200
    except Exception:
        return False

@contextlib.contextmanager
def embedded_silo(silo=DEFAULT_SILO, port=5099, factors=32, iterations=8, env=None, prefix="bench-silo-", extra=()):
    """Starts the silo, waits up to two minutes for it to serve, yields (base URL, process), then stops it. `extra`
    arguments come last, so they override the defaults above; the data folder is `process.data_dir`."""
    data = tempfile.mkdtemp(prefix=prefix)
    base = f"http://127.0.0.1:{port}"
    args = ["dotnet", silo, "--data-dir", data, "--urls", base, "--Logging:LogLevel:Default=Warning",
            "--Bootstrap:Synthetic:Users=600", "--Bootstrap:Synthetic:Items=3000", "--Bootstrap:Synthetic:MeanInteractionsPerUser=30",
            f"--Training:Factors={factors}", f"--Training:Iterations={iterations}", "--Cluster:SiloPort=0", "--Cluster:GatewayPort=0", *extra]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    process.data_dir = data
    try:
        for _ in range(240):
            if healthy(base): break
            time.sleep(0.5)
        else:
            raise TimeoutError("the silo did not serve within two minutes")
        yield base, process
    finally:
        process.terminate()
        try: process.wait(30)
        except subprocess.TimeoutExpired: process.kill()
        shutil.rmtree(data, ignore_errors=True)
