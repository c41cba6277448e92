# The two commands a newcomer needs are `make run` and `make test`; see README.md.

GO        ?= go
BIN       := bin
COMMANDS  := ./gateway/cmd/gateway ./subgraphs/users/cmd/users ./subgraphs/products/cmd/products ./tools/devgraph
GENERATED := subgraphs/users/graph/exec.go subgraphs/users/graph/models.go \
             subgraphs/users/graph/federation.go \
             subgraphs/products/graph/exec.go subgraphs/products/graph/models.go \
             subgraphs/products/graph/federation.go

.PHONY: run test generate check build bench web clean

## run: the whole graph in one process on embedded Redis, seeded, on :4000
run:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory web; \
	  else echo "npm not found: the playground page will say how to build it"; fi
	$(GO) run ./tools/devgraph

## test: every test, with the race detector (the browser and audit tests need `web`)
test: web
	$(GO) test -race -count=1 ./...

## bench: every Go benchmark, with allocations, then the whole-graph load benchmark
## (tools/bench: our gateway against plain nautilus and the products subgraph, about a
## minute; `go run ./tools/bench -h` for its settings)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./tools/bench

## web: GraphiQL's files from the npm registry into gateway/playground/dist, where the
## gateway embeds them at build time; never committed
web: tools/web/node_modules/.package-lock.json
	npm run --silent --prefix tools/web build

tools/web/node_modules/.package-lock.json: tools/web/package.json tools/web/package-lock.json
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tools/web --no-audit --no-fund

## generate: regenerate both subgraphs' gqlgen code from schema/ and gqlgen.yml
generate:
	$(GO) run ./tools/generate

## check: formatting, vet, and generated code in step with the schema
check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run ./tools/generate
	@git diff --exit-code -- $(GENERATED) || \
	  (echo "generated code is stale: run make generate and commit" && exit 1)

## build: the three services and the launcher into bin/
build: web
	$(GO) build -o $(BIN)/ $(COMMANDS)

clean:
	rm -rf $(BIN)
