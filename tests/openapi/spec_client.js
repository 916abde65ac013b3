'use strict';
/* Calls an API's operations as its OpenAPI description documents them and
 * checks each answer against it: the status must be documented, a body must
 * be of a documented media type, a JSON body must validate against the
 * response schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses it, formats
 * checked), and required response headers must be there.
 *
 * Response schemas are checked closed: an object schema that lists
 * properties and says nothing of others rejects fields it does not list
 * (unevaluatedProperties: false), so a field a service answers but its
 * spec does not document fails. `additionalProperties: true` opens one
 * again; schemas used inside allOf stay open and their allOf is closed.
 *
 * Requests are built from the spec: path, query and header parameters from
 * their `example`, the JSON body from the media type's `example`, the
 * credential from the first security requirement. Example URLs name the
 * default addresses (127.0.0.1:8081 ... 8084, 8090); they are rewritten to
 * the running stack's. Only 127.0.0.1 is ever sent to. */
const fs = require('fs');
const http = require('http');
const YAML = require('yaml');
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const DATA = new Set(['example', 'examples', 'enum', 'const', 'default']); /* values, not schemas */

function clone(v) {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

/* The schemas referenced from an allOf anywhere in doc (by $ref). */
function allOfTargets(doc) {
  const out = new Set();
  (function walk(v) {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v.allOf)) for (const s of v.allOf) if (s && s.$ref) out.add(s.$ref);
    for (const k of Object.keys(v)) walk(v[k]);
  })(doc);
  return out;
}

/* Closes the object schemas under v in place (see the file comment). */
function close(v, open, inAllOf) {
  if (!v || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (const x of v) close(x, open, inAllOf);
    return;
  }
  const says = 'additionalProperties' in v || 'unevaluatedProperties' in v;
  if (!says && !inAllOf && (v.properties || v.allOf)) v.unevaluatedProperties = false;
  for (const k of Object.keys(v)) {
    if (DATA.has(k)) continue;
    if (k === 'allOf') for (const s of v.allOf) close(s, open, true);
    else if (k !== 'properties') close(v[k], open, false);
    else for (const p of Object.keys(v.properties)) close(v.properties[p], open, false);
  }
}

class Api {
  /* name: e.g. "status"; file: its openapi.yaml; base: http://127.0.0.1:PORT;
   * rewrite(text): default addresses to the stack's. */
  constructor(name, file, base, rewrite) {
    this.name = name;
    this.base = base;
    this.rewrite = rewrite;
    this.doc = YAML.parse(fs.readFileSync(file, 'utf8'));
    this.ops = new Map();
    for (const [p, item] of Object.entries(this.doc.paths))
      for (const m of METHODS)
        if (item[m]) this.ops.set(item[m].operationId, { method: m.toUpperCase(), path: p, op: item[m], item });
    const schemaDoc = clone(this.doc);
    const open = allOfTargets(schemaDoc);
    for (const [n, s] of Object.entries(schemaDoc.components.schemas || {}))
      if (!open.has(`#/components/schemas/${n}`)) close(s, open, false);
    this.id = `urn:atsbridge:${name}`;
    schemaDoc.$id = this.id;
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(schemaDoc);
    this.validators = new Map();
  }

  /* Follows a local $ref (#/components/...) of an OpenAPI object. */
  deref(o) {
    while (o && o.$ref) {
      o = o.$ref.slice(2).split('/').reduce((x, k) => x[k.replace(/~1/g, '/').replace(/~0/g, '~')], this.doc);
    }
    return o;
  }

