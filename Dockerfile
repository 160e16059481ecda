# egresswatch image for compose.yaml's collector and worker (ENTRYPOINT is the CLI; the
# compose command picks the role). Debian slim, not Alpine: chDB ships glibc binaries only.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# The SDK workspace (npm workspaces, packages/*): `npm ci` links it into node_modules and the
# prepare script builds it first, since the server imports its shared code (route templates,
# vendor catalog, wire contract). Its sources only: packages/sdk/dist is built here.
COPY packages/sdk/package.json packages/sdk/tsconfig.json ./packages/sdk/
COPY packages/sdk/src ./packages/sdk/src
# Sources before `npm ci`: its prepare script compiles them (tsc -p tsconfig.build.json). One
# line per folder of tsconfig.build.json's include (test/unit/dashboards/compose.test.ts checks).
COPY bin ./bin
COPY common ./common
COPY queue ./queue
COPY storage ./storage
COPY collector ./collector
COPY sdk-compat ./sdk-compat
COPY detectors ./detectors
COPY alerts ./alerts
COPY app ./app
COPY dashboards ./dashboards
COPY cli ./cli
COPY examples ./examples
COPY bench ./bench
# The image runs against a ClickHouse server (compose.yaml): the embedded engine, chDB (an
# optional dependency of ~550 MB), is neither downloaded nor kept; the build compiles without it
# (storage/chdb-module.ts).
RUN npm ci --omit=optional --no-audit --no-fund && npm prune --omit=dev --omit=optional --no-audit --no-fund

FROM node:20-slim
# MALLOC_ARENA_MAX: glibc gives each thread that mallocs an arena of its own (up to 8 per core)
# and keeps their freed pages; Node's threads (decode worker, libuv pool, GC helpers) each get
# one. Under bench:soak two arenas held 5-11 MB where the default held 15-26 (median 7 against 18
# in one 20-minute run; bench/RESULTS.md, 2026-12-05). glibc reads it only when the process
# starts, so it is set here; compose.yaml's collector and worker inherit it from the image.
ENV NODE_ENV=production \
    EGRESSWATCH_DATA_DIR=/var/lib/egresswatch \
    MALLOC_ARENA_MAX=2
WORKDIR /app
# Data files (migrations, runbooks, vendor catalog) are read from the package root, so the
# sources stay next to dist/.
COPY --from=build /app /app
RUN mkdir -p /var/lib/egresswatch && chown node:node /var/lib/egresswatch
USER node
EXPOSE 4318
ENTRYPOINT ["node", "bin/egresswatch.js"]
CMD ["collector"]
