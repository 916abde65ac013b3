// The Kubernetes manifests (deploy/kubernetes), rendered by `kubectl kustomize`:
//   node check_kubernetes.js schema ROOT RENDER.yaml...  every object against its schema
//   node check_kubernetes.js refs ROOT RENDER.yaml...    cross-references
// schema: Kubernetes objects with kubernetes-models, KEDA's with
// @kubernetes-models/keda (both the upstream OpenAPI schemas compiled with
// ajv), Strimzi's with ajv 8 and the CRD schemas vendored in
// tools/node/crd-schemas (unknown fields refused, as the API server prunes
// them). An object of a kind no schema covers fails.
// refs: every Secret, ConfigMap (and key), ServiceAccount and Service a
// workload names exists in the render (or is made by Strimzi from a rendered
// Kafka or KafkaUser, or is the operator's Secret documented key by key in
// docs/kubernetes.md); selectors and scale targets find their Deployment;
// every topic of common/kafka_conf.h has a KafkaTopic whose retention,
// partitions, replicas and min.insync.replicas match tools/topics/main.c and
// what atsb-topics is given; maxReplicaCount stays within the partitions.
// Kafka ACLs (production): each program's KafkaUser grants exactly what its
// code needs (kafka_access.js derives it from the C sources), each workload
// and KEDA trigger authenticates as its own program's user, and
// deploy/kubernetes/kafka-access.json and docs/kubernetes.md's ACL table are
// what kafka_access.js generates.
// Ingress: every backend is a rendered Service and port; every path matches
// routes of that service's route table and none that takes the admin token
// or is /healthz, /readyz or /metrics, while every other route of a service
// it exposes is reachable; TLS for every host from a Secret the render does
// not hold (no Secret is rendered at all); a body limit as large as the
// largest route's and less than 1 MiB above it, and timeouts; the public
// URLs the services hand out are served; the pods behind an Ingress, and no
// others, accept the ingress controller's namespace, and no pod anyone.
// Egress: every pod's egress is restricted, each rule to named peers and
// ports; DNS to kube-system on 53 UDP and TCP; Kafka to the broker pods on
// the ports of ATSB_KAFKA_BROKERS alone, for the Kafka programs alone;
// PostgreSQL on 5432 alone, not to 0.0.0.0/0, for the programs whose code
// connects to it; 0.0.0.0/0 only on 443, only for the programs whose code
// makes outbound requests (the console's go to status and delivery), and
// without every block common/outbound.c refuses.
// Exit 0 ok, 1 with one line per problem.
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const [mode, root, ...files] = process.argv.slice(2);
if (!['schema', 'refs'].includes(mode) || !root || !files.length) {
  console.error('usage: check_kubernetes.js schema|refs ROOT RENDER.yaml...');
  process.exit(2);
}
let problems = 0;
const fail = (file, obj, msg) => {
  problems++;
  const id = obj ? `${obj.kind}/${(obj.metadata || {}).name}` : '';
  console.log(`${path.basename(file)}: ${id}: ${msg}`);
};
const load = (f) => YAML.parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJSON()).filter(Boolean);

// ---------------------------------------------------------------- schema
function strimziValidators() {
  const Ajv = require('ajv');
  const ajv = new Ajv({ strict: false, allErrors: true });
  // Structural schemas: a property list closes the object unless the
  // schema keeps unknown fields (x-kubernetes-preserve-unknown-fields).
  const close = (s) => {
    if (!s || typeof s !== 'object') return;
    if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields'])
      s.additionalProperties = false;
    for (const v of Object.values(s.properties || {})) close(v);
    if (s.items) close(s.items);
    for (const k of ['oneOf', 'anyOf', 'allOf']) (s[k] || []).forEach(close);
    if (typeof s.additionalProperties === 'object') close(s.additionalProperties);
  };
  const dir = path.join(root, 'tools/node/crd-schemas');
  const out = {};
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const c = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    const s = c.schema;
    // metadata is the API server's, not the CRD's: checked for a name.
    s.properties.metadata = { type: 'object', required: ['name'] };
    close(s);
    s.required = [...new Set([...(s.required || []), 'apiVersion', 'kind', 'metadata'])];
    out[`${c.group}/${c.version}/${c.kind}`] = ajv.compile(s);
  }
  return out;
}

function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  let mod;
  if (group === 'keda.sh') mod = `@kubernetes-models/keda/keda.sh/${version}/${kind}`;
  else if (!group) mod = `kubernetes-models/${version}/${kind}`;
  else mod = `kubernetes-models/${group}/${version}/${kind}`;
  try {
    return require(mod)[kind];
  } catch (e) {
    return null;
  }
}

function checkSchemas() {
  const strimzi = strimziValidators();
  for (const f of files) {
    const objs = load(f);
    if (!objs.length) fail(f, null, 'renders nothing');
    for (const o of objs) {
      if (!o.apiVersion || !o.kind) {
        fail(f, o, 'no apiVersion or kind');
        continue;
      }
      const v = strimzi[`${o.apiVersion}/${o.kind}`];
      if (v) {
        if (!v(o)) for (const e of v.errors) fail(f, o, `${e.instancePath || '/'} ${e.message}${e.params && e.params.additionalProperty ? `: ${e.params.additionalProperty}` : ''}`);
        continue;
      }
      const Model = modelFor(o.apiVersion, o.kind);
      if (!Model) {
        fail(f, o, `no schema for ${o.apiVersion} ${o.kind}`);
        continue;
      }
      try {
        new Model(o).validate();
      } catch (e) {
        fail(f, o, e.message);
      }
    }
    if (!problems) console.log(`${path.basename(f)}: ${objs.length} objects valid`);
  }
}

