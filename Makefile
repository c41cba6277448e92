# The two commands a newcomer needs are `make run` and `make test`; see README.md.

GO        ?= go
BIN       := bin
# The subgraphs are found by the layout that schema/schema.go's table of subgraphs
# prescribes (subgraphs/NAME/cmd/NAME, subgraphs/NAME/graph); schema's TestTable checks
# that the tree and the table agree, so a new subgraph needs no line here.
COMMANDS  := ./gateway/cmd/gateway $(addprefix ./,$(wildcard subgraphs/*/cmd/*)) ./tools/devgraph
GENERATED := $(wildcard $(addprefix subgraphs/*/graph/,exec.go models.go federation.go))

.PHONY: run run-federation test generate check build bench web tooling lint clean

## run: the whole graph in one process on embedded Redis, seeded, on :4000
run:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory web; \
	  else echo "npm not found: the playground page will say how to build it"; fi
	$(GO) run ./tools/devgraph

## run-federation: the same graph, the gateway in federation mode over the subgraphs'
## composed supergraph (schema/supergraph.graphql) with its own query planner
run-federation:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory web; \
	  else echo "npm not found: the playground page will say how to build it"; fi
	$(GO) run ./tools/devgraph -federation

## test: every test, with the race detector (the browser and audit tests need `web` and
## `tooling`)
test: web tooling
	$(GO) test -race -count=1 ./...

## bench: every Go benchmark, with allocations, then the whole-graph load benchmark
## (tools/bench: two tables, every gateway with its defaults and deduplication off on
## every side; about twelve minutes in all; `go run ./tools/bench -h` for its settings, given as
## BENCHFLAGS="...", such as -peer for a gateway started by hand)
bench: tooling
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./tools/bench $(BENCHFLAGS)

## web: the playground's files (GraphiQL and React: tools/playground, at most 60 npm
## packages) from the npm registry into gateway/playground/dist, where the gateway embeds
## them at build time; never committed. `run`, `run-federation` and `build` install nothing
## more.
web: tools/playground/node_modules/.package-lock.json
	npm run --silent --prefix tools/playground build

## tooling: the tests' and the benchmark's Node tooling (tools/web: the graphql-http audit,
## the browser driver, Apollo and Hive Gateway, the clients), for `test` and `bench`
tooling: tools/web/node_modules/.package-lock.json

# npm ci is tried three times: a registry fetch fails now and then on this network (once
# seen as a TLS error on one package), and one such failure should not fail `make test`.
npm_ci = @for try in 1 2 3; do \
	  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix $(1) --no-audit --no-fund && exit 0; \
	  echo "npm ci --prefix $(1) failed (try $$try of 3)"; [ $$try = 3 ] || sleep 5; \
	done; exit 1

tools/playground/node_modules/.package-lock.json: tools/playground/package.json tools/playground/package-lock.json
	$(call npm_ci,tools/playground)

tools/web/node_modules/.package-lock.json: tools/web/package.json tools/web/package-lock.json
	$(call npm_ci,tools/web)

## generate: regenerate every subgraph's gqlgen code from schema/ and gqlgen.yml
generate:
	$(GO) run ./tools/generate

## check: formatting, vet, generated code in step with the schema, and no tracked file
## over 1 MiB (build output or data; lock files aside)
check:
	@big=$$(git ls-files -z | xargs -0 stat -c '%s %n' 2>/dev/null | \
	  awk '$$1 > 1048576 && $$2 !~ /(^|\/)(package-lock\.json|go\.sum)$$/ {print $$2}'); \
	  if [ -n "$$big" ]; then echo "tracked files over 1 MiB (build output? add it to .gitignore):"; echo "$$big"; exit 1; fi
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(MAKE) --no-print-directory lint
	$(GO) run ./tools/generate
	@git diff --exit-code -- $(GENERATED) || \
	  (echo "generated code is stale: run make generate and commit" && exit 1)

## lint: golangci-lint at the version tools/lint/go.mod pins, with .golangci.yml
lint:
	$(GO) tool -modfile=tools/lint/go.mod golangci-lint run ./...

## build: the three services and the launcher into bin/
build: web
	$(GO) build -o $(BIN)/ $(COMMANDS)

clean:
	rm -rf $(BIN)
