// Composes the running subgraphs into an Apollo Federation v2 supergraph with
// @apollo/composition: it asks each subgraph for `_service { sdl }`, composes the SDLs and
// writes the supergraph SDL, which Apollo Gateway and Hive Gateway serve
// (apollo-gateway.mjs, hive-gateway.mjs).
//
//   node compose.mjs [--out FILE] [--json] NAME=URL...
//
// Each NAME=URL is a subgraph's name and its GraphQL URL, which the supergraph routes to;
// the SDL is fetched from the same URL. The supergraph goes to FILE, or to stdout. With
// --json, stdout is one JSON report instead: {"subgraphs", "errors", "hints",
// "supergraph"}, where each error and hint is {"code", "message"} and supergraph is null
// when composition failed. FILE is written only when the exit status is 0.
//
// It exits 1 on any composition error and on any hint other than a description hint
// (INCONSISTENT_DESCRIPTION: the two subgraphs describe a shared type or field in other
// words), so that a subgraph change that composes only with hints is caught; 2 on bad
// arguments or a subgraph that does not answer.
import { writeFile } from 'node:fs/promises';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

// allowedHints are the hint codes that do not fail composition.
const allowedHints = new Set(['INCONSISTENT_DESCRIPTION']);

// fetchTimeout bounds each subgraph's answer, in milliseconds.
const fetchTimeout = 10_000;

function usage(msg) {
  process.stderr.write(`compose: ${msg}\nusage: node compose.mjs [--out FILE] [--json] NAME=URL...\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { out: null, json: false, subgraphs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') {
      if (i + 1 >= argv.length) usage('--out needs a file');
      opts.out = argv[++i];
    } else if (a === '--json') {
      opts.json = true;
    } else if (a.startsWith('-')) {
      usage(`unknown flag ${a}`);
    } else {
      const eq = a.indexOf('=');
      if (eq <= 0) usage(`${a}: want NAME=URL`);
      const name = a.slice(0, eq);
      const url = a.slice(eq + 1);
      try {
        new URL(url);
      } catch {
        usage(`${name}: ${url} is not a URL`);
      }
      if (opts.subgraphs.some((s) => s.name === name)) usage(`subgraph ${name} given twice`);
      opts.subgraphs.push({ name, url });
    }
  }
  if (opts.subgraphs.length === 0) usage('no subgraphs');
  return opts;
}

// serviceSDL asks the subgraph at url for its Federation SDL.
async function serviceSDL(name, url) {
  let resp;
  try {
    resp = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
      signal: AbortSignal.timeout(fetchTimeout),
    });
  } catch (err) {
    throw new Error(`subgraph ${name} (${url}): ${err.cause?.message ?? err.message}`);
  }
  const text = await resp.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`subgraph ${name}: HTTP ${resp.status}, not JSON: ${text.slice(0, 200)}`);
  }
  const sdl = body?.data?._service?.sdl;
  if (typeof sdl !== 'string' || body.errors?.length) {
    throw new Error(`subgraph ${name}: no _service { sdl } (HTTP ${resp.status}): ${text.slice(0, 500)}`);
  }
  return sdl;
}

const opts = parseArgs(process.argv.slice(2));
let services;
try {
  services = await Promise.all(
    opts.subgraphs.map(async ({ name, url }) => ({ name, url, typeDefs: parse(await serviceSDL(name, url)) })),
  );
} catch (err) {
  process.stderr.write(`compose: ${err.message}\n`);
  process.exit(2);
}

const result = composeServices(services);
const errors = (result.errors ?? []).map((e) => ({ code: e.extensions?.code ?? 'UNKNOWN', message: e.message }));
const hints = (result.hints ?? []).map((h) => ({ code: h.definition.code, message: h.message }));
const refused = hints.filter((h) => !allowedHints.has(h.code));
const supergraph = errors.length === 0 ? result.supergraphSdl : null;
// ok is whether the supergraph may be used: only then is it written out.
const ok = supergraph !== null && refused.length === 0;

if (ok && opts.out) {
  await writeFile(opts.out, supergraph);
}
if (opts.json) {
  const report = { subgraphs: opts.subgraphs, errors, hints, supergraph };
  process.stdout.write(JSON.stringify(report) + '\n');
} else {
  for (const e of errors) process.stderr.write(`error ${e.code}: ${e.message}\n`);
  for (const h of hints) {
    const verdict = allowedHints.has(h.code) ? 'hint' : 'refused hint';
    process.stderr.write(`${verdict} ${h.code}: ${h.message}\n`);
  }
  if (ok && !opts.out) process.stdout.write(supergraph);
}
if (!ok) {
  process.stderr.write(`compose: ${errors.length} errors, ${refused.length} refused hints\n`);
  process.exit(1);
}
