// What each atsbridge program may do on Kafka, derived from its C source: the
// Kafka ACLs its production KafkaUser must hold, no more and no fewer.
//
//   node kafka_access.js ROOT [json|markdown|yaml|write]
//     json      the table deploy/kubernetes/kafka-access.json holds (default)
//     markdown  the ACL table of docs/kubernetes.md ("Kafka users and ACLs")
//     yaml      deploy/kubernetes/overlays/production/kafka-users.yaml
//     write     rewrites those three from the code
//   require('./kafka_access').derive(ROOT) -> the same as json
// check_kubernetes_refs (check_kubernetes.js) compares the three, and the
// rendered production KafkaUsers and workloads, with derive().
//
// A program is the C files of its directory (services/<name>, tools/topics)
// and whatever of common/ they reach: a function or table is reached when a
// reached one names it (a call, or a function pointer put in a struct), so a
// common module counts only for what the program really uses of it, as the
// linker would take it from the static library. In what is reached:
//   - a TOPIC_* constant (common/kafka_conf.h; macros expanded) in the topic
//     list of a function that starts a consumer (consume_loop_run,
//     kafka_consumer_new) is a topic read in a group; one a function passes to
//     reader_run (read_opts) is read without a group (topic_reader.c);
//     anywhere else the program produces to it (erring towards Write: a
//     name computed only to recognise a topic counts as well);
//   - dlq_replay re-produces dead letters to their original topic: Write on
//     every topic a program consumes in a group and dead-letters from
//     (consume_deadletter reached);
//   - groups: kafka_group("ATSB_X_GROUP", "dflt") and "%s-suffix" names made
//     from it in the same file, erasure_listener_start(svc, "name") with the
//     listener's "%s-erasure", and topic_reader.c's "topic-reader-%d" (a
//     prefix); a consumer started in any other way fails the derivation;
//   - producing makes IdempotentWrite on the cluster (the producer sets
//     enable.idempotence=true: common/kafka_producer.c);
//   - Admin API calls give their operation on the program's topics
//     (CreateTopics: Create, DescribeConfigs, AlterConfigs); metadata for
//     every topic (rd_kafka_metadata all_topics=1) needs Describe;
//   - transactions (rd_kafka_init_transactions, transactional.id) fail the
//     derivation: no rule gives TransactionalId ACLs yet.
// Operations are stated as Kafka checks them: Write or Read each with
// Describe (which they imply anyway).
'use strict';
const fs = require('fs');
const path = require('path');

// The programs that talk to Kafka in production, where their source is, and
// which workload runs them with which KafkaUser. wait-topics is atsb-topics
// --check (the init container of every Kafka client): it reports instead of
// fixing (tools/topics/main.c), so it has no AlterConfigs.
const PROGRAMS = [
  { name: 'ingest', source: 'services/ingest', user: 'ingest-kafka', workload: 'Deployment ingest', container: 'ingest' },
  { name: 'questions', source: 'services/questions', user: 'questions-kafka', workload: 'Deployment questions', container: 'questions' },
  { name: 'delivery', source: 'services/delivery', user: 'delivery-kafka', workload: 'Deployment delivery', container: 'delivery' },
  { name: 'status', source: 'services/status', user: 'status-kafka', workload: 'Deployment status', container: 'status' },
  { name: 'atsb-topics', source: 'tools/topics', user: 'atsb-topics-kafka', workload: 'Job atsb-topics', container: 'atsb-topics' },
  { name: 'wait-topics', source: 'tools/topics', user: 'wait-topics-kafka', workload: 'the init container of every Kafka client', container: 'wait-topics', without: ['AlterConfigs'] },
];
// Programs that must not touch Kafka at all (no KafkaUser, no Kafka settings).
const NO_KAFKA = [{ name: 'console', source: 'services/console' }];

const ADMIN_OPS = {
  rd_kafka_CreateTopics: 'Create',
  rd_kafka_DescribeConfigs: 'DescribeConfigs',
  rd_kafka_AlterConfigs: 'AlterConfigs',
  rd_kafka_IncrementalAlterConfigs: 'AlterConfigs',
  rd_kafka_DeleteTopics: 'Delete',
  rd_kafka_CreatePartitions: 'Alter',
};