// ---------------------------------------------------------------- refs
// The operator's Secret: its keys are the `ATSB_...` names in the "Secret"
// section of docs/kubernetes.md.
function documentedSecrets() {
  const doc = fs.readFileSync(path.join(root, 'docs/kubernetes.md'), 'utf8');
  const m = doc.match(/\n## Secret\n([\s\S]*?)(\n## |$)/);
  const section = m ? m[1] : '';
  const names = new Set([...section.matchAll(/`([a-z0-9-]+)`/g)].map((x) => x[1]));
  const keys = new Set([...section.matchAll(/`(ATSB_[A-Z0-9_]+)`/g)].map((x) => x[1]));
  return { names, keys };
}

function topicSpecs() {
  const conf = fs.readFileSync(path.join(root, 'common/kafka_conf.h'), 'utf8');
  const names = {};
  for (const m of conf.matchAll(/#define (TOPIC_[A-Z0-9_]+) "([^"]+)"/g)) names[m[1]] = m[2];
  const main = fs.readFileSync(path.join(root, 'tools/topics/main.c'), 'utf8');
  const retention = {};
  for (const m of main.matchAll(/\{(TOPIC_[A-Z0-9_]+), (\d+) \* DAY_MS\}/g)) retention[names[m[1]]] = Number(m[2]) * 86400000;
  return { names: Object.values(names), retention };
}

// ---------------------------------------------------------------- Kafka ACLs
const access = require(path.join(__dirname, 'kafka_access.js'));

// One string per (resource, operation) an ACL list allows.
function aclGrants(acls) {
  const out = new Map();
  for (const a of acls || []) {
    const r = a.resource || {};
    const ops = a.operations || (a.operation ? [a.operation] : []);
    for (const op of ops) {
      const key = r.type === 'cluster' ? `cluster ${op}` : `${r.type} ${r.name}${(r.patternType || 'literal') === 'prefix' ? '*' : ''} ${op}`;
      out.set(key, a);
    }
  }
  return out;
}

// The generated files agree with the code (once, whatever the render).
function checkAccessFiles(derived) {
  for (const p of derived.problems) fail('kafka_access.js', null, p);
  const fix = 'run `node tests/kubernetes/kafka_access.js . write`';
  const json = fs.readFileSync(path.join(root, access.FILES.json), 'utf8');
  if (json !== access.asJson(derived)) fail(access.FILES.json, null, `is not what the code needs (${fix})`);
  const doc = fs.readFileSync(path.join(root, access.FILES.doc), 'utf8');
  const want = access.replaceDocTable(doc, access.asMarkdown(derived));
  if (want === null) fail(access.FILES.doc, null, 'has no Kafka ACL table (a table starting "| KafkaUser |")');
  else if (want !== doc) fail(access.FILES.doc, null, `its Kafka ACL table is not what the code needs (${fix})`);
}

function checkKafkaAccess(f, objs, by, configMaps, derived) {
  const kafkas = by('Kafka');
  const users = Object.fromEntries(by('KafkaUser').map((u) => [u.metadata.name, u]));
  const programs = Object.entries(derived.programs);
  const containers = [];
  for (const w of [...by('Deployment'), ...by('Job')])
    for (const [c, init] of [...(w.spec.template.spec.initContainers || []).map((c) => [c, true]), ...w.spec.template.spec.containers.map((c) => [c, false])])
      containers.push({ w, c, init });
  const env = (c, name) => (c.env || []).find((e) => e.name === name);
  if (!kafkas.length) {
    // No Strimzi (dev): no users, no credentials.
    for (const u of Object.values(users)) fail(f, u, 'a KafkaUser without a rendered Kafka');
    for (const { w, c } of containers) if (env(c, 'ATSB_KAFKA_PROP_sasl_username')) fail(f, w, `container ${c.name} has a Kafka user but the render has no Kafka`);
    return;
  }
  for (const k of kafkas) {
    const authz = k.spec.kafka.authorization || {};
    if (authz.type !== 'simple') fail(f, k, 'spec.kafka.authorization.type is not simple: the KafkaUsers\' ACLs would not be enforced');
    if ((authz.superUsers || []).length) fail(f, k, `super users ${authz.superUsers.join(', ')}: none but Strimzi's own are expected (docs/kubernetes.md)`);
  }
  // ACLs are on the unprefixed names and the default groups.
  for (const [name, data] of Object.entries(configMaps)) {
    const o = { kind: 'ConfigMap', metadata: { name } };
    if (data.ATSB_TOPIC_PREFIX) fail(f, o, `ATSB_TOPIC_PREFIX ${data.ATSB_TOPIC_PREFIX}: the KafkaTopics and ACLs name the topics without a prefix`);
    for (const k of Object.keys(data)) if (/^ATSB_[A-Z]+_GROUP$/.test(k)) fail(f, o, `${k}: the ACLs name the default consumer groups (kafka_access.js)`);
    if ('ATSB_KAFKA_PROP_sasl_username' in data) fail(f, o, 'ATSB_KAFKA_PROP_sasl_username: each workload sets its own user');
  }
  const seen = new Set();
  for (const [name, p] of programs) {
    const u = users[p.user];
    if (!u) {
      fail(f, null, `KafkaUser ${p.user} (${name}) is not in the render`);
      continue;
    }
    seen.add(p.user);
    if (!kafkas.some((k) => k.metadata.name === (u.metadata.labels || {})['strimzi.io/cluster'])) fail(f, u, 'its strimzi.io/cluster is not a rendered Kafka');
    const listenerAuth = new Set(kafkas.flatMap((k) => k.spec.kafka.listeners.map((l) => (l.authentication || {}).type)));
    if (!listenerAuth.has((u.spec.authentication || {}).type)) fail(f, u, `authentication ${(u.spec.authentication || {}).type}, the listeners take ${[...listenerAuth]}`);
    const authz = u.spec.authorization || {};
    if (authz.type !== 'simple') fail(f, u, 'authorization.type is not simple');
    for (const a of authz.acls || []) {
      if ((a.type || 'allow') !== 'allow') fail(f, u, `a ${a.type} ACL: only allow rules are expected`);
      if ((a.host || '*') !== '*') fail(f, u, `an ACL for host ${a.host}: pod addresses change, use *`);
    }
    const have = aclGrants(authz.acls);
    const want = aclGrants(p.acls);
    // One line per resource: "topic x Write, Describe".
    const byResource = (keys) => {
      const m = new Map();
      for (const k of keys) {
        const i = k.lastIndexOf(' ');
        m.set(k.slice(0, i), [...(m.get(k.slice(0, i)) || []), k.slice(i + 1)]);
      }
      return m;
    };
    for (const [r, ops] of byResource([...want.keys()].filter((k) => !have.has(k))))
      fail(f, u, `lacks ${r} ${ops.join(', ')}, which ${name} needs (${want.get(`${r} ${ops[0]}`).why.join('; ')})`);
    for (const [r, ops] of byResource([...have.keys()].filter((k) => !want.has(k))))
      fail(f, u, `grants ${r} ${ops.join(', ')}, which the code of ${name} does not need (${p.source}; tests/kubernetes/kafka_access.js)`);
    // The workloads that run the program authenticate as its user.
    const runs = containers.filter(({ w, c }) => c.name === p.container && (p.container === 'wait-topics' || w.metadata.name === p.container));
    if (!runs.length) fail(f, null, `no container ${p.container} runs ${name}`);
    for (const { w, c } of runs) {
      const user = env(c, 'ATSB_KAFKA_PROP_sasl_username');
      const pass = ((env(c, 'ATSB_KAFKA_PROP_sasl_password') || {}).valueFrom || {}).secretKeyRef || {};
      if (!user || user.value !== p.user) fail(f, w, `container ${c.name}: ATSB_KAFKA_PROP_sasl_username ${user ? user.value : 'unset'}, expected ${p.user}`);
      if (pass.name !== p.user || pass.key !== 'password') fail(f, w, `container ${c.name}: ATSB_KAFKA_PROP_sasl_password from ${pass.name}/${pass.key}, expected Secret ${p.user} key password`);
    }
  }
  for (const u of Object.keys(users)) if (!seen.has(u)) fail(f, users[u], 'no program uses this KafkaUser (tests/kubernetes/kafka_access.js PROGRAMS)');
  // Every Kafka client container is one of the programs above; the console none.
  for (const { w, c } of containers) {
    const kafkaClient = (c.envFrom || []).some((e) => e.configMapRef && configMaps[e.configMapRef.name] && 'ATSB_KAFKA_BROKERS' in configMaps[e.configMapRef.name]);
    const program = programs.find(([, p]) => c.name === p.container && (p.container === 'wait-topics' || w.metadata.name === p.container));
    if (kafkaClient && !program) fail(f, w, `container ${c.name} gets the Kafka settings but runs no program of kafka_access.js`);
    if (derived.noKafka.includes(w.metadata.name) && (kafkaClient || (c.env || []).some((e) => e.name.startsWith('ATSB_KAFKA_'))))
      fail(f, w, `container ${c.name}: ${w.metadata.name} does not use Kafka (kafka_access.js), yet gets Kafka settings`);
  }
  // KEDA reads a group's lag as the program that owns the group.
  const auths = Object.fromEntries(by('TriggerAuthentication').map((t) => [t.metadata.name, t]));
  for (const s of by('ScaledObject'))
    for (const tr of s.spec.triggers) {
      if (tr.type !== 'kafka') continue;
      const p = derived.programs[s.spec.scaleTargetRef.name];
      if (!p) {
        fail(f, s, `scales ${s.spec.scaleTargetRef.name}, which is no Kafka program`);
        continue;
      }
      const grants = aclGrants(p.acls);
      if (!grants.has(`group ${tr.metadata.consumerGroup} Read`)) fail(f, s, `consumer group ${tr.metadata.consumerGroup} is not one of ${p.user}'s`);
      if (!grants.has(`topic ${tr.metadata.topic} Read`)) fail(f, s, `topic ${tr.metadata.topic} is not read by ${p.user}`);
      const ta = auths[(tr.authenticationRef || {}).name];
      if (!ta) {
        fail(f, s, 'no TriggerAuthentication: KEDA cannot read the lag under ACLs');
        continue;
      }
      const pass = (ta.spec.secretTargetRef || []).find((r) => r.parameter === 'password') || {};
      const user = (ta.spec.env || []).find((e) => e.parameter === 'username') || {};
      if (pass.name !== p.user || pass.key !== 'password') fail(f, ta, `password from ${pass.name}/${pass.key}, expected Secret ${p.user} key password (it scales ${s.spec.scaleTargetRef.name})`);
      if (user.name !== 'ATSB_KAFKA_PROP_sasl_username') fail(f, ta, 'username is not the scaled container\'s ATSB_KAFKA_PROP_sasl_username');
    }
}

// ---------------------------------------------------------------- Ingress
// A service's HTTP routes: method, pattern, admin (takes the admin or
// bootstrap token), maxBody (bytes, or null when not known here). The
// listener itself answers /healthz, /readyz and /metrics (builtin).
const ADMIN_AUTH = new Set(['auth_admin_route', 'auth_bootstrap_route']);
const BUILTIN = ['/healthz', '/readyz', '/metrics'];
const read = (f) => fs.readFileSync(path.join(root, f), 'utf8');
// A C integer expression of numbers, *, +, / and parentheses.
function cInt(expr, macros = {}) {
  let e = String(expr).replace(/\b([A-Z_][A-Z0-9_]*)\b/g, (m) => (m in macros ? `(${macros[m]})` : m)).replace(/(\d+)(LL|ULL|L|U)?\b/g, '$1');
  if (!/^[\d\s*+/()-]+$/.test(e)) return null;
  return Function(`"use strict"; return Math.floor(${e});`)();
}

function ingestMaxBody(configMaps) {
  // routes_max_body (services/ingest/routes.c) mirrored here: if it changes,
  // this check says so instead of checking a stale formula.
  const routesC = read('services/ingest/routes.c');
  const formula = ['size_t docs = cfg->limits.max_total_bytes / 3 * 4 + 4;', 'return 64 * 1024;', 'return docs + 2 * 1024 * 1024;', 'return docs + cfg->max_export_candidates * 16 * 1024;'];
  for (const line of formula) if (!routesC.includes(line)) return { problem: `services/ingest/routes.c: routes_max_body no longer has "${line}": update ingestMaxBody in tests/kubernetes/check_kubernetes.js` };
  const ingestC = read('services/ingest/ingest.c');
  const setting = (name) => {
    const cfg = configMaps['atsbridge-config'] || {};
    if (name in cfg) return Number(cfg[name]);
    const m = ingestC.match(new RegExp(`config_int\\("${name}",\\s*([^,]+),`));
    return m ? cInt(m[1]) : null;
  };
  const total = setting('ATSB_INGEST_MAX_REQUEST_DOCUMENT_BYTES');
  const candidates = setting('ATSB_INGEST_MAX_EXPORT_CANDIDATES');
  if (total === null || candidates === null) return { problem: 'services/ingest/ingest.c: the defaults of ATSB_INGEST_MAX_REQUEST_DOCUMENT_BYTES or _MAX_EXPORT_CANDIDATES are not found' };
  const docs = Math.floor(total / 3) * 4 + 4;
  return { BODY_SMALL: 65536, BODY_SIGNED: 65536, BODY_APPLICATION: docs + 2 * 1048576, BODY_EXPORT: docs + candidates * 16384 };
}

// The argument lists of every call of macro name in text (a call's
// arguments split at its top-level commas).
function macroCalls(text, name) {
  const out = [];
  for (const m of text.matchAll(new RegExp(`\\b${name}\\(`, 'g'))) {
    const args = [];
    let depth = 0;
    let cur = '';
    for (let i = m.index + m[0].length; i < text.length; i++) {
      const c = text[i];
      if (c === '(') depth++;
      if (c === ')' && depth-- === 0) break;
      if (c === ',' && depth === 0) {
        args.push(cur.trim());
        cur = '';
      } else cur += c;
    }
    args.push(cur.trim());
    if (/^"[A-Z]+"$/.test(args[0])) out.push(args);
  }
  return out;
}

function routeTables(configMaps) {
  const tables = {};
  const problems = [];
  // ingest: the routes_def table of routes.c (fields as routes.h declares them).
  const fields = [...read('services/ingest/routes.h').match(/typedef struct \{([\s\S]*?)\} routes_def;/)[1].matchAll(/(\w+)\s*;/g)].map((m) => m[1]);
  const bodies = ingestMaxBody(configMaps);
  if (bodies.problem) problems.push(bodies.problem);
  tables.ingest = [];
  for (const m of read('services/ingest/routes.c').matchAll(/\{\s*("[A-Z]+"\s*,\s*"[^"]*"[^{}]*)\}/g)) {
    const args = m[1].split(',').map((a) => a.trim());
    const at = (f) => args[fields.indexOf(f)];
    tables.ingest.push({ method: JSON.parse(at('method')), pattern: JSON.parse(at('pattern')), admin: ADMIN_AUTH.has(at('authorize')), maxBody: bodies[at('body')] ?? null });
  }
  // The others: the X-macro of routes.h, its arguments named by main.c's ROUTE.
  for (const svc of ['questions', 'delivery', 'status', 'console']) {
    const h = read(`services/${svc}/routes.h`);
    const macros = Object.fromEntries([...h.matchAll(/#define ([A-Z_][A-Z0-9_]*) (\([^\n]*\))\s*$/gm)].map((m) => [m[1], m[2]]));
    const params = read(`services/${svc}/main.c`).match(/#define ROUTE\(([^)]*)\)/)[1].split(',').map((p) => p.trim());
    tables[svc] = [];
    for (const args of macroCalls(h.replace(/\\\n/g, ' '), 'R')) {
      const at = (p) => (params.indexOf(p) >= 0 ? args[params.indexOf(p)] : undefined);
      const maxBody = at('max_body') === undefined ? (at('method') === '"GET"' || at('method') === '"DELETE"' ? 0 : null) : cInt(at('max_body'), macros);
      tables[svc].push({ method: JSON.parse(at('method')), pattern: JSON.parse(at('pattern')), admin: ADMIN_AUTH.has(at('authorize')), maxBody });
    }
    if (!tables[svc].length) problems.push(`services/${svc}/routes.h: no routes found`);
  }
  for (const t of Object.values(tables)) for (const b of BUILTIN) t.push({ method: 'GET', pattern: b, builtin: true, maxBody: 0 });
  return { tables, problems };
}

// Whether an Ingress path (Exact or Prefix) takes requests for a route
// pattern ({name} is one segment).
function pathMatches(pathType, p, pattern) {
  const ps = p.split('/').filter(Boolean);
  const rs = pattern.split('/').filter(Boolean);
  const seg = (a, b) => a === b || /^\{\w+\}$/.test(b);
  if (pathType === 'Exact') return ps.length === rs.length && ps.every((x, i) => seg(x, rs[i]));
  return ps.length <= rs.length && ps.every((x, i) => seg(x, rs[i]));
}

// nginx sizes: 43m, 64k, bytes.
function nginxSize(v) {
  const m = String(v).trim().match(/^(\d+)([kKmMgG]?)$/);
  if (!m) return null;
  return Number(m[1]) * { '': 1, k: 1024, m: 1048576, g: 1073741824 }[m[2].toLowerCase()];
}

const selects = (sel, labels) => {
  if (!sel) return false;
  if (!Object.entries(sel.matchLabels || {}).every(([k, v]) => labels[k] === v)) return false;
  return (sel.matchExpressions || []).every((e) => {
    const has = e.key in labels;
    if (e.operator === 'In') return has && e.values.includes(labels[e.key]);
    if (e.operator === 'NotIn') return !has || !e.values.includes(labels[e.key]);
    if (e.operator === 'Exists') return has;
    return !has;
  });
};

function checkIngress(f, objs, by, configMaps, routes) {
  const ingresses = by('Ingress');
  const services = Object.fromEntries(by('Service').map((o) => [o.metadata.name, o]));
  const deployments = by('Deployment');
  const podsOf = (svc) => deployments.filter((d) => Object.entries(svc.spec.selector || {}).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
  // The numbered port a Service port reaches in its pods.
  const targetPort = (svc, port) => {
    const t = port.targetPort === undefined ? port.port : port.targetPort;
    if (typeof t === 'number') return t;
    for (const d of podsOf(svc)) for (const c of d.spec.template.spec.containers) for (const cp of c.ports || []) if (cp.name === t) return cp.containerPort;
    return null;
  };
  if (by('Secret').length) for (const s of by('Secret')) fail(f, s, 'a Secret in the manifests: secrets and certificates come from the operator, Strimzi or a certificate manager, never from this repository');
  const routed = new Map(); // Service name -> Set of ports
  const hostsTo = []; // {host, pathType, path, service}
  for (const ing of ingresses) {
    const a = ing.metadata.annotations || {};
    if (!ing.spec.ingressClassName) fail(f, ing, 'no ingressClassName');
    const tlsHosts = new Map();
    for (const t of ing.spec.tls || []) {
      if (!t.secretName) fail(f, ing, `TLS for ${t.hosts} names no Secret`);
      for (const h of t.hosts || []) tlsHosts.set(h, t.secretName);
    }
    for (const k of ['proxy-connect-timeout', 'proxy-send-timeout', 'proxy-read-timeout'])
      if (!/^\d+$/.test(a[`nginx.ingress.kubernetes.io/${k}`] || '')) fail(f, ing, `no nginx.ingress.kubernetes.io/${k} (seconds)`);
    const limit = nginxSize(a['nginx.ingress.kubernetes.io/proxy-body-size']);
    if (!limit) fail(f, ing, 'no finite nginx.ingress.kubernetes.io/proxy-body-size: the controller would take bodies of any size');
    let largest = 0;
    for (const rule of ing.spec.rules || []) {
      if (!rule.host) fail(f, ing, 'a rule without a host');
      else if (!tlsHosts.has(rule.host)) fail(f, ing, `host ${rule.host} has no TLS`);
      for (const p of (rule.http || {}).paths || []) {
        const b = (p.backend || {}).service;
        if (!b) {
          fail(f, ing, `path ${p.path}: not a Service backend`);
          continue;
        }
        const svc = services[b.name];
        if (!svc) {
          fail(f, ing, `path ${p.path}: Service ${b.name} is not in the render`);
          continue;
        }
        const port = (svc.spec.ports || []).find((x) => (b.port.number !== undefined ? x.port === b.port.number : x.name === b.port.name));
        if (!port) {
          fail(f, ing, `path ${p.path}: Service ${b.name} has no port ${b.port.number ?? b.port.name}`);
          continue;
        }
        if (!routed.has(b.name)) routed.set(b.name, new Set());
        routed.get(b.name).add(targetPort(svc, port));
        hostsTo.push({ host: rule.host, pathType: p.pathType, path: p.path, service: b.name });
        if (!['Exact', 'Prefix'].includes(p.pathType)) {
          fail(f, ing, `path ${p.path}: pathType ${p.pathType}, use Exact or Prefix (what it matches must be known)`);
          continue;
        }
        const table = routes[b.name];
        if (!table) {
          fail(f, ing, `path ${p.path}: no route table known for Service ${b.name}`);
          continue;
        }
        const hit = table.filter((r) => pathMatches(p.pathType, p.path, r.pattern));
        if (!hit.some((r) => !r.builtin)) fail(f, ing, `path ${p.path} (${p.pathType}) matches no route of ${b.name}`);
        for (const r of hit) {
          if (r.admin) fail(f, ing, `path ${p.path} (${p.pathType}) exposes ${b.name}'s admin route ${r.method} ${r.pattern}`);
          if (r.builtin) fail(f, ing, `path ${p.path} (${p.pathType}) exposes ${b.name}'s ${r.pattern}`);
          if (r.maxBody === null) fail(f, ing, `path ${p.path}: the body limit of ${b.name}'s ${r.method} ${r.pattern} is not known to this check`);
          else largest = Math.max(largest, r.maxBody);
        }
      }
    }
    if (limit && limit < largest) fail(f, ing, `proxy-body-size ${a['nginx.ingress.kubernetes.io/proxy-body-size']} (${limit} bytes) is below what its routes take (${largest} bytes)`);
    if (limit && limit >= largest + 1048576) fail(f, ing, `proxy-body-size ${a['nginx.ingress.kubernetes.io/proxy-body-size']} (${limit} bytes) is a MiB or more above the largest body its routes take (${largest} bytes)`);
  }
  // A service behind the Ingress has all of its public routes reachable.
  for (const name of routed.keys()) {
    for (const r of routes[name] || []) {
      if (r.admin || r.builtin) continue;
      if (!hostsTo.some((h) => h.service === name && ['Exact', 'Prefix'].includes(h.pathType) && pathMatches(h.pathType, h.path, r.pattern)))
        fail(f, null, `${name}'s ${r.method} ${r.pattern} (no admin token) is not routed by any Ingress`);
    }
  }
  // The public URLs the services hand out are served by the right service.
  if (ingresses.length) {
    const cfg = { ...(configMaps['atsbridge-config'] || {}), ...(configMaps['atsbridge-console'] || {}) };
    const served = (url, service, name) => {
      let u;
      try {
        u = new URL(url);
      } catch (e) {
        return fail(f, null, `${name} ${url} is not a URL`);
      }
      if (u.protocol !== 'https:') fail(f, null, `${name} ${url} is not https`);
      const p = u.pathname.replace(/\/$/, '') || '/';
      const to = hostsTo.filter((h) => h.host === u.hostname && ['Exact', 'Prefix'].includes(h.pathType) && pathMatches(h.pathType, h.path, p));
      if (!to.length) fail(f, null, `${name} ${url}: no Ingress routes ${u.hostname}${p}`);
      else if (!to.some((h) => h.service === service)) fail(f, null, `${name} ${url}: the Ingress routes it to ${to.map((h) => h.service)}, not ${service}`);
    };
    if (cfg.ATSB_LEVER_REDIRECT_URI) served(cfg.ATSB_LEVER_REDIRECT_URI, 'delivery', 'ATSB_LEVER_REDIRECT_URI');
    if (cfg.ATSB_PROVIDER_CALLBACK_URL) served(cfg.ATSB_PROVIDER_CALLBACK_URL, 'ingest', 'ATSB_PROVIDER_CALLBACK_URL');
    if (cfg.ATSB_CONSOLE_PUBLIC_URL) {
      served(cfg.ATSB_CONSOLE_PUBLIC_URL, 'console', 'ATSB_CONSOLE_PUBLIC_URL');
      served(`${cfg.ATSB_CONSOLE_PUBLIC_URL.replace(/\/$/, '')}/accounts/x/connections`, 'console', 'ATSB_CONSOLE_PUBLIC_URL (the Connections page, delivery\'s return_to)');
    }
    for (const o of String(cfg.ATSB_DELIVERY_RETURN_ORIGINS || '').split(',').filter(Boolean)) served(`${o.trim()}/accounts/x/connections`, 'console', 'ATSB_DELIVERY_RETURN_ORIGINS');
  }
  // NetworkPolicies: who may connect to each pod.
  const policies = by('NetworkPolicy');
  const controllerNs = new Set();
  for (const d of deployments) {
    const labels = d.spec.template.metadata.labels;
    const rules = policies.filter((n) => (n.spec.policyTypes || []).includes('Ingress') && selects(n.spec.podSelector, labels)).flatMap((n) => (n.spec.ingress || []).map((r) => ({ n, r })));
    for (const { n, r } of rules) if (!(r.from || []).length) fail(f, n, `lets anyone connect to ${d.metadata.name} (an ingress rule without from)`);
    const svc = Object.values(services).find((s) => podsOf(s).includes(d));
    const ports = svc ? routed.get(svc.metadata.name) : null;
    const fromNs = (r) => (r.from || []).filter((x) => x.namespaceSelector && !x.podSelector).map((x) => (x.namespaceSelector.matchLabels || {})['kubernetes.io/metadata.name']).filter(Boolean);
    const portOk = (r, port) => !(r.ports || []).length || r.ports.some((x) => x.port === port);
    if (ports) {
      for (const port of ports) {
        const ns = rules.filter(({ r }) => portOk(r, port)).flatMap(({ r }) => fromNs(r)).filter((x) => x !== 'monitoring');
        if (!ns.length) fail(f, d, `behind an Ingress on ${port}, but no NetworkPolicy lets the ingress controller's namespace connect`);
        ns.forEach((x) => controllerNs.add(x));
      }
    }
  }
  if (controllerNs.size > 1) fail(f, null, `the ingress controller is in ${[...controllerNs].join(' and ')}: one namespace expected`);
  for (const d of deployments) {
    const svc = Object.values(services).find((s) => podsOf(s).includes(d));
    if (svc && routed.has(svc.metadata.name)) continue;
    for (const n of policies.filter((x) => selects(x.spec.podSelector, d.spec.template.metadata.labels)))
      for (const r of n.spec.ingress || [])
        for (const x of r.from || [])
          if (x.namespaceSelector && controllerNs.has((x.namespaceSelector.matchLabels || {})['kubernetes.io/metadata.name']))
            fail(f, n, `lets the ingress controller reach ${d.metadata.name}, which no Ingress routes to`);
  }
}

// ---------------------------------------------------------------- egress
const ip4 = (a) => a.split('.').reduce((n, x) => n * 256 + Number(x), 0);
const parseCidr = (c) => {
  const [a, l] = String(c).split('/');
  return /^\d+\.\d+\.\d+\.\d+$/.test(a) ? { base: ip4(a), len: l === undefined ? 32 : Number(l) } : null;
};
const covers = (o, i) => o.len <= i.len && Math.floor(o.base / 2 ** (32 - o.len)) === Math.floor(i.base / 2 ** (32 - o.len));
const showCidr = (c) => `${[24, 16, 8, 0].map((b) => Math.floor(c.base / 2 ** b) % 256).join('.')}/${c.len}`;

// The IPv4 blocks common/outbound.c refuses (class_v4: all but
// OUTBOUND_PUBLIC).
function refusedBlocks() {
  const src = read('common/outbound.c');
  const body = (src.match(/static outbound_class class_v4\([\s\S]*?return OUTBOUND_PUBLIC;/) || [''])[0];
  const out = [];
  for (const m of body.matchAll(/\(a >> 24\) == (\d+)/g)) out.push({ base: Number(m[1]) * 2 ** 24, len: 8 });
  for (const m of body.matchAll(/\(a & (0x[0-9a-f]+)u?\) == (0x[0-9a-f]+)u?/g)) {
    const mask = Number(m[1]);
    out.push({ base: Number(m[2]), len: mask.toString(2).replace(/0/g, '').length });
  }
  for (const m of body.matchAll(/\ba == (0x[0-9a-f]+|0)u?\b/g)) out.push({ base: Number(m[1]), len: 32 });
  return out;
}

function checkEgress(f, by, configMaps, derived) {
  const policies = by('NetworkPolicy');
  const refused = refusedBlocks();
  if (refused.length < 8) fail('common/outbound.c', null, `class_v4's refused blocks not found (${refused.length}): update refusedBlocks in tests/kubernetes/check_kubernetes.js`);
  // Kafka's broker pods and ports, as ATSB_KAFKA_BROKERS names them.
  const brokers = String((configMaps['atsbridge-config'] || {}).ATSB_KAFKA_BROKERS || '').split(',').filter(Boolean).map((hp) => hp.trim().split(':'));
  const brokerPorts = new Set();
  const brokerLabels = [];
  const kafkas = by('Kafka');
  for (const [host, port] of brokers) {
    const k = kafkas.find((x) => host === `${x.metadata.name}-kafka-bootstrap`);
    if (k) {
      brokerPorts.add(Number(port));
      brokerLabels.push({ 'strimzi.io/cluster': k.metadata.name, 'strimzi.io/kind': 'Kafka', 'strimzi.io/name': `${k.metadata.name}-kafka`, 'strimzi.io/broker-role': 'true' });
      continue;
    }
    const svc = by('Service').find((x) => x.metadata.name === host);
    const sp = svc && (svc.spec.ports || []).find((x) => x.port === Number(port));
    if (!sp) continue; // reported by brokerRefs
    for (const w of [...by('StatefulSet'), ...by('Deployment')]) {
      const labels = w.spec.template.metadata.labels;
      if (!Object.entries(svc.spec.selector || {}).every(([k2, v]) => labels[k2] === v)) continue;
      brokerLabels.push(labels);
      for (const c of w.spec.template.spec.containers)
        for (const cp of c.ports || []) if (cp.containerPort === sp.targetPort || cp.name === sp.targetPort || (sp.targetPort === undefined && cp.containerPort === sp.port)) brokerPorts.add(cp.containerPort);
    }
  }
  if (!brokerLabels.length) fail(f, null, `the brokers of ATSB_KAFKA_BROKERS (${brokers.map((b) => b.join(':'))}) are neither a rendered Kafka nor a Service of rendered pods`);
  const kafkaContainers = new Set(Object.values(derived.programs).map((p) => p.container));
  const workloads = [...by('Deployment'), ...by('Job')];
  for (const w of workloads) {
    const labels = w.spec.template.metadata.labels;
    const spec = w.spec.template.spec;
    const source = w.kind === 'Job' && w.metadata.name === 'atsb-topics' ? 'tools/topics' : `services/${w.metadata.name}`;
    if (!fs.existsSync(path.join(root, source))) {
      fail(f, w, `no source directory ${source} to tell what it may reach`);
      continue;
    }
    const reaches = (fn) => access.reaches(root, source, fn);
    const selecting = policies.filter((n) => selects(n.spec.podSelector, labels));
    if (!selecting.some((n) => (n.spec.policyTypes || []).includes('Egress'))) {
      fail(f, w, 'no NetworkPolicy restricts its egress');
      continue;
    }
    const rules = selecting.filter((n) => (n.spec.policyTypes || []).includes('Egress')).flatMap((n) => (n.spec.egress || []).map((r) => ({ n, r })));
    const ports = (r) => (r.ports || []).map((p) => `${p.port}/${p.protocol || 'TCP'}`);
    for (const { n, r } of rules) {
      if (!(r.to || []).length) fail(f, n, `lets ${w.metadata.name} out to anywhere (an egress rule without to)`);
      if (!(r.ports || []).length) fail(f, n, `lets ${w.metadata.name} out on every port (an egress rule without ports)`);
    }
    // DNS.
    const dns = rules.filter(({ r }) => (r.to || []).some((t) => t.namespaceSelector && (t.namespaceSelector.matchLabels || {})['kubernetes.io/metadata.name'] === 'kube-system'));
    for (const want of ['53/UDP', '53/TCP']) if (!dns.some(({ r }) => ports(r).includes(want))) fail(f, w, `no egress to the cluster DNS (kube-system) on ${want}`);
    for (const { n, r } of dns) if (ports(r).some((p) => !['53/UDP', '53/TCP'].includes(p))) fail(f, n, `lets ${w.metadata.name} reach kube-system on ${ports(r)}, not only 53`);
    // Address blocks.
    const out443 = reaches('curl_easy_perform') || reaches('curl_multi_perform');
    const internalOnly = w.metadata.name === 'console'; // ATSB_CONSOLE_*_URL: status and delivery
    let https = false;
    for (const { n, r } of rules)
      for (const t of r.to || []) {
        if (!t.ipBlock) continue;
        const c = parseCidr(t.ipBlock.cidr);
        if (!c) {
          fail(f, n, `ipBlock ${t.ipBlock.cidr}: IPv4 blocks only`);
          continue;
        }
        if (c.len === 0) {
          if (ports(r).join() !== '443/TCP') {
            if (!ports(r).includes('5432/TCP')) fail(f, n, `0.0.0.0/0 on ${ports(r)}: the Internet is reached on 443/TCP only`);
            continue; // PostgreSQL's: below
          }
          https = true;
          if (!out443 || internalOnly) fail(f, n, `lets ${w.metadata.name} out to the Internet, ${internalOnly ? 'whose requests go to status and delivery only' : `which its code (${source}) does not call`}`);
          const except = (t.ipBlock.except || []).map(parseCidr).filter(Boolean);
          for (const b of refused) if (!except.some((e) => covers(e, b))) fail(f, n, `0.0.0.0/0 without ${showCidr(b)}, a block common/outbound.c refuses (cluster, private or metadata addresses)`);
        } else if (c.len < 8) fail(f, n, `ipBlock ${t.ipBlock.cidr} is wider than a /8`);
      }
    if (out443 && !internalOnly && !https) fail(f, w, `its code (${source}) makes outbound HTTPS requests, but no egress reaches the Internet on 443`);
    // PostgreSQL.
    const pg = rules.filter(({ r }) => ports(r).includes('5432/TCP'));
    const hasDb = reaches('PQconnectdb');
    if (hasDb && !pg.length) fail(f, w, `its code (${source}) connects to PostgreSQL, but no egress reaches 5432`);
    for (const { n, r } of pg) {
      if (!hasDb) fail(f, n, `lets ${w.metadata.name} reach PostgreSQL (5432), which its code (${source}) does not use`);
      if (ports(r).join() !== '5432/TCP') fail(f, n, `the PostgreSQL rule also opens ${ports(r).filter((p) => p !== '5432/TCP')}`);
      for (const t of r.to || []) if (t.ipBlock && (parseCidr(t.ipBlock.cidr) || {}).len === 0) fail(f, n, 'PostgreSQL at 0.0.0.0/0: set its address block (docs/kubernetes.md "Network")');
    }
    // Kafka.
    const isClient = [...(spec.initContainers || []), ...spec.containers].some((c) => kafkaContainers.has(c.name));
    const toBrokers = rules.filter(({ r }) => (r.to || []).some((t) => t.podSelector && !t.namespaceSelector && brokerLabels.some((l) => selects(t.podSelector, l))));
    if (!isClient) for (const { n } of toBrokers) fail(f, n, `lets ${w.metadata.name}, no Kafka client, reach the brokers`);
    if (isClient && brokerLabels.length) {
      const open = new Set(toBrokers.flatMap(({ r }) => ports(r)));
      for (const p of brokerPorts) if (!open.has(`${p}/TCP`)) fail(f, w, `no egress to the brokers on ${p} (ATSB_KAFKA_BROKERS)`);
      for (const p of open) if (![...brokerPorts].some((b) => `${b}/TCP` === p)) fail(f, w, `egress to the brokers on ${p}, which is not a port of ATSB_KAFKA_BROKERS`);
    }
  }
}

function checkRefs() {
  const derived = access.derive(root);
  checkAccessFiles(derived);
  const docSecrets = documentedSecrets();
  const topics = topicSpecs();
  if (topics.names.length < 12 || Object.keys(topics.retention).length !== topics.names.length)
    fail('kafka_conf.h', null, `topics ${topics.names.length}, with a retention in tools/topics/main.c ${Object.keys(topics.retention).length}`);
  for (const f of files) {
    const objs = load(f);
    const by = (kind) => objs.filter((o) => o.kind === kind);
    const names = (kind) => new Set(by(kind).map((o) => o.metadata.name));
    const configMaps = Object.fromEntries(by('ConfigMap').map((o) => [o.metadata.name, o.data || {}]));
    const secrets = names('Secret');
    // Secrets Strimzi makes: a KafkaUser's own, a Kafka's cluster CA.
    for (const u of by('KafkaUser')) secrets.add(u.metadata.name);
    for (const k of by('Kafka')) secrets.add(`${k.metadata.name}-cluster-ca-cert`);
    const services = Object.fromEntries(by('Service').map((o) => [o.metadata.name, (o.spec.ports || []).map((p) => p.port)]));
    for (const k of by('Kafka'))
      services[`${k.metadata.name}-kafka-bootstrap`] = k.spec.kafka.listeners.map((l) => l.port);
    const deployments = by('Deployment');
    const secretRef = (o, name, key, optional) => {
      if (secrets.has(name)) return;
      if (!docSecrets.names.has(name)) return fail(f, o, `Secret ${name} is neither rendered, made by Strimzi, nor documented in docs/kubernetes.md "Secret"`);
      if (key && !docSecrets.keys.has(key) && !optional) fail(f, o, `key ${key} of Secret ${name} is not documented in docs/kubernetes.md "Secret"`);
      if (key && optional && !docSecrets.keys.has(key)) fail(f, o, `optional key ${key} of Secret ${name} is not documented in docs/kubernetes.md "Secret"`);
    };
    const cmRef = (o, name, key, optional) => {
      if (!configMaps[name]) return optional || fail(f, o, `ConfigMap ${name} is not in the render`);
      if (key && !(key in configMaps[name]) && !optional) fail(f, o, `ConfigMap ${name} has no key ${key}`);
    };
    const urlRefs = (o, value) => {
      for (const m of String(value).matchAll(/https?:\/\/([a-z0-9-]+):(\d+)/g)) {
        if (!(m[1] in services)) fail(f, o, `names Service ${m[1]}, not in the render`);
        else if (!services[m[1]].includes(Number(m[2]))) fail(f, o, `names port ${m[2]} of Service ${m[1]}, which has ${services[m[1]]}`);
      }
    };
    const brokerRefs = (o, value) => {
      for (const hp of String(value).split(',')) {
        const [host, port] = hp.trim().split(':');
        if (!(host in services)) fail(f, o, `names broker Service ${host}, not in the render`);
        else if (!services[host].includes(Number(port))) fail(f, o, `names port ${port} of ${host}, which has ${services[host]}`);
      }
    };
    for (const [name, data] of Object.entries(configMaps)) {
      const o = { kind: 'ConfigMap', metadata: { name } };
      for (const [k, v] of Object.entries(data)) {
        if (k === 'ATSB_KAFKA_BROKERS') brokerRefs(o, v);
        if (/^ATSB_CONSOLE_(STATUS|DELIVERY)_URL$/.test(k)) urlRefs(o, v);
      }
    }
    const workloads = [...deployments, ...by('StatefulSet'), ...by('Job')];
    if (deployments.length !== 5) fail(f, null, `${deployments.length} Deployments, expected the five services`);
    for (const w of workloads) {
      const pod = w.spec.template.spec;
      const sa = pod.serviceAccountName;
      if (sa && !names('ServiceAccount').has(sa)) fail(f, w, `ServiceAccount ${sa} is not in the render`);
      for (const c of [...(pod.initContainers || []), ...pod.containers]) {
        for (const e of c.envFrom || []) {
          if (e.configMapRef) cmRef(w, e.configMapRef.name, null, e.configMapRef.optional);
          if (e.secretRef) secretRef(w, e.secretRef.name, null, e.secretRef.optional);
        }
        for (const e of c.env || []) {
          const vf = e.valueFrom || {};
          if (vf.secretKeyRef) secretRef(w, vf.secretKeyRef.name, vf.secretKeyRef.key, vf.secretKeyRef.optional);
          if (vf.configMapKeyRef) cmRef(w, vf.configMapKeyRef.name, vf.configMapKeyRef.key, vf.configMapKeyRef.optional);
          if (e.value) urlRefs(w, e.value);
        }
        // $(VAR) in a command must be defined by the container's env.
        const defined = new Set((c.env || []).map((e) => e.name));
        for (const e of c.envFrom || []) if (e.configMapRef && configMaps[e.configMapRef.name]) Object.keys(configMaps[e.configMapRef.name]).forEach((k) => defined.add(k));
        for (const a of [...(c.command || []), ...(c.args || [])])
          for (const m of String(a).matchAll(/\$\(([A-Z0-9_]+)\)/g)) if (!defined.has(m[1])) fail(f, w, `container ${c.name}: $(${m[1]}) is not defined in its environment`);
        if (!c.image) fail(f, w, `container ${c.name} has no image`);
      }
      for (const v of pod.volumes || []) {
        if (v.secret) secretRef(w, v.secret.secretName, null, v.secret.optional);
        if (v.configMap) cmRef(w, v.configMap.name, null, v.configMap.optional);
      }
    }
    // Selectors and targets find what they name.
    const podLabels = [...deployments, ...by('StatefulSet')].map((d) => d.spec.template.metadata.labels);
    const matches = (sel) => podLabels.some((l) => Object.entries(sel || {}).every(([k, v]) => l[k] === v));
    for (const s of by('Service')) if (!matches(s.spec.selector)) fail(f, s, 'selects no pods of a rendered Deployment or StatefulSet');
    for (const p of by('PodDisruptionBudget')) if (!matches(p.spec.selector.matchLabels)) fail(f, p, 'selects no pods of a rendered Deployment or StatefulSet');
    for (const n of by('NetworkPolicy')) {
      const sel = n.spec.podSelector;
      if (sel.matchLabels && !matches(sel.matchLabels)) fail(f, n, 'selects no pods of a rendered Deployment or StatefulSet');
    }
    const depNames = new Set(deployments.map((d) => d.metadata.name));
    for (const h of by('HorizontalPodAutoscaler')) if (!depNames.has(h.spec.scaleTargetRef.name)) fail(f, h, `scales ${h.spec.scaleTargetRef.name}, not in the render`);
    // Topics.
    const topicCm = configMaps['atsbridge-topics'] || {};
    const partitions = Number(topicCm.TOPICS_PARTITIONS);
    const kafkaTopics = Object.fromEntries(by('KafkaTopic').map((t) => [t.spec.topicName || t.metadata.name, t]));
    const strimzi = by('Kafka').length > 0;
    if (strimzi) {
      for (const name of topics.names) {
        const t = kafkaTopics[name];
        if (!t) {
          fail(f, null, `topic ${name} (common/kafka_conf.h) has no KafkaTopic`);
          continue;
        }
        const cfg = t.spec.config || {};
        if (Number(cfg['retention.ms']) !== topics.retention[name]) fail(f, t, `retention.ms ${cfg['retention.ms']}, tools/topics says ${topics.retention[name]}`);
        if (cfg['cleanup.policy'] !== 'delete') fail(f, t, `cleanup.policy ${cfg['cleanup.policy']}, expected delete`);
        if (t.spec.partitions !== partitions) fail(f, t, `partitions ${t.spec.partitions}, atsb-topics is given ${partitions}`);
        if (t.spec.replicas !== Number(topicCm.TOPICS_REPLICATION)) fail(f, t, `replicas ${t.spec.replicas}, atsb-topics is given ${topicCm.TOPICS_REPLICATION}`);
        if (Number(cfg['min.insync.replicas']) !== Number(topicCm.TOPICS_MIN_INSYNC_REPLICAS)) fail(f, t, `min.insync.replicas ${cfg['min.insync.replicas']}, atsb-topics is given ${topicCm.TOPICS_MIN_INSYNC_REPLICAS}`);
        const cluster = (t.metadata.labels || {})['strimzi.io/cluster'];
        if (!by('Kafka').some((k) => k.metadata.name === cluster)) fail(f, t, `strimzi.io/cluster ${cluster} is not a rendered Kafka`);
      }
      for (const t of Object.keys(kafkaTopics)) if (!topics.names.includes(t)) fail(f, kafkaTopics[t], `topic ${t} is not in common/kafka_conf.h`);
      for (const p of by('KafkaNodePool')) if (!by('Kafka').some((k) => k.metadata.name === (p.metadata.labels || {})['strimzi.io/cluster'])) fail(f, p, 'its strimzi.io/cluster is not a rendered Kafka');
    }
    // Consumers per replica (ATSB_QUESTIONS_CONSUMERS defaults to 2).
    const perReplica = { questions: 2 };
    for (const s of by('ScaledObject')) {
      const target = s.spec.scaleTargetRef.name;
      if (!depNames.has(target)) fail(f, s, `scales ${target}, not in the render`);
      for (const tr of s.spec.triggers) {
        if (tr.type !== 'kafka') continue;
        const topic = tr.metadata.topic;
        if (!topics.names.includes(topic)) fail(f, s, `topic ${topic} is not in common/kafka_conf.h`);
        if (strimzi && !kafkaTopics[topic]) fail(f, s, `topic ${topic} has no KafkaTopic`);
        const parts = strimzi && kafkaTopics[topic] ? kafkaTopics[topic].spec.partitions : partitions;
        const members = s.spec.maxReplicaCount * (perReplica[target] || 1);
        if (members > parts) fail(f, s, `maxReplicaCount ${s.spec.maxReplicaCount} makes ${members} consumers for ${parts} partitions of ${topic}`);
        brokerRefs(s, tr.metadata.bootstrapServers);
        if (tr.authenticationRef && !names('TriggerAuthentication').has(tr.authenticationRef.name)) fail(f, s, `TriggerAuthentication ${tr.authenticationRef.name} is not in the render`);
      }
    }
    for (const ta of by('TriggerAuthentication'))
      for (const r of ta.spec.secretTargetRef || []) secretRef(ta, r.name, r.key, false);
    // Certificates are the operator's Secrets, documented, never rendered.
    for (const ing of by('Ingress')) for (const t of ing.spec.tls || []) if (t.secretName) secretRef(ing, t.secretName, null, false);
    checkKafkaAccess(f, objs, by, configMaps, derived);
    const routes = routeTables(configMaps);
    routes.problems.forEach((p) => fail(f, null, p));
    checkIngress(f, objs, by, configMaps, routes.tables);
    checkEgress(f, by, configMaps, derived);
    if (!problems) console.log(`${path.basename(f)}: references resolve (${objs.length} objects)`);
  }
}

if (mode === 'schema') checkSchemas();
else checkRefs();
if (problems) {
  console.log(`${problems} problem(s)`);
  process.exit(1);
}
