// Package interop checks the graph against the Apollo Federation v2 tooling that teams
// run beside or instead of our gateway. Its tests, on real HTTP and loopback only:
//
//   - compose the running subgraphs' `_service { sdl }` with @apollo/composition
//     (tools/web/compose.mjs) and fail on any composition error and on any hint but a
//     description hint;
//   - check that compose.mjs itself refuses what it must, on hand-written Federation v2
//     fixtures (testdata/);
//   - serve the composed supergraph with Apollo Gateway (tools/web/apollo-gateway.mjs)
//     over the same subgraphs as our gateway, and run the gateway's differential corpus
//     (internal/corpus) through both: the data must be identical, key order included,
//     and the errors at the same paths, except where a case says why not;
//   - run the graph's operations through Apollo Client and urql (tools/web/clients.mjs),
//     as frontends send them: the clients must see the gateway's own data, the errors'
//     codes, and the HTTP exchanges of their protocols (GET, automatic persisted queries
//     over POST and GET, a persisted document by hash, compressed answers).
//
// The Node packages come from the npm registry at test time (internal/webtest runs
// `npm ci` in tools/web when they are missing); nothing of them is committed. The
// package holds tests only.
package interop
