'use strict';
/* The contract test's client (test_openapi_contract.c starts the stack,
 * seeds it with stack_seed and runs this with node): every operation of
 * every openapi.yaml is called on the running services and simulator, from
 * the spec's examples, and each answer is checked against the spec
 * (spec_client.js). What an operation needs first (an application, an
 * export, a background check, an activation link) is set up through the
 * public APIs on the way. A secured operation is also called without a
 * credential and must answer a documented 401.
 *
 * Fails (exit 1) when an answer does not conform, when an operation
 * answers other than 2xx, or when an operation is neither exercised nor in
 * SKIP with its reason.
 *
 * Environment: ATSB_SOURCE_DIR, ATSB_CONTRACT_URLS (JSON: ingest,
 * questions, delivery, status, atssim base URLs), NODE_PATH (the npm
 * packages of tools/node). */
const crypto = require('crypto');
const path = require('path');
const { Api, send } = require('./spec_client');

/* Operations that cannot be exercised here, with the reason. */
const SKIP = {};

const CREDENTIALS = {
  adminToken: 'dev-admin-token',
  bootstrapToken: 'dev-admin-token',
  readToken: 'dev-admin-token', /* the stack sets no ATSB_STATUS_READ_TOKEN: the admin token reads the same */
  apiKey: 'dev-stepstone-key',
  boardKey: 'dev-stepstone-key',
  toolKey: 'dev-provenbase-key',
};

const DEFAULT_PORTS = { ingest: 8081, questions: 8082, delivery: 8083, status: 8084, atssim: 8090 };
const SPECS = {
  ingest: 'services/ingest/openapi.yaml',
  questions: 'services/questions/openapi.yaml',
  delivery: 'services/delivery/openapi.yaml',
  status: 'services/status/openapi.yaml',
  atssim: 'tools/atssim/openapi.yaml',
};

const urls = JSON.parse(process.env.ATSB_CONTRACT_URLS);
const rewrite = (text) =>
  Object.entries(DEFAULT_PORTS).reduce((t, [name, port]) => t.split(`http://127.0.0.1:${port}`).join(urls[name]), text);
const apis = {};
for (const [name, file] of Object.entries(SPECS))
  apis[name] = new Api(name, path.join(process.env.ATSB_SOURCE_DIR, file), urls[name], rewrite);

const exercised = new Set();
const failures = [];
let calls = 0;

/* Calls api's operation id (see Api.request for over) and checks the
 * answer; expect: the statuses wanted (default: any 2xx). Returns the
 * answer, its JSON in .json. */
async function call(api, id, over = {}, expect = null) {
  const a = apis[api];
  const req = a.request(id, over, CREDENTIALS);
  const res = await send(req);
  calls++;
  const problems = a.check(id, res);
  const ok = expect ? expect.includes(res.status) : res.status >= 200 && res.status < 300;
  if (!ok) problems.push(`answered ${res.status}, expected ${expect ? expect.join(' or ') : '2xx'}`);
  if (problems.length) {
    failures.push(`${api} ${id} (${req.method} ${req.url}): ${problems.join('; ')}\n    body: ${res.body.slice(0, 400)}`);
  } else if (!expect) {
    exercised.add(`${api}.${id}`);
  }
  return res;
}

