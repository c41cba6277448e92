// Runs the graph's operations through the GraphQL clients frontends use, Apollo Client
// (@apollo/client, with its persisted query link) and urql (@urql/core), against a
// gateway, and prints what each client saw: its data, its errors as the client reports
// them, and every HTTP exchange it made (method, whether the query text and a hash were
// sent, status, Content-Encoding). internal/interop's TestClients judges the report.
//
//   node clients.mjs manifest CONFIG_JSON
//     prints the Apollo persisted query manifest of the operation the "persisted"
//     scenario sends, its body exactly as Apollo Client prints it (its cache adds
//     __typename), as @apollo/generate-persisted-query-manifest would write it;
//   node clients.mjs run CONFIG_JSON
//     prints {"scenario": {"runs": [{"data", "error"}], "exchanges": [...]}, …}.
//
// CONFIG_JSON is {"url": the gateway's URL, "requireIdUrl": a gateway serving that
// manifest in the require-id mode, "ids": {"ada": global id, …}, "queries": {"list",
// "user", "userByGet", "partial", "invalid", "create", "persisted": query text}}: the
// test owns the operations, so that it can ask the gateway the same ones directly.
import { createHash } from 'node:crypto';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { print } from 'graphql';
import { Client as UrqlClient, fetchExchange } from '@urql/core';
import { of } from 'rxjs';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

// recorder is a fetch that keeps a line per exchange.
function recorder() {
  const exchanges = [];
  const fetchFn = async (input, init = {}) => {
    const url = new URL(typeof input === 'string' ? input : input.url);
    const method = (init.method || 'GET').toUpperCase();
    let params = {};
    if (method === 'GET') {
      params = Object.fromEntries(url.searchParams);
      if (params.extensions) params.extensions = JSON.parse(params.extensions);
    } else if (typeof init.body === 'string') {
      params = JSON.parse(init.body);
    }
    const res = await fetch(input, init);
    exchanges.push({
      contentType: (res.headers.get('content-type') || '').split(';')[0],
      method,
      query: typeof params.query === 'string' && params.query !== '',
      hash: Boolean(params.extensions?.persistedQuery?.sha256Hash),
      status: res.status,
      contentEncoding: res.headers.get('content-encoding') || '',
    });
    return res;
  };
  return { exchanges, fetch: fetchFn };
}

function apolloClient(url, { persisted = false, getForHashed = false } = {}) {
  const rec = recorder();
  let link = new HttpLink({ uri: url, fetch: rec.fetch });
  if (persisted) link = new PersistedQueryLink({ sha256, useGETForHashedQueries: getForHashed }).concat(link);
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  return { client, exchanges: rec.exchanges };
}

// apolloErrors is what Apollo Client 4 reports: the error's class and its GraphQL
// errors' codes, or its message when it has none.
function apolloErrors(error) {
  if (!error) return null;
  const errors = error.errors || [];
  return {
    name: error.name,
    codes: errors.map((e) => e.extensions?.code ?? null),
    message: errors.length ? undefined : error.message,
  };
}

async function apolloQuery(url, query, variables, opts = {}) {
  const { client, exchanges } = apolloClient(url, opts);
  const runs = [];
  for (let i = 0; i < (opts.times || 1); i++) {
    const r = await client.query({ query, variables, fetchPolicy: 'network-only', errorPolicy: 'all' });
    runs.push({ data: r.data ?? null, error: apolloErrors(r.error) });
  }
  return { runs, exchanges };
}

async function apolloMutation(url, mutation, variables) {
  const { client, exchanges } = apolloClient(url);
  const r = await client.mutate({ mutation, variables, errorPolicy: 'all' });
  return { runs: [{ data: r.data ?? null, error: apolloErrors(r.error) }], exchanges };
}

function urqlClient(url, preferGetMethod) {
  const rec = recorder();
  const client = new UrqlClient({ url, exchanges: [fetchExchange], preferGetMethod, fetch: rec.fetch, requestPolicy: 'network-only' });
  return { client, exchanges: rec.exchanges };
}

