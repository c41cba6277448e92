// Copies the GraphiQL playground's files (GraphiQL and the React 18 UMD builds it needs) from
// this package's node_modules into gateway/playground/dist, where the gateway embeds them at
// build time. `make web` runs it after `npm ci` here.
//
//   node build.mjs [outdir]     (default: ../../gateway/playground/dist)
//
// The file names must match playground.Files() in gateway/playground/playground.go, and the
// packages named by pkgDir below must be exactly package.json's dependencies
// (gateway/playground's TestPlaygroundPackage checks both the list and its size).
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const out = resolve(process.argv[2] ?? join(here, '..', '..', 'gateway', 'playground', 'dist'));

function pkgDir(name) {
  return dirname(require.resolve(`${name}/package.json`));
}

const files = [
  [join(pkgDir('react'), 'umd', 'react.production.min.js'), 'react.production.min.js'],
  [join(pkgDir('react-dom'), 'umd', 'react-dom.production.min.js'), 'react-dom.production.min.js'],
  [join(pkgDir('graphiql'), 'graphiql.min.js'), 'graphiql.min.js'],
  [join(pkgDir('graphiql'), 'graphiql.min.css'), 'graphiql.min.css'],
  [join(pkgDir('graphiql'), 'LICENSE'), 'LICENSE.graphiql.txt'],
  [join(pkgDir('react'), 'LICENSE'), 'LICENSE.react.txt'],
];

await mkdir(out, { recursive: true });
for (const [src, name] of files) {
  const dst = join(out, name);
  await copyFile(src, dst);
  const { size } = await stat(dst);
  console.log(`${name}\t${size} bytes`);
}
console.log(`playground assets written to ${out}`);