/* Repeats fn until it returns a truthy value or timeoutMs passes. */
async function poll(what, fn, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/* A request to api with the admin token, outside the checked operations (polling, setup). */
async function raw(api, method, p, body, auth = 'Bearer dev-admin-token') {
  const headers = auth ? { Authorization: auth } : {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await send({ method, url: `${urls[api]}${p}`, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  res.json = res.body ? JSON.parse(res.body) : null;
  return res;
}

const example = (api, id) => {
  const rb = apis[api].deref(apis[api].operation(id).op.requestBody);
  return rb.content['application/json'].example;
};
const hmac = (key, text) => crypto.createHmac('sha256', key).update(text).digest('hex');

async function operations() {
  for (const name of Object.keys(apis)) for (const id of ['healthz', 'readyz', 'metrics']) await call(name, id);
}

async function ingest(ctx) {
  for (const id of ['putBoardKey', 'putToolKey', 'putLeverWebhookTokens', 'putProviderCallbackSecret'])
    await call('ingest', id);
  ctx.appId = (await call('ingest', 'submitApplication')).json.application_id;
  ctx.exportId = (await call('ingest', 'createExport')).json.export_task_id;

  /* Signed with the token and secret the admin examples set. */
  const hook = example('ingest', 'receiveLeverWebhook');
  hook.triggeredAt = Date.now();
  hook.token = crypto.randomUUID();
  hook.signature = hmac(example('ingest', 'putLeverWebhookTokens')[hook.event], `${hook.token}${hook.triggeredAt}`);
  await call('ingest', 'receiveLeverWebhook', { body: hook });

  const body = JSON.stringify(example('ingest', 'receiveProviderCallback'));
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = hmac(example('ingest', 'putProviderCallbackSecret').secret, `${ts}.${body}`);
  await call('ingest', 'receiveProviderCallback', {
    body, params: { 'X-Provider-Timestamp': ts, 'X-Provider-Signature': sig },
  });
}

async function delivery() {
  const link = (await call('delivery', 'startLeverActivation')).json.activation_url;
  /* The simulator's Lever approves at once and redirects to our callback. */
  const approved = await send({ method: 'GET', url: link, headers: {} });
  const back = new URL(approved.headers.location || 'http://127.0.0.1/');
  if (approved.status !== 302 || !back.searchParams.get('code'))
    throw new Error(`activation link answered ${approved.status} ${approved.headers.location}`);
  await call('delivery', 'leverCallback', {
    params: { state: back.searchParams.get('state'), code: back.searchParams.get('code') },
  });
  await call('delivery', 'connectEploy');
  await call('delivery', 'listConnections');
  await call('delivery', 'getConnection');
  /* A connection of its own to revoke: the one revokeConnection's example names. */
  const spare = apis.delivery.params(apis.delivery.operation('revokeConnection')).find((p) => p.name === 'name').example;
  await call('delivery', 'connectEploy', { body: { ...JSON.parse(rewrite(JSON.stringify(example('delivery', 'connectEploy')))), name: spare } });
  await call('delivery', 'revokeConnection');
  await call('delivery', 'listDeadLetters');
  await call('delivery', 'replayDeadLetters');
}

/* A background check through the whole stack: an opportunity created in
 * the simulated Lever (as a recruiter would) enters the check stage; the
 * webhook reaches status, which has delivery order the check. */
async function backgroundCheck(ctx) {
  const token = (await call('atssim', 'mintLeverTokens')).json.access_token;
  const opp = await send({
    method: 'POST',
    url: `${urls.atssim}/lever/v1/opportunities?perform_as=user-recruiter`,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Grace Hopper', emails: ['grace.contract@example.org'], postings: ['demo-lever-posting'] }),
  });
  ctx.opp = JSON.parse(opp.body).data.id;
  await call('atssim', 'moveLeverStage', { params: { id: ctx.opp } });
  const check = await poll('the background check to be ordered', async () => {
    const r = await raw('status', 'GET', `/v1/background-checks?opportunity=${encodeURIComponent(ctx.opp)}`);
    const c = r.status === 200 && r.json.background_checks[0];
    return c && c.order_id ? c : null;
  }, 30000);
  ctx.checkId = check.check_id;
  ctx.orderId = check.order_id;
  await call('status', 'listBackgroundChecks', { params: { opportunity: ctx.opp } });
  /* By account alone, newest first: the check just ordered is on the first page. */
  const byAccount = await call('status', 'listBackgroundChecks', { params: { opportunity: null } });
  if (!byAccount.body.includes(ctx.checkId)) failures.push('listBackgroundChecks by account misses the new check');
  await call('status', 'getBackgroundCheck', { params: { id: ctx.checkId } });
  await call('atssim', 'advanceProviderOrder', { params: { id: ctx.orderId } });
}

async function status(ctx) {
  await call('status', 'listApplications');
  await poll('status to know the application', async () =>
    (await raw('status', 'GET', `/v1/applications/${ctx.appId}`)).status === 200, 30000);
  await call('status', 'getApplication', { params: { id: ctx.appId } });
  await call('status', 'listExports');
  await poll('status to know the export task', async () =>
    (await raw('status', 'GET', `/v1/exports/${ctx.exportId}`)).status === 200, 30000);
  await call('status', 'getExport', { params: { id: ctx.exportId } });
  await call('status', 'listExportApplications', { params: { id: ctx.exportId } });
  await call('status', 'listAccounts');
  await call('status', 'getAccount');
  await call('status', 'putAccount');
  await call('status', 'goLive');
  await call('status', 'rotateNotificationSecret');
  await call('status', 'getAccountSync');
  await call('status', 'eraseApplication', { params: { id: ctx.appId } });
  await call('status', 'getErasure', { params: { id: ctx.appId } });
  await call('status', 'putOperator');
  await call('status', 'deleteOperator');
}

/* Last: these change the simulator under the stack (tokens expired, reset). */
async function simulator() {
  for (const id of ['getLedger', 'getRequestCounts', 'getWebhookLog', 'listFaultTargets', 'addFaults', 'listFaults',
    'clearFaults', 'setLatency', 'setLeverWebhooks', 'setLeverRateLimits', 'setEployClientIp', 'setEployQuota',
    'addEploySource', 'configureProvider', 'expireLeverTokens', 'expireEployTokens', 'reset'])
    await call('atssim', id);
}

/* Every secured operation without a credential: a documented 401. */
async function unauthenticated() {
  for (const [name, a] of Object.entries(apis))
    for (const [id, o] of a.ops) {
      const sec = o.op.security !== undefined ? o.op.security : a.doc.security || [];
      if (sec.length && !sec.some((s) => Object.keys(s).length === 0))
        await call(name, id, { auth: null }, [401]);
    }
}

async function main() {
  const t0 = Date.now();
  const ctx = {};
  await operations();
  await ingest(ctx);
  await call('questions', 'getQuestions');
  await delivery();
  await backgroundCheck(ctx);
  await status(ctx);
  await unauthenticated();
  await simulator();
  const missing = [];
  for (const [name, a] of Object.entries(apis))
    for (const id of a.ops.keys()) {
      const key = `${name}.${id}`;
      if (!exercised.has(key) && !SKIP[key]) missing.push(key);
      if (exercised.has(key) && SKIP[key]) failures.push(`${key} is exercised: take it out of SKIP`);
    }
  for (const [key, why] of Object.entries(SKIP)) console.log(`skipped ${key}: ${why}`);
  const total = Object.values(apis).reduce((n, a) => n + a.ops.size, 0);
  console.log(`${exercised.size} of ${total} operations exercised, ${calls} requests, ${Date.now() - t0} ms (node ${process.version})`);
  if (missing.length) failures.push(`neither exercised nor in SKIP: ${missing.join(', ')}`);
  for (const f of failures) console.log(`FAIL ${f}`);
  process.exitCode = failures.length ? 1 : 0;
}

main().catch((e) => {
  for (const f of failures) console.log(`FAIL ${f}`);
  console.log(`FAIL ${e.stack || e}`);
  process.exitCode = 1;
});
