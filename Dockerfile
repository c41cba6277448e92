# syntax=docker/dockerfile:1
#
# One image per service, all from this file: the build argument SERVICE (gateway, users or
# products; default gateway) selects the last stage, and BuildKit builds only the stages
# that one needs (the Node stage only for the gateway).
#
#   docker build --build-arg SERVICE=users -t fedgraph-users .
#
# Each image holds one static binary (CGO_ENABLED=0, -trimpath) and tools/healthcheck on
# distroless's static base, run as a numeric non-root user: there is no shell and no
# package manager, and only the gateway writes to the file system (its schema cache).
# Every setting comes from the environment (see README.md, "Configuration"); each image
# sets LISTEN_ADDR to its port on every interface, since the binaries listen on
# 127.0.0.1 by default, which nothing outside the container reaches. deploy/ tests this
# file with BuildKit's parser.

ARG GO_VERSION=1.26.8
ARG NODE_VERSION=22
ARG SERVICE=gateway

# GraphiQL's files for the gateway's playground, from the npm registry, exactly as
# `make web` gets them: npm ci on tools/playground's committed lock file (GraphiQL and
# React alone; the test tooling in tools/web stays out), then its build.mjs. They are
# architecture-independent, so this stage runs on the build machine's platform.
FROM --platform=$BUILDPLATFORM node:${NODE_VERSION}-slim AS web
WORKDIR /src/tools/playground
COPY tools/playground/package.json tools/playground/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY tools/playground/build.mjs ./
RUN node build.mjs /dist

# The Go sources (.dockerignore admits only what the binaries compile), cross-compiled on
# the build machine for the target platform.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
ARG TARGETOS
ARG TARGETARCH
ENV CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH
WORKDIR /src
COPY . .

FROM build AS build-gateway
# The gateway embeds these at compile time (gateway/playground, //go:embed all:dist).
COPY --from=web /dist/ gateway/playground/dist/
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/gateway ./gateway/cmd/gateway
# The schema cache's directory, for the image to copy with its user as owner.
RUN mkdir -p /out/cache/fedgraph

FROM build AS build-users
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/users ./subgraphs/users/cmd/users

FROM build AS build-products
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/products ./subgraphs/products/cmd/products

FROM build AS build-healthcheck
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/healthcheck ./tools/healthcheck

# What every image shares. The user is numeric (distroless's nonroot, 65532) so that
# Kubernetes can verify runAsNonRoot without a passwd lookup.
FROM gcr.io/distroless/static-debian12:nonroot AS runtime
COPY --from=build-healthcheck /out/healthcheck /usr/local/bin/healthcheck
USER 65532:65532

FROM runtime AS gateway
COPY --from=build-gateway /out/gateway /usr/local/bin/gateway
# The directory of SCHEMA_CACHE_DIR, owned by the user the gateway runs as. It is
# copied as an entry of /out/cache/, so that --chown applies to it; a volume mounted on
# it (compose.yaml) takes its owner from it.
COPY --from=build-gateway --chown=65532:65532 /out/cache/ /var/cache/
ENV LISTEN_ADDR=0.0.0.0:4000 SCHEMA_CACHE_DIR=/var/cache/fedgraph
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/healthcheck", "http://127.0.0.1:4000/readyz"]
ENTRYPOINT ["/usr/local/bin/gateway"]

FROM runtime AS users
COPY --from=build-users /out/users /usr/local/bin/users
ENV LISTEN_ADDR=0.0.0.0:4001
EXPOSE 4001
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/healthcheck", "http://127.0.0.1:4001/readyz"]
ENTRYPOINT ["/usr/local/bin/users"]

FROM runtime AS products
COPY --from=build-products /out/products /usr/local/bin/products
ENV LISTEN_ADDR=0.0.0.0:4002
EXPOSE 4002
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/healthcheck", "http://127.0.0.1:4002/readyz"]
ENTRYPOINT ["/usr/local/bin/products"]

FROM ${SERVICE}