  validator(key, schema) {
    if (!this.validators.has(key)) {
      const s = clone(schema);
      close(s, null, false);
      const abs = JSON.parse(JSON.stringify(s).replace(/"#\/components\//g, `"${this.id}#/components/`));
      this.validators.set(key, this.ajv.compile(abs));
    }
    return this.validators.get(key);
  }

  operation(id) {
    const o = this.ops.get(id);
    if (!o) throw new Error(`${this.name}: no operation ${id}`);
    return o;
  }

  /* The operation's parameters, path-level ones included, dereferenced. */
  params(o) {
    return [...(o.item.parameters || []), ...(o.op.parameters || [])].map((p) => this.deref(p));
  }

  exampleOf(p) {
    if (p.example !== undefined) return p.example;
    if (p.examples) return Object.values(p.examples)[0].value;
    const s = this.deref(p.schema) || {};
    return s.examples ? s.examples[0] : undefined;
  }

  /* The request of operation id: {method, url, headers, body}; over (all
   * optional) replaces parts: params {name: value}, body (object or
   * string), headers, auth (a header value, or null for none). */
  request(id, over = {}, credentials = {}) {
    const o = this.operation(id);
    const params = over.params || {};
    let url = o.path;
    const query = new URLSearchParams();
    const headers = {};
    for (const p of this.params(o)) {
      let v = p.name in params ? params[p.name] : this.exampleOf(p);
      if (v === undefined || v === null) {
        if (p.required) throw new Error(`${this.name} ${id}: no value for required ${p.in} parameter ${p.name}`);
        continue;
      }
      v = String(v);
      if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(v));
      else if (p.in === 'query') query.set(p.name, v);
      else if (p.in === 'header') headers[p.name] = v;
    }
    const q = query.toString();
    let body;
    const rb = this.deref(o.op.requestBody);
    if (over.body !== undefined) {
      body = typeof over.body === 'string' ? over.body : JSON.stringify(over.body);
    } else if (rb && rb.content && rb.content['application/json']) {
      const m = rb.content['application/json'];
      const ex = m.example !== undefined ? m.example : m.examples ? Object.values(m.examples)[0].value : undefined;
      if (ex === undefined && rb.required) throw new Error(`${this.name} ${id}: the request body has no example`);
      if (ex !== undefined) body = this.rewrite(JSON.stringify(ex));
    }
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let auth = over.auth;
    if (auth === undefined) {
      const sec = o.op.security !== undefined ? o.op.security : this.doc.security || [];
      const scheme = sec.length ? Object.keys(sec[0])[0] : null;
      if (scheme) {
        if (!(scheme in credentials)) throw new Error(`${this.name} ${id}: no credential for scheme ${scheme}`);
        auth = `Bearer ${credentials[scheme]}`;
      }
    }
    if (auth) headers.Authorization = auth;
    Object.assign(headers, over.headers || {});
    return { method: o.method, url: `${this.base}${url}${q ? `?${q}` : ''}`, headers, body };
  }

  /* Checks an answer to operation id against the spec; returns the list of
   * problems (empty when it conforms). */
  check(id, res) {
    const o = this.operation(id);
    const problems = [];
    const r = this.deref(o.op.responses[String(res.status)] || o.op.responses[`${String(res.status)[0]}XX`] ||
      o.op.responses.default);
    if (!r) return [`status ${res.status} is not documented`];
    for (const [name, h] of Object.entries(r.headers || {}))
      if (this.deref(h).required && res.headers[name.toLowerCase()] === undefined)
        problems.push(`required header ${name} is missing`);
    const type = (res.headers['content-type'] || '').split(';')[0].trim();
    const content = r.content || {};
    if (!res.body.length) {
      if (Object.keys(content).length) problems.push('the body is empty, a body is documented');
      return problems;
    }
    const media = content[type];
    if (!media) return [...problems, `a ${type || 'body without Content-Type'} is not documented for ${res.status}`];
    if (type !== 'application/json' || !media.schema) return problems;
    let json;
    try {
      json = JSON.parse(res.body);
    } catch (e) {
      return [...problems, `the body is not JSON: ${e.message}`];
    }
    const v = this.validator(`${id} ${res.status} ${type}`, media.schema);
    if (!v(json))
      for (const e of v.errors)
        problems.push(`body${e.instancePath} ${e.message}${e.params && e.params.unevaluatedProperty ? `: ${e.params.unevaluatedProperty}` : ''}`);
    res.json = json;
    return problems;
  }
}

/* One HTTP request to 127.0.0.1 (anything else is refused); resolves to
 * {status, headers, body}. Redirects are not followed. */
function send(req, timeoutMs = 30000) {
  const u = new URL(req.url);
  if (u.hostname !== '127.0.0.1') return Promise.reject(new Error(`refusing to send to ${u.hostname}`));
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
    const r = http.request(
      { host: '127.0.0.1', port: u.port, path: u.pathname + u.search, method: req.method, headers, timeout: timeoutMs },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
    r.on('timeout', () => r.destroy(new Error(`${req.method} ${req.url}: no answer in ${timeoutMs} ms`)));
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

module.exports = { Api, send };
