namespace Personalization.Silo.Dashboard;

/// <summary>
/// The dashboard page: one self-contained HTML document (no CDN, no build step) that polls <c>/v1/dashboard</c> every
/// second and renders the figures. Elements carry <c>data-testid</c> attributes for the browser test.
/// </summary>
public static class DashboardPage
{
    /// <summary>The page.</summary>
    public const string Html = """
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Personalization cluster</title>
<style>
  :root { --ink:#1d2330; --muted:#5b6475; --line:#d9dee7; --bg:#f5f7fa; --card:#fff; --ok:#1a7f37; --bad:#c62828; --accent:#2457c5; }
  * { box-sizing: border-box; }
  body { margin:0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); }
  header { display:flex; gap:24px; align-items:baseline; padding:12px 20px; background:var(--card); border-bottom:1px solid var(--line); flex-wrap:wrap; }
  header h1 { font-size:18px; margin:0; }
  header span { color:var(--muted); }
  header b { color:var(--ink); }
  main { padding:16px 20px; display:grid; gap:16px; grid-template-columns: repeat(12, 1fr); }
  .cards { grid-column: 1 / -1; display:grid; gap:12px; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); }
  .card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 12px; }
  .card .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
  .card .value { font-size:24px; font-weight:600; font-variant-numeric: tabular-nums; }
  section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px; overflow:auto; }
  section h2 { font-size:14px; margin:0 0 8px; }
  .wide { grid-column: span 7; } .narrow { grid-column: span 5; } .full { grid-column: 1 / -1; }
  @media (max-width: 1100px) { .wide, .narrow { grid-column: 1 / -1; } }
  table { border-collapse: collapse; width:100%; font-variant-numeric: tabular-nums; }
  th, td { text-align:left; padding:4px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
  th { color:var(--muted); font-weight:500; font-size:12px; }
  td.num, th.num { text-align:right; }
  .alive { color:var(--ok); font-weight:600; } .dead, .left { color:var(--bad); font-weight:600; }
  .wrap { white-space:normal; }
  .parts { white-space:normal; font-family: ui-monospace, monospace; font-size:12px; }
  svg { width:100%; height:60px; }
  .legend { color:var(--muted); font-size:12px; }
  .error { color:var(--bad); }
</style>
</head>
<body>
<header>
  <h1>Personalization cluster</h1>
  <span>silo <b data-testid="silo">…</b></span>
  <span>phase <b data-testid="phase">…</b></span>
  <span>model <b data-testid="model-version">…</b></span>
  <span>up <b data-testid="uptime">…</b></span>
  <span class="error" data-testid="status"></span>
</header>
<main>
  <div class="cards">
    <div class="card"><div class="label">requests/s</div><div class="value" data-testid="requests-per-second">–</div></div>
    <div class="card"><div class="label">latency p50</div><div class="value" data-testid="latency-p50">–</div></div>
    <div class="card"><div class="label">latency p90</div><div class="value" data-testid="latency-p90">–</div></div>
    <div class="card"><div class="label">latency p99</div><div class="value" data-testid="latency-p99">–</div></div>
    <div class="card"><div class="label">errors/s (5xx)</div><div class="value" data-testid="errors-per-second">–</div></div>
    <div class="card"><div class="label">events/s</div><div class="value" data-testid="events-per-second">–</div></div>
    <div class="card"><div class="label">events consumed</div><div class="value" data-testid="events-total">–</div></div>
    <div class="card"><div class="label">dead letters</div><div class="value" data-testid="dead-letters">–</div></div>
    <div class="card"><div class="label">activations</div><div class="value" data-testid="activations">–</div></div>
    <div class="card"><div class="label">consumer lag</div><div class="value" data-testid="lag">–</div></div>
  </div>
  <section class="wide">
    <h2>Silos and partitions</h2>
    <table data-testid="silos"><thead><tr><th>silo</th><th>status</th><th class="num">model</th><th class="num">activations</th><th class="num">lag</th><th>interactions partitions</th><th>item-events partitions</th><th>gateway</th></tr></thead><tbody></tbody></table>
    <div class="legend" data-testid="unowned"></div>
  </section>
  <section class="narrow">
    <h2>Traffic, last minute</h2>
    <div class="legend">requests/s</div><svg data-testid="requests-chart" viewBox="0 0 300 60" preserveAspectRatio="none"></svg>
    <div class="legend">events/s</div><svg data-testid="events-chart" viewBox="0 0 300 60" preserveAspectRatio="none"></svg>
  </section>
  <section class="wide">
    <h2>Models</h2>
    <table data-testid="models"><thead><tr><th class="num">version</th><th>trained</th><th>data cutoff</th><th>metrics</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="narrow">
    <h2>Experiments</h2>
    <table data-testid="experiments"><thead><tr><th>experiment</th><th class="num">epoch</th><th>variants</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script>
"use strict";
const $ = id => document.querySelector(`[data-testid="${id}"]`);
const fmt = (v, digits = 0) => v === null || v === undefined ? "–" : Number(v).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = v => v === null || v === undefined ? "–" : `${fmt(v, v < 10 ? 2 : 1)} ms`;
const esc = s => String(s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const duration = s => s < 120 ? `${Math.floor(s)} s` : s < 7200 ? `${Math.floor(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
function rows(table, html) { $(table).querySelector("tbody").innerHTML = html.join(""); }
function spark(id, series) {
  const max = Math.max(1, ...series), step = 300 / Math.max(1, series.length - 1);
  const points = series.map((v, i) => `${(i * step).toFixed(1)},${(58 - 56 * v / max).toFixed(1)}`).join(" ");
  $(id).innerHTML = `<polyline fill="none" stroke="#2457c5" stroke-width="2" points="${points}"/><text x="2" y="10" font-size="10" fill="#5b6475">max ${fmt(max)}</text>`;
}
async function refresh() {
  try {
    const response = await fetch("v1/dashboard", { cache: "no-store" });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const d = await response.json();
    $("silo").textContent = d.silo; $("phase").textContent = d.phase;
    $("model-version").textContent = d.modelVersion ? `v${d.modelVersion}` : "none yet";
    $("uptime").textContent = duration(d.uptimeSeconds);
    const t = d.traffic;
    $("requests-per-second").textContent = fmt(t.requestsPerSecond, 1);
    $("latency-p50").textContent = ms(t.latencyP50Ms); $("latency-p90").textContent = ms(t.latencyP90Ms); $("latency-p99").textContent = ms(t.latencyP99Ms);
    $("errors-per-second").textContent = fmt(t.errorsPerSecond, 2);
    $("events-per-second").textContent = fmt(t.eventsPerSecond, 1);
    $("events-total").textContent = fmt(t.eventsTotal);
    $("dead-letters").textContent = fmt(t.deadLettersTotal);
    $("activations").textContent = fmt(d.activations); $("lag").textContent = fmt(d.lag);
    spark("requests-chart", t.requestSeries); spark("events-chart", t.eventSeries);
    rows("silos", d.cluster.silos.map(s => `<tr><td>${esc(s.id)}${s.id === d.silo ? " (this)" : ""}</td><td class="${esc(s.status)}">${esc(s.status)}</td>` +
      `<td class="num">v${s.modelVersion}</td><td class="num">${fmt(s.activations)}</td><td class="num">${fmt(s.lag)}</td>` +
      `<td class="parts">${esc((s.partitions["interactions"] || []).join(", "))}</td><td class="parts">${esc((s.partitions["item-events"] || []).join(", "))}</td><td>${esc(s.endpoint)}</td></tr>`));
    const unowned = Object.entries(d.cluster.unownedPartitions).filter(([, p]) => p.length > 0);
    $("unowned").textContent = unowned.length === 0 ? "Every partition is owned." : "Unowned: " + unowned.map(([t, p]) => `${t} [${p.join(", ")}]`).join("; ");
    rows("models", d.models.map(m => `<tr><td class="num">v${m.version}</td><td>${esc(new Date(m.trainedAt).toLocaleString())}</td><td>${esc(new Date(m.dataCutoff).toLocaleString())}</td>` +
      `<td class="wrap">${esc(Object.entries(m.metrics).filter(([k]) => /ndcg|recall|seconds/.test(k)).slice(0, 4).map(([k, v]) => `${k} ${fmt(v, 3)}`).join(" · "))}</td></tr>`));
    rows("experiments", d.experiments.length === 0 ? ["<tr><td colspan=3>none running</td></tr>"] : d.experiments.map(e =>
      `<tr><td>${esc(e.id)}</td><td class="num">${e.epoch}</td><td>${esc(e.variants.map(v => `${v.name} ${Math.round(v.share * 100)}%`).join(" · "))}</td></tr>`));
    $("status").textContent = "";
  } catch (error) {
    $("status").textContent = `update failed: ${error.message}`;
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
""";
}