function urqlErrors(error) {
  if (!error) return null;
  return {
    name: error.name,
    codes: (error.graphQLErrors || []).map((e) => e.extensions?.code ?? null),
    message: error.graphQLErrors?.length ? undefined : error.message,
  };
}

async function urqlQuery(url, query, variables, preferGetMethod) {
  const { client, exchanges } = urqlClient(url, preferGetMethod);
  const r = await client.query(query, variables).toPromise();
  return { runs: [{ data: r.data ?? null, error: urqlErrors(r.error) }], exchanges };
}

async function urqlMutation(url, mutation, variables) {
  const { client, exchanges } = urqlClient(url, false);
  const r = await client.mutation(mutation, variables).toPromise();
  return { runs: [{ data: r.data ?? null, error: urqlErrors(r.error) }], exchanges };
}

// subscribeWhileCreating subscribes with subscribe(onEvent) and, until want events have
// come, creates a product of owner every 100 ms with create(name) (a subscriber cannot
// tell when its subscription is in place upstream, so it creates until events flow).
// It returns the events' products and the names it created.
async function subscribeWhileCreating(subscribe, create, want) {
  const events = [];
  const created = [];
  let stop;
  let failure = null;
  const done = new Promise((resolve) => {
    stop = subscribe((product) => {
      events.push(product);
      if (events.length >= want) resolve();
    }, (err) => { failure = err; resolve(); });
  });
  let n = 0;
  const timer = setInterval(() => {
    const name = `Subscribed ${++n}`;
    created.push(name);
    create(name).catch((e) => { failure = e; });
  }, 100);
  let deadline;
  const timeout = new Promise((resolve) => { deadline = setTimeout(resolve, 20000); });
  await Promise.race([done, timeout]);
  clearTimeout(deadline);
  clearInterval(timer);
  stop();
  return { events, created, failure: failure ? `${failure.name}: ${failure.message}` : null };
}

async function apolloSubscription(url, SUB, CREATE_PRODUCT, owner) {
  const { client, exchanges } = apolloClient(url);
  const create = (name) => client.mutate({ mutation: CREATE_PRODUCT, variables: { in: { name, ownerId: owner, price: { amount: '1.00', currencyCode: 'USD' } } } });
  const r = await subscribeWhileCreating((onEvent, onError) => {
    const sub = client.subscribe({ query: SUB, variables: { owner } }).subscribe({
      next: (res) => (res.error ? onError(res.error) : onEvent(res.data.productCreated)),
      error: onError,
    });
    return () => sub.unsubscribe();
  }, create, 2);
  return { ...r, exchanges };
}

// apolloWsSubscription subscribes over graphql-transport-ws (GraphQLWsLink, graphql-ws
// with the ws package: Node 20 has no WebSocket of its own), and creates over HTTP.
async function apolloWsSubscription(url, SUB, CREATE_PRODUCT, owner) {
  const ws = createWsClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  const client = new ApolloClient({ link: new GraphQLWsLink(ws), cache: new InMemoryCache() });
  const { client: http } = apolloClient(url);
  const create = (name) => http.mutate({ mutation: CREATE_PRODUCT, variables: { in: { name, ownerId: owner, price: { amount: '1.00', currencyCode: 'USD' } } } });
  try {
    const r = await subscribeWhileCreating((onEvent, onError) => {
      const sub = client.subscribe({ query: SUB, variables: { owner } }).subscribe({
        next: (res) => (res.error ? onError(res.error) : onEvent(res.data.productCreated)),
        error: onError,
      });
      return () => sub.unsubscribe();
    }, create, 2);
    return { ...r, exchanges: [] };
  } finally {
    await ws.dispose();
  }
}

async function urqlSubscription(url, SUB, CREATE_PRODUCT, owner) {
  const rec = recorder();
  const client = new UrqlClient({ url, exchanges: [fetchExchange], fetchSubscriptions: true, fetch: rec.fetch, requestPolicy: 'network-only' });
  const create = async (name) => {
    const res = await client.mutation(CREATE_PRODUCT, { in: { name, ownerId: owner, price: { amount: '1.00', currencyCode: 'USD' } } }).toPromise();
    if (res.error) throw res.error;
  };
  const r = await subscribeWhileCreating((onEvent, onError) => {
    const sub = client.subscription(SUB, { owner }).subscribe((res) => (res.error ? onError(res.error) : onEvent(res.data.productCreated)));
    return () => sub.unsubscribe();
  }, create, 2);
  return { ...r, exchanges: rec.exchanges };
}

