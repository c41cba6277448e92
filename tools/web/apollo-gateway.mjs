// Serves a supergraph (compose.mjs's output) with Apollo Gateway (@apollo/gateway) behind
// Apollo Server's standalone HTTP server, as a team running Apollo Gateway deploys it.
// The subgraphs it calls are the URLs composed into the supergraph.
//
//   node apollo-gateway.mjs [--listen HOST:PORT] SUPERGRAPH_FILE
//
// --listen defaults to 127.0.0.1:0 (a free port). Once it serves, it prints
// "apollo gateway on http://HOST:PORT/graphql" (the server answers GraphQL on any path).
// It stops on SIGINT and SIGTERM.
//
// Settings that differ from Apollo Server's defaults, each for a reason:
// - introspection on, as our gateway has it by default (the interop test compares it);
// - no stack traces in errors and no landing page, whatever NODE_ENV says, so that the
//   answers do not depend on the environment.
import { readFile } from 'node:fs/promises';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';

function usage(msg) {
  process.stderr.write(`apollo-gateway: ${msg}\nusage: node apollo-gateway.mjs [--listen HOST:PORT] SUPERGRAPH_FILE\n`);
  process.exit(2);
}

let listen = '127.0.0.1:0';
let file = null;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--listen') {
    if (i + 1 >= argv.length) usage('--listen needs HOST:PORT');
    listen = argv[++i];
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

let supergraphSdl;
try {
  supergraphSdl = await readFile(file, 'utf8');
} catch (err) {
  process.stderr.write(`apollo-gateway: ${err.message}\n`);
  process.exit(1);
}
const server = new ApolloServer({
  gateway: new ApolloGateway({ supergraphSdl }),
  introspection: true,
  includeStacktraceInErrorResponses: false,
  plugins: [ApolloServerPluginLandingPageDisabled()],
});
const { url } = await startStandaloneServer(server, { listen: { host, port } });
process.stdout.write(`apollo gateway on ${new URL('/graphql', url)}\n`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await server.stop();
    process.exit(0);
  });
}
