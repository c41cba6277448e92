// Runs the public GraphQL-over-HTTP server audit of the graphql-http package against a URL
// and prints the results as JSON. Exits 1 when any MUST or SHOULD audit fails, 2 on a usage
// or fatal error.
//
//   node audit.mjs http://127.0.0.1:8080/graphql
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}

const level = (name) => (name.startsWith('MUST') ? 'MUST' : name.startsWith('SHOULD') ? 'SHOULD' : 'MAY');
const audits = serverAudits({ url });
const results = [];
for (const audit of audits) {
  // One at a time: the results stay in order and the server sees no burst.
  const r = await audit.fn();
  const entry = { id: r.id, name: r.name, level: level(r.name), ok: r.status === 'ok' };
  if (!entry.ok) {
    entry.reason = r.reason;
    if (r.response) {
      entry.status = r.response.status;
      try {
        entry.body = (await r.response.text()).slice(0, 500);
      } catch {
        // The body may already have been read by the audit.
      }
    }
  }
  results.push(entry);
}

const counts = {};
for (const lvl of ['MUST', 'SHOULD', 'MAY']) {
  const of = results.filter((r) => r.level === lvl);
  counts[lvl] = { total: of.length, passed: of.filter((r) => r.ok).length };
}
const failed = results.filter((r) => !r.ok && r.level !== 'MAY');
console.log(JSON.stringify({ url, counts, failed: failed.length, results }, null, 2));
process.exit(failed.length > 0 ? 1 : 0);
