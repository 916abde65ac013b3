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
    checkKafkaAccess(f, objs, by, configMaps, derived);
    if (!problems) console.log(`${path.basename(f)}: references resolve (${objs.length} objects)`);
  }
}

if (mode === 'schema') checkSchemas();
else checkRefs();
if (problems) {
  console.log(`${problems} problem(s)`);
  process.exit(1);
}
