#!/usr/bin/env node
// The metric names in PromQL expressions, and a check of every expression of
// the alert rules and the Grafana dashboard against the metric families the
// running services expose (deploy/observability; docs/observability.md).
// No dependencies: a tokenizer, not a parser, careful about what is no
// metric name (strings, label matchers, ranges, durations, numbers,
// keywords, functions, aggregations, grouping label lists, Grafana
// variables).
//
//   node promql_names.js --self-test
//   node promql_names.js --check METRICS_DIR RULES_YML DASHBOARD_JSON EXTERNAL_TXT
//     METRICS_DIR: one /metrics answer per file (*.txt); EXTERNAL_TXT: names
//     other exporters provide (kube-state-metrics), one a line, # comments.
'use strict';
const fs = require('fs');
const path = require('path');

const FUNCTIONS = new Set(`abs absent absent_over_time acos acosh asin asinh atan atanh avg_over_time ceil
  changes clamp clamp_max clamp_min cos cosh count_over_time days_in_month day_of_month day_of_week
  day_of_year deg delta deriv exp floor histogram_count histogram_fraction histogram_quantile
  histogram_stddev histogram_stdvar histogram_sum holt_winters hour idelta increase irate label_join
  label_replace last_over_time ln log10 log2 mad_over_time max_over_time min_over_time minute month pi
  predict_linear present_over_time quantile_over_time rad rate resets round scalar sgn sin sinh sort
  sort_desc sqrt stddev_over_time stdvar_over_time sum_over_time tan tanh time timestamp vector year`
  .split(/\s+/));
const AGGREGATIONS = new Set('sum min max avg group stddev stdvar count count_values bottomk topk quantile'.split(' '));
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const WORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan', 'start', 'end']);

// Metric names in one expression; throws on what it cannot read.
function extract(expr) {
  const names = [];
  // __name__ matchers name a metric inside braces.
  let s = expr.replace(/__name__\s*=\s*"([^"\\]*)"/g, (m, n) => { names.push(n); return ''; });
  // String literals, then what braces and brackets hold (no nesting left).
  s = s.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  s = s.replace(/\{[^{}]*\}/g, ' ').replace(/\[[^\[\]]*\]/g, ' ');
  // Grafana variables ($__rate_interval, ${quantile}, $q) stand for numbers or durations here.
  s = s.replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, '1');
  if (/[{}\[\]]/.test(s)) throw new Error(`unbalanced braces or brackets in: ${expr}`);
  const re = /(\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*)(?![A-Za-z0-9_:])|(0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|([A-Za-z_:][A-Za-z0-9_:]*)|(\S)/g;
  const toks = [];
  let m;
  while ((m = re.exec(s))) {
    if (m[3]) toks.push({ t: 'id', v: m[3] });
    else if (m[4]) toks.push({ t: 'op', v: m[4] });
  }
  for (let i = 0; i < toks.length; i++) {
    const k = toks[i];
    if (k.t !== 'id') continue;
    const next = toks[i + 1];
    const call = next && next.t === 'op' && next.v === '(';
    const lower = k.v.toLowerCase();
    if (GROUPING.has(k.v)) {
      if (!call) {
        if (k.v === 'group_left' || k.v === 'group_right') continue; // without a label list
        throw new Error(`'${k.v}' without its label list in: ${expr}`);
      }
      let depth = 0, j = i + 1;
      for (; j < toks.length; j++) {
        if (toks[j].v === '(') depth++;
        else if (toks[j].v === ')' && --depth === 0) break;
      }
      i = j;
      continue;
    }
    if (AGGREGATIONS.has(k.v) && next && next.t === 'id' && (next.v === 'by' || next.v === 'without')) continue;
    if (call) {
      if (FUNCTIONS.has(k.v) || AGGREGATIONS.has(k.v)) continue;
      if ((k.v === 'start' || k.v === 'end') && i > 0 && toks[i - 1].v === '@') continue;
      throw new Error(`unknown function '${k.v}' in: ${expr}`);
    }
    if (WORDS.has(lower)) continue;
    names.push(k.v);
  }
  return [...new Set(names)];
}