// manifest prints each persisted scenario's operation as Apollo Client sends it: a link
// that records the operation instead of sending it.
async function manifest(cfg) {
  const PERSISTED = gql(cfg.queries.persisted);
  const operations = [];
  const capture = new ApolloLink((operation) => {
    const body = print(operation.query);
    operations.push({ id: sha256(body), name: operation.operationName, type: 'query', body });
    return of({ data: null });
  });
  const client = new ApolloClient({ link: capture, cache: new InMemoryCache() });
  await client.query({ query: PERSISTED, variables: { id: 'User:0' }, fetchPolicy: 'no-cache', errorPolicy: 'all' });
  process.stdout.write(JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }) + '\n');
}

async function run(cfg) {
  const { url, requireIdUrl, ids } = cfg;
  const q = Object.fromEntries(Object.entries(cfg.queries).map(([k, v]) => [k, gql(v)]));
  const { list: LIST, user: USER, userByGet: USER_BY_GET, partial: PARTIAL, invalid: INVALID, create: CREATE, persisted: PERSISTED,
    productCreated: SUB, createProduct: CREATE_PRODUCT } = q;
  const report = {};
  const scenario = async (name, f) => {
    try {
      report[name] = await f();
    } catch (e) {
      report[name] = { thrown: `${e.name}: ${e.message}` };
    }
  };
  await scenario('apollo list', () => apolloQuery(url, LIST));
  await scenario('apollo variables', () => apolloQuery(url, USER, { id: ids.ada }));
  await scenario('apollo partial', () => apolloQuery(url, PARTIAL, { id: ids.ada }));
  await scenario('apollo invalid', () => apolloQuery(url, INVALID));
  await scenario('apollo mutation', () => apolloMutation(url, CREATE, { in: { name: 'Client Apollo', email: 'apollo-client@example.com' } }));
  await scenario('apollo apq', () => apolloQuery(url, USER, { id: ids.grace }, { persisted: true, times: 2 }));
  await scenario('apollo apq over GET', () => apolloQuery(url, USER_BY_GET, { id: ids.alan }, { persisted: true, getForHashed: true, times: 2 }));
  await scenario('apollo persisted, require-id', () => apolloQuery(requireIdUrl, PERSISTED, { id: ids.ada }, { persisted: true }));
  await scenario('apollo text, require-id', () => apolloQuery(requireIdUrl, USER, { id: ids.ada }));
  await scenario('urql list over GET', () => urqlQuery(url, LIST, {}, 'force'));
  await scenario('urql variables over POST', () => urqlQuery(url, USER, { id: ids.katherine }, false));
  await scenario('urql invalid', () => urqlQuery(url, INVALID, {}, false));
  await scenario('urql mutation', () => urqlMutation(url, CREATE, { in: { name: 'Client Urql', email: 'urql-client@example.com' } }));
  await scenario('apollo subscription over multipart', () => apolloSubscription(url, SUB, CREATE_PRODUCT, ids.subscriberA));
  await scenario('urql subscription over SSE', () => urqlSubscription(url, SUB, CREATE_PRODUCT, ids.subscriberB));
  await scenario('apollo subscription over graphql-ws', () => apolloWsSubscription(url, SUB, CREATE_PRODUCT, ids.subscriberC));
  process.stdout.write(JSON.stringify(report) + '\n');
}

const [cmd, arg] = process.argv.slice(2);
if (cmd === 'manifest' && arg) {
  await manifest(JSON.parse(arg));
} else if (cmd === 'run' && arg) {
  await run(JSON.parse(arg));
} else {
  process.stderr.write('usage: node clients.mjs manifest CONFIG_JSON | node clients.mjs run CONFIG_JSON\n');
  process.exit(2);
}