// ------------------------------------------------------------ C, roughly
// Comments out, string and character literals kept (code) or blanked
// (bare, same length, so offsets agree), preprocessor lines blanked.
function lex(src) {
  let code = '';
  let bare = '';
  const macros = {};
  let i = 0;
  let lineStart = true;
  while (i < src.length) {
    const c = src[i];
    if (lineStart && /^[ \t]*#/.test(src.slice(i, i + 64))) {
      let j = i;
      while (j < src.length && !(src[j] === '\n' && src[j - 1] !== '\\')) j++;
      const line = src.slice(i, j).replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, '');
      const m = line.match(/^\s*#\s*define\s+([A-Za-z_]\w*)(\([^)]*\))?([\s\S]*)$/);
      if (m) macros[m[1]] = m[3].replace(/\\\n/g, ' ');
      const blank = src.slice(i, j).replace(/[^\n]/g, ' ');
      code += blank;
      bare += blank;
      i = j;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const j = src.indexOf('*/', i + 2);
      const blank = src.slice(i, j + 2).replace(/[^\n]/g, ' ');
      code += blank;
      bare += blank;
      i = j + 2;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      let j = i;
      while (j < src.length && src[j] !== '\n') j++;
      code += ' '.repeat(j - i);
      bare += ' '.repeat(j - i);
      i = j;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      code += src.slice(i, j + 1);
      bare += c + ' '.repeat(j - i - 1) + c;
      i = j + 1;
      lineStart = false;
      continue;
    }
    code += c;
    bare += c;
    if (c === '\n') lineStart = true;
    else if (c !== ' ' && c !== '\t') lineStart = false;
    i++;
  }
  return { code, bare, macros };
}

// Top-level definitions: functions (name, static, body) and initialized
// file-scope data (name, static, initializer).
function definitions(file, text) {
  const { code, bare, macros } = lex(text);
  const defs = [];
  let depth = 0;
  let start = 0;
  let bodyOpen = -1;
  for (let i = 0; i < bare.length; i++) {
    const c = bare[i];
    if (c === '{' || c === '(' || c === '[') {
      if (c === '{' && depth === 0) bodyOpen = i;
      depth++;
    } else if (c === '}' || c === ')' || c === ']') {
      depth--;
      if (c === '}' && depth === 0) {
        const head = bare.slice(start, bodyOpen);
        if (/\)\s*$/.test(head) && !/=/.test(head)) {
          const m = head.match(/([A-Za-z_]\w*)\s*\((?:[^()]|\([^()]*\))*\)\s*$/);
          if (m) defs.push({ file, name: m[1], isStatic: /\bstatic\b/.test(head), kind: 'function', code: code.slice(start, i + 1), bare: bare.slice(start, i + 1) });
          start = i + 1;
        }
      }
    } else if (c === ';' && depth === 0) {
      const stmt = bare.slice(start, i);
      const eq = stmt.indexOf('=');
      if (eq > 0) {
        const lhs = stmt.slice(0, eq).replace(/\[[^\]]*\]/g, ' ').replace(/\{[\s\S]*\}/g, ' ');
        const m = lhs.match(/([A-Za-z_]\w*)\s*$/);
        if (m) defs.push({ file, name: m[1], isStatic: /\bstatic\b/.test(stmt), kind: 'data', code: code.slice(start, i + 1), bare: stmt });
      }
      start = i + 1;
    }
  }
  return { defs, macros };
}

const identifiers = (s) => new Set(s.match(/[A-Za-z_]\w*/g) || []);