// The expr of every rule of a Prometheus rules file (block scalars
// `expr: |` or `>` and plain one-line values), checked against the count
// of alert: and record: entries.
function ruleExprs(text) {
  const lines = text.split('\n');
  const out = [];
  let rules = 0;
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*-?\s*(alert|record):/.test(lines[i])) rules++;
    const m = /^(\s*)-?\s*expr:\s*(.*)$/.exec(lines[i]);
    if (!m) continue;
    const indent = m[1].length;
    let v = m[2].trim();
    if (/^[|>][+-]?$/.test(v)) {
      const body = [];
      while (i + 1 < lines.length && (lines[i + 1].trim() === '' || lines[i + 1].search(/\S/) > indent)) body.push(lines[++i]);
      v = body.join('\n');
    } else if (/^['"]/.test(v)) {
      v = v.slice(1, -1);
    }
    out.push(v);
  }
  if (out.length !== rules) throw new Error(`${rules} rules but ${out.length} expressions read`);
  return out;
}

// Every PromQL expression of a Grafana dashboard: targets' expr at any
// depth (rows nest panels), label_values() and query_result() of variables.
function dashboardExprs(dash) {
  const out = [];
  (function walk(o, key) {
    if (Array.isArray(o)) return o.forEach((x) => walk(x, key));
    if (!o || typeof o !== 'object') return;
    for (const [k, v] of Object.entries(o)) {
      if (k === 'expr' && typeof v === 'string') out.push(v);
      else if (key === 'templating' && k === 'query') {
        const q = typeof v === 'string' ? v : v && v.query;
        if (typeof q !== 'string') continue;
        const lv = /^\s*label_values\(\s*(.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$/.exec(q);
        const qr = /^\s*query_result\((.*)\)\s*$/.exec(q);
        if (lv) out.push(lv[1]);
        else if (qr) out.push(qr[1]);
      } else walk(v, key === 'templating' || k === 'templating' ? 'templating' : key);
    }
  })(dash, '');
  return out;
}

// Metric families of a /metrics answer: TYPE lines and sample names; a
// histogram's or summary's family also brings its _bucket, _sum and _count.
function families(text) {
  const names = new Set();
  for (const line of text.split('\n')) {
    let m = /^# TYPE ([A-Za-z_:][A-Za-z0-9_:]*) (\w+)/.exec(line);
    if (m) {
      names.add(m[1]);
      if (m[2] === 'histogram' || m[2] === 'summary') ['_bucket', '_sum', '_count'].forEach((x) => names.add(m[1] + x));
      continue;
    }
    m = /^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

function selfTest() {
  const cases = [
    ['sum by (group) (atsb_kafka_consumer_lag) > 500', ['atsb_kafka_consumer_lag']],
    ['histogram_quantile(0.99, sum by (le, ats) (rate(atsb_delivery_http_seconds_bucket{ats=~"lever|eploy"}[$__rate_interval])))',
      ['atsb_delivery_http_seconds_bucket']],
    ['rate(a_total{code=~"5..",route!~"/healthz|{x}"}[5m]) * on (job, instance) group_left () info{service="ingest"}',
      ['a_total', 'info']],
    ['x unless x offset 10m', ['x']],
    ['sum(rate(y[1h30m])) or vector(0) / 1e3 + 0x1f - .5', ['y']],
    ['max without (instance) (m) and on() n', ['m', 'n']],
    ['sum(z) by (group) > bool ${threshold}', ['z']],
    ['{__name__="named_total", job="a"}', ['named_total']],
    ['count by (le) (h_bucket) == Inf or NaN', ['h_bucket']],
    ['label_replace(up_thing, "dst", "$1", "src", "(.*)")', ['up_thing']],
    ['a * on (instance) group_left b', ['a', 'b']],
    ['ns:recorded:rate5m', ['ns:recorded:rate5m']],
    ['topk(5, q) @ end()', ['q']],
  ];
  let failed = 0;
  for (const [expr, want] of cases) {
    const got = extract(expr).sort();
    if (JSON.stringify(got) !== JSON.stringify([...want].sort())) {
      console.error(`FAIL ${expr}\n  want ${want}\n  got  ${got}`);
      failed++;
    }
  }
  for (const bad of ['frobnicate(x)', 'sum by x', 'rate(x[5m)']) {
    try {
      extract(bad);
      console.error(`FAIL no error for ${bad}`);
      failed++;
    } catch (e) { /* expected */ }
  }
  const yml = 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: |\n          a\n          > 1\n        for: 1m\n      - record: r:x\n        expr: rate(b[5m])\n';
  const ex = ruleExprs(yml);
  if (ex.length !== 2 || !/a\n\s*> 1/.test(ex[0]) || ex[1] !== 'rate(b[5m])') { console.error('FAIL ruleExprs', ex); failed++; }
  const dash = { panels: [{ type: 'row', panels: [{ targets: [{ expr: 'c' }] }] }, { targets: [{ expr: 'd' }] }],
    templating: { list: [{ query: 'label_values(e, group)' }, { query: { query: 'label_values(f{a="b"}, x)' } }] } };
  const de = dashboardExprs(dash).sort();
  if (JSON.stringify(de) !== JSON.stringify(['c', 'd', 'e', 'f{a="b"}'])) { console.error('FAIL dashboardExprs', de); failed++; }
  const fam = families('# TYPE h histogram\nh_bucket{le="1"} 0\n# TYPE c counter\n');
  if (!fam.has('h_sum') || !fam.has('h_count') || !fam.has('c') || fam.has('c_sum')) { console.error('FAIL families'); failed++; }
  console.log(`${cases.length + 6 - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

function check(metricsDir, rulesFile, dashFile, externalFile) {
  const live = new Set();
  const files = fs.readdirSync(metricsDir).filter((f) => f.endsWith('.txt'));
  if (!files.length) throw new Error(`no /metrics answers in ${metricsDir}`);
  for (const f of files) families(fs.readFileSync(path.join(metricsDir, f), 'utf8')).forEach((n) => live.add(n));
  const external = new Set(fs.readFileSync(externalFile, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean));
  const rulesText = fs.readFileSync(rulesFile, 'utf8');
  const recorded = new Set([...rulesText.matchAll(/^\s*-?\s*record:\s*(\S+)/gm)].map((m) => m[1]));
  const sources = [
    ...ruleExprs(rulesText).map((e) => ['rules', e]),
    ...dashboardExprs(JSON.parse(fs.readFileSync(dashFile, 'utf8'))).map((e) => ['dashboard', e]),
  ];
  let unknown = 0, checked = 0;
  const seen = new Set();
  for (const [where, expr] of sources) {
    const names = extract(expr);
    if (!names.length) { console.error(`${where}: no metric in: ${expr}`); unknown++; }
    for (const n of names) {
      checked++;
      seen.add(n);
      if (live.has(n) || recorded.has(n) || external.has(n)) continue;
      console.error(`${where}: ${n} is exported by no running service (in: ${expr.replace(/\s+/g, ' ').trim()})`);
      unknown++;
    }
  }
  console.log(`promql_names: ${sources.length} expressions, ${seen.size} metric names (${[...seen].sort().join(', ')}) against ${live.size} live families of ${files.length} services`);
  console.log(`${checked - unknown} passed, ${unknown} failed`);
  return unknown ? 1 : 0;
}

if (require.main === module) {
  const a = process.argv.slice(2);
  try {
    if (a[0] === '--self-test') process.exit(selfTest());
    if (a[0] === '--check' && a.length === 5) process.exit(check(a[1], a[2], a[3], a[4]));
    console.error('usage: promql_names.js --self-test | --check METRICS_DIR RULES_YML DASHBOARD_JSON EXTERNAL_TXT');
    process.exit(2);
  } catch (e) {
    console.error(`promql_names: ${e.message}`);
    process.exit(1);
  }
}
module.exports = { extract, ruleExprs, dashboardExprs, families };
