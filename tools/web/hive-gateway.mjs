// Serves a supergraph (compose.mjs's output) with Hive Gateway (@graphql-hive/gateway):
// its runtime on Node's HTTP server, as its CLI (`hive-gateway supergraph FILE`) serves
// it, without the CLI's file watcher and without WebSockets. The CLI is not used because
// it cannot listen on a free port and say which (it treats --port 0 as its default,
// 4000). The subgraphs it calls are the URLs composed into the supergraph.
//
//   node hive-gateway.mjs [--listen HOST:PORT] [--no-inflight-dedup] SUPERGRAPH_FILE
//
// --listen defaults to 127.0.0.1:0 (a free port). Once it serves, it prints
// "hive gateway on http://HOST:PORT/graphql". It stops on SIGINT and SIGTERM.
//
// By default, as Hive Gateway ships, identical subgraph queries in flight at once are
// sent once and their answer shared, even between client requests: its HTTP executor
// (@graphql-tools/executor-http) deduplicates every query unless the transport's
// deduplicateInflightRequests is false. --no-inflight-dedup sets it false for every
// HTTP subgraph, so that every client request does its own subgraph requests.
// tools/bench runs it as it ships in its "defaults" table and with --no-inflight-dedup
// in its "nodedup" table, beside our gateway with -dedup=false.
// Hive Gateway 2.15 declares Node >= 20 but some of its dependencies ask for 22; it runs
// on Node 20.
import { access } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway';

function usage(msg) {
  process.stderr.write(`hive-gateway: ${msg}\nusage: node hive-gateway.mjs [--listen HOST:PORT] [--no-inflight-dedup] SUPERGRAPH_FILE\n`);
  process.exit(2);
}

let listen = '127.0.0.1:0';
let dedup = true;
let file = null;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--listen') {
    if (i + 1 >= argv.length) usage('--listen needs HOST:PORT');
    listen = argv[++i];
  } else if (argv[i] === '--no-inflight-dedup') {
    dedup = false;
  } else if (argv[i].startsWith('-')) {
    usage(`unknown flag ${argv[i]}`);
  } else if (file === null) {
    file = argv[i];
  } else {
    usage('more than one supergraph file');
  }
}
if (file === null) usage('no supergraph file');
const colon = listen.lastIndexOf(':');
const host = listen.slice(0, colon);
const port = Number(listen.slice(colon + 1));
if (colon <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) usage(`--listen ${listen}: want HOST:PORT`);

try {
  await access(file); // the runtime would log the error and serve nothing
} catch (err) {
  process.stderr.write(`hive-gateway: ${err.message}\n`);
  process.exit(1);
}
const gateway = createGatewayRuntime({
  supergraph: file,
  graphqlEndpoint: '/graphql',
  landingPage: false,
  graphiql: false,
  logging: 'warn',
  ...(dedup ? {} : { transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } } }),
});
// Load the supergraph before listening, so that a bad file fails the start.
await gateway.getSchema();
const server = createServer(gateway);
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, host, resolve);
});
const addr = server.address();
process.stdout.write(`hive gateway on http://${host}:${addr.port}/graphql\n`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    server.closeAllConnections();
    server.close();
    await gateway.dispose();
    process.exit(0);
  });
}