function cFiles(root, dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(path.join(root, d), { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.[ch]$/.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

// ------------------------------------------------------------ derivation
function load(root, dirs) {
  const defs = [];
  const macros = {};
  for (const d of dirs)
    for (const f of cFiles(root, d)) {
      const r = definitions(f, fs.readFileSync(path.join(root, f), 'utf8'));
      Object.assign(macros, r.macros);
      if (f.endsWith('.c')) defs.push(...r.defs);
    }
  return { defs, macros };
}

function topicNames(root) {
  const conf = fs.readFileSync(path.join(root, 'common/kafka_conf.h'), 'utf8');
  const names = {};
  for (const m of conf.matchAll(/#define (TOPIC_[A-Z0-9_]+) "([^"]+)"/g)) names[m[1]] = m[2];
  return names;
}

// The identifiers a definition names, macros expanded.
function expand(ids, macros, seen = new Set()) {
  const out = new Set();
  for (const id of ids) {
    out.add(id);
    if (macros[id] !== undefined && !seen.has(id)) {
      seen.add(id);
      for (const x of expand(identifiers(macros[id].replace(/"(?:[^"\\]|\\.)*"/g, '')), macros, seen)) out.add(x);
    }
  }
  return out;
}

function analyse(root, prog, topics) {
  const { defs, macros } = load(root, [prog.source, 'common']);
  const local = {};
  const global = {};
  for (const d of defs) {
    if (d.isStatic) (local[d.file] = local[d.file] || {})[d.name] = d;
    else if (!global[d.name] || d.file.startsWith(prog.source)) global[d.name] = d;
  }
  const resolve = (file, id) => (local[file] && local[file][id]) || global[id];
  // Everything of the program's own directory is live; common/ as reached.
  const reached = new Set(defs.filter((d) => d.file.startsWith(prog.source + '/')));
  const queue = [...reached];
  while (queue.length) {
    const d = queue.pop();
    d.ids = d.ids || expand(identifiers(d.bare), macros);
    for (const id of d.ids) {
      if (id === d.name && d.kind === 'function') continue;
      const t = resolve(d.file, id);
      if (t && !reached.has(t)) {
        reached.add(t);
        queue.push(t);
      }
    }
  }
  const names = (d) => d.ids || (d.ids = expand(identifiers(d.bare), macros));
  const reaches = (fn) => [...reached].some((d) => d.name === fn && d.kind === 'function');
  const where = (d) => `${d.file} ${d.name}`;
  const r = { write: {}, read: {}, groupRead: {}, groups: {}, prefixes: {}, admin: {}, problems: [] };
  const note = (map, key, why) => (map[key] = map[key] || new Set()).add(why);
  for (const d of reached) {
    const ids = names(d);
    // Topic lists of consumers: arrays of topic names in a function that
    // starts one.
    const consumer = d.kind === 'function' && (ids.has('consume_loop_run') || ids.has('kafka_consumer_new'));
    const reader = d.kind === 'function' && ids.has('reader_run');
    const listed = new Set();
    const readOnly = new Set();
    if (consumer)
      for (const m of d.bare.matchAll(/const\s+char\s*\*\s*const\s+\w+\s*\[\s*\]\s*=\s*\{([^}]*)\}/g))
        for (const id of expand(identifiers(m[1]), macros)) if (topics[id]) listed.add(id);
    if (reader)
      for (const m of d.bare.matchAll(/read_opts\s+\w+\s*=\s*\{([^;]*)\}\s*;/g))
        for (const id of expand(identifiers(m[1]), macros)) if (topics[id]) readOnly.add(id);
    for (const id of ids) {
      if (!topics[id]) continue;
      if (listed.has(id)) note(r.groupRead, topics[id], where(d));
      else if (readOnly.has(id)) note(r.read, topics[id], where(d));
      else note(r.write, topics[id], where(d));
    }
    for (const [fn, op] of Object.entries(ADMIN_OPS)) if (ids.has(fn)) note(r.admin, op, where(d));
    if (d.kind === 'function' && /rd_kafka_metadata\s*\(\s*\w+\s*,\s*1\s*,/.test(d.bare)) note(r.admin, 'Describe', `${where(d)} (metadata of every topic)`);
    if (ids.has('rd_kafka_init_transactions') || /"transactional\.id"/.test(d.code)) r.problems.push(`${where(d)} uses transactions: teach tests/kubernetes/kafka_access.js the TransactionalId ACLs`);
    // Groups.
    for (const m of d.code.matchAll(/kafka_group\(\s*"(ATSB_[A-Z0-9_]+)"\s*,\s*"([^"]+)"\s*,\s*(\w+)/g)) {
      note(r.groups, m[2], `${d.file} ${m[1]}`);
      // "%s-suffix" names built from that group in the same file.
      for (const e of reached) {
        if (e.file !== d.file) continue;
        for (const s of e.code.matchAll(/snprintf\(\s*(\w+)\s*,\s*sizeof\s+\1\s*,\s*"%s([^"%]+)"\s*,\s*(\w+)\s*\)/g))
          if (s[3] === m[3]) note(r.groups, m[2] + s[2], `${e.file} ${m[1]} + "${s[2]}"`);
      }
    }
    for (const m of d.code.matchAll(/erasure_listener_start\(\s*[^,]+,\s*"([^"]+)"/g)) {
      const start = [...reached].find((e) => e.name === 'erasure_listener_start' && e.kind === 'function');
      const s = start && start.code.match(/"%s(-[a-z]+)"/);
      if (!s) r.problems.push(`${where(d)}: the erasure listener's group suffix ("%s-...") is not in erasure_listener_start`);
      else note(r.groups, m[1] + s[1], `common/erasure_listener.c ("${m[1]}")`);
    }
    if (d.kind === 'function' && /conf_set\(\s*\w+\s*,\s*"group\.id"/.test(d.code)) {
      const fmt = d.code.match(/snprintf\(\s*(\w+)\s*,\s*sizeof\s+\1\s*,\s*"([a-z-]+)%d"/);
      if (d.name === 'kafka_consumer_new') continue; // its group comes from the callers (above)
      if (fmt) note(r.prefixes, fmt[2], `${where(d)} ("${fmt[2]}<pid>")`);
      else r.problems.push(`${where(d)} sets group.id in a way tests/kubernetes/kafka_access.js does not know`);
    }
  }
  r.consumesInGroup = reaches('kafka_consumer_new');
  if (r.consumesInGroup && !Object.keys(r.groups).length) r.problems.push(`${prog.name} starts a consumer but no group name was found`);
  r.deadLetters = reaches('consume_deadletter');
  r.replays = reaches('dlq_replay');
  r.idempotent = reaches('kafka_producer_new') && /"enable\.idempotence",\s*"true"/.test(fs.readFileSync(path.join(root, 'common/kafka_producer.c'), 'utf8'));
  r.usesKafka = [...reached].some((d) => /\brd_kafka_new\b/.test(d.bare));
  // Every identifier the reached code names (library functions included).
  r.names = new Set([...reached].flatMap((d) => [...names(d)]));
  return r;
}

function derive(root) {
  const topics = topicNames(root);
  const a = {};
  for (const p of PROGRAMS) a[p.name] = analyse(root, p, topics);
  // Dead letters come from the topics consumed in a group by a program that
  // dead-letters; a re-drive writes them back there.
  const redrive = new Set();
  for (const p of PROGRAMS) if (a[p.name].deadLetters) Object.keys(a[p.name].groupRead).forEach((t) => redrive.add(t));
  const problems = [];
  const programs = {};
  for (const p of PROGRAMS) {
    const r = a[p.name];
    problems.push(...r.problems);
    if (r.replays) for (const t of redrive) (r.write[t] = r.write[t] || new Set()).add('common/dlq.c dlq_replay (re-drives a dead letter to its original topic)');
    const acls = [];
    const admin = Object.keys(r.admin).filter((op) => !(p.without || []).includes(op));
    const topicOps = {};
    const add = (t, ops, why) => {
      const e = (topicOps[t] = topicOps[t] || { ops: new Set(), why: new Set() });
      ops.forEach((o) => e.ops.add(o));
      why.forEach((w) => e.why.add(w));
    };
    if (admin.length) {
      // An admin tool: its operations on each topic it names.
      for (const t of new Set([...Object.keys(r.write), ...Object.keys(r.read), ...Object.keys(r.groupRead)]))
        add(t, admin, admin.map((op) => `${op}: ${[...r.admin[op]].join(', ')}`));
    } else {
      for (const [t, why] of Object.entries(r.write)) add(t, ['Write', 'Describe'], [...why].map((w) => `write: ${w}`));
      for (const [t, why] of Object.entries(r.groupRead)) add(t, ['Read', 'Describe'], [...why].map((w) => `read: ${w}`));
      for (const [t, why] of Object.entries(r.read)) add(t, ['Read', 'Describe'], [...why].map((w) => `read: ${w}`));
    }
    const order = ['Read', 'Write', 'Create', 'Describe', 'DescribeConfigs', 'AlterConfigs', 'Alter', 'Delete', 'IdempotentWrite'];
    const sortOps = (ops) => [...ops].sort((x, y) => order.indexOf(x) - order.indexOf(y));
    for (const t of Object.keys(topicOps).sort())
      acls.push({ resource: { type: 'topic', name: t, patternType: 'literal' }, operations: sortOps(topicOps[t].ops), why: [...topicOps[t].why].sort() });
    for (const g of Object.keys(r.groups).sort())
      acls.push({ resource: { type: 'group', name: g, patternType: 'literal' }, operations: ['Read'], why: [...r.groups[g]].sort() });
    for (const g of Object.keys(r.prefixes).sort())
      acls.push({ resource: { type: 'group', name: g, patternType: 'prefix' }, operations: ['Read'], why: [...r.prefixes[g]].sort() });
    if (!admin.length && Object.keys(r.write).length && r.idempotent)
      acls.push({ resource: { type: 'cluster' }, operations: ['IdempotentWrite'], why: ['common/kafka_producer.c enable.idempotence=true'] });
    programs[p.name] = { source: p.source, workload: p.workload, container: p.container, user: p.user, acls };
  }
  for (const p of NO_KAFKA) {
    const r = analyse(root, p, topics);
    if (r.usesKafka || Object.keys(r.write).length || Object.keys(r.groupRead).length || Object.keys(r.read).length)
      problems.push(`${p.name} (${p.source}) reaches Kafka code, but the manifests give it no KafkaUser`);
  }
  return { programs, noKafka: NO_KAFKA.map((p) => p.name), problems };
}

// ------------------------------------------------------------ output
function asJson(d) {
  return JSON.stringify(
    {
      $comment:
        'Generated by `node tests/kubernetes/kafka_access.js . write` from the C sources: the Kafka ACLs each program needs. check_kubernetes_refs fails when this file, the production KafkaUsers or the table of docs/kubernetes.md differ from what the code needs.',
      programs: d.programs,
      noKafka: d.noKafka,
    },
    null,
    2,
  ) + '\n';
}

// One table row per program; resources with the same operations together.
function asMarkdown(d) {
  const lines = ['| KafkaUser | used by | ACLs (allow) |', '|---|---|---|'];
  for (const [name, p] of Object.entries(d.programs)) {
    const groups = new Map();
    for (const a of p.acls) {
      const r = a.resource;
      const kind = r.type === 'cluster' ? 'cluster' : `${r.type}${r.patternType === 'prefix' ? ' prefix' : ''}`;
      const key = `${kind}|${a.operations.join(', ')}`;
      groups.set(key, [...(groups.get(key) || []), r.name]);
    }
    const acl = [...groups].map(([key, names]) => {
      const [kind, ops] = key.split('|');
      if (kind === 'cluster') return `cluster: ${ops}`;
      return `${kind}${names.length > 1 ? 's' : ''} ${names.map((n) => `\`${n}\``).join(', ')}: ${ops}`;
    });
    lines.push(`| \`${p.user}\` | ${name} (${p.workload}) | ${acl.join('; ')} |`);
  }
  return lines.join('\n') + '\n';
}

// Comment lines of at most width characters.
function wrap(text, indent, width = 100) {
  const out = [];
  let line = indent + '#';
  for (const w of text.split(' ')) {
    if (line.length + 1 + w.length > width && line.length > indent.length + 1) {
      out.push(line);
      line = indent + '#';
    }
    line += ' ' + w;
  }
  out.push(line);
  return out;
}

function asYaml(d) {
  const out = [
    ...wrap('One KafkaUser per program that talks to Kafka, each with the ACLs its code needs and no more. Generated by `node tests/kubernetes/kafka_access.js . yaml` from the C sources (the comment above each ACL says where the code needs it); check_kubernetes_refs fails when these ACLs and the code disagree. The User Operator makes a Secret named after each user (keys `password`, `sasl.jaas.config`); kafka-credentials.yaml gives each workload its own. docs/kubernetes.md "Kafka users and ACLs".', ''),
  ];
  for (const [name, p] of Object.entries(d.programs)) {
    out.push('---', `# ${name}: ${p.workload}.`, 'apiVersion: kafka.strimzi.io/v1beta2', 'kind: KafkaUser', 'metadata:', `  name: ${p.user}`, '  labels:', '    strimzi.io/cluster: atsbridge', 'spec:', '  authentication:', '    type: scram-sha-512', '  authorization:', '    type: simple', '    acls:');
    for (const a of p.acls) {
      const r = a.resource;
      out.push(...wrap(a.why.join('; '), '    '));
      if (r.type === 'cluster') out.push('    - resource:', '        type: cluster');
      else out.push('    - resource:', `        type: ${r.type}`, `        name: ${r.name}`, `        patternType: ${r.patternType}`);
      out.push(`      operations: [${a.operations.join(', ')}]`);
    }
  }
  return out.join('\n') + '\n';
}

const FILES = {
  json: 'deploy/kubernetes/kafka-access.json',
  yaml: 'deploy/kubernetes/overlays/production/kafka-users.yaml',
  doc: 'docs/kubernetes.md',
};

// doc with its ACL table (the lines from "| KafkaUser |" to the first line
// that is not a table row) replaced by table; null when it has none.
function replaceDocTable(doc, table) {
  const lines = doc.split('\n');
  const at = lines.findIndex((l) => l.startsWith('| KafkaUser |'));
  if (at < 0) return null;
  let end = at;
  while (end < lines.length && lines[end].startsWith('|')) end++;
  return [...lines.slice(0, at), ...table.trimEnd().split('\n'), ...lines.slice(end)].join('\n');
}

// Whether the program in directory source (with what it reaches of common/)
// names identifier fn: a function of its own, of common/ or of a library.
const reachedNames = new Map();
function reaches(root, source, fn) {
  const key = `${root}\0${source}`;
  if (!reachedNames.has(key)) reachedNames.set(key, analyse(root, { name: source, source }, topicNames(root)).names);
  return reachedNames.get(key).has(fn);
}

module.exports = { derive, reaches, asJson, asMarkdown, asYaml, replaceDocTable, FILES, PROGRAMS, NO_KAFKA };

if (require.main === module) {
  const [root, fmt = 'json'] = process.argv.slice(2);
  if (!root || !['json', 'markdown', 'yaml', 'write'].includes(fmt)) {
    console.error('usage: kafka_access.js ROOT [json|markdown|yaml|write]');
    process.exit(2);
  }
  const d = derive(root);
  if (d.problems.length) {
    for (const p of d.problems) console.error(`kafka_access: ${p}`);
    process.exit(1);
  }
  if (fmt === 'write') {
    fs.writeFileSync(path.join(root, FILES.json), asJson(d));
    fs.writeFileSync(path.join(root, FILES.yaml), asYaml(d));
    const doc = replaceDocTable(fs.readFileSync(path.join(root, FILES.doc), 'utf8'), asMarkdown(d));
    if (doc === null) {
      console.error(`kafka_access: ${FILES.doc} has no table starting "| KafkaUser |"`);
      process.exit(1);
    }
    fs.writeFileSync(path.join(root, FILES.doc), doc);
    console.log(`kafka_access: wrote ${Object.values(FILES).join(', ')}`);
  } else process.stdout.write(fmt === 'json' ? asJson(d) : fmt === 'markdown' ? asMarkdown(d) : asYaml(d));
}
