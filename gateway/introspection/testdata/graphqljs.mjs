// Answers a corpus of introspection queries with graphql-js, for the differential test in
// graphqljs_test.go.
//
// Usage: node graphqljs.mjs <path of graphql's index.mjs> < corpus.json > results.json
//
// The corpus is {"schemas": {name: sdl}, "cases": [{name, schema, query, introspection,
// variables, operationName}]}, where a case gives either query or introspection, the
// options of getIntrospectionQuery. The results are [{name, query, result}] in corpus
// order; query is the text executed, so the Go side runs the very same document.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const graphqlPath = process.argv[2];
if (!graphqlPath) {
  process.stderr.write('usage: node graphqljs.mjs <graphql index.mjs> < corpus.json\n');
  process.exit(2);
}
const { buildSchema, getIntrospectionQuery, graphqlSync, version } = await import(
  pathToFileURL(graphqlPath).href
);

const corpus = JSON.parse(readFileSync(0, 'utf8'));
const schemas = {};
for (const [name, sdl] of Object.entries(corpus.schemas)) {
  schemas[name] = buildSchema(sdl);
}

const results = corpus.cases.map((c) => {
  const query = c.query ?? getIntrospectionQuery(c.introspection);
  const result = graphqlSync({
    schema: schemas[c.schema],
    source: query,
    variableValues: c.variables ?? undefined,
    operationName: c.operationName ?? undefined,
  });
  return { name: c.name, query, result: JSON.parse(JSON.stringify(result)) };
});

process.stdout.write(JSON.stringify({ version, results }));
