# syntax=docker/dockerfile:1
# The Agentry API and worker image (one image, two roles: AGENTRY_ROLES=api | worker | api,worker).
# Build from the repository root:  docker build -f deploy/docker/api.Dockerfile -t agentry-api .
# The API runs compiled JavaScript (apps/api/dist, bundled by esbuild in the build stage: a start
# does not transpile TypeScript); the runtime stage holds dist, the migrations and the production
# dependencies only.

ARG NODE_IMAGE=node:24-bookworm-slim

# ── build: every dependency of the API workspace (esbuild is a dev dependency), then dist/ ────────
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The manifests first, so a source change does not re-run npm ci.
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY apps/api/package.json apps/api/
COPY apps/web/package.json apps/web/
RUN npm ci --workspace @agentry/api --no-audit --no-fund
COPY tsconfig.base.json ./
COPY packages/contracts ./packages/contracts
COPY apps/api/tsconfig.json ./apps/api/
COPY apps/api/scripts ./apps/api/scripts
# The build packs a migrated embedded database (dist/pglite-template.tar.gz): it reads the migrations.
COPY apps/api/drizzle ./apps/api/drizzle
COPY apps/api/src ./apps/api/src
RUN npm run build -w @agentry/api

# ── deps: production dependencies of the API workspace only, exactly as locked ─────────────────
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY apps/api/package.json apps/api/
COPY apps/web/package.json apps/web/
# Native modules (@node-rs/bcrypt, msgpackr-extract) ship prebuilt binaries for glibc, so no
# compiler is installed.
# npm nests a package under apps/api/node_modules when versions clash: that folder is copied too.
RUN npm ci --omit=dev --workspace @agentry/api --no-audit --no-fund \
  && mkdir -p apps/api/node_modules && npm cache clean --force

# ── runtime: compiled API + migrations + production node_modules, as the unprivileged `node` user ─
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/var/lib/agentry \
    AUTO_MIGRATE=false
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=deps --chown=root:root /app/apps/api/node_modules ./apps/api/node_modules
COPY --chown=root:root package.json package-lock.json ./
# @agentry/contracts is bundled into dist; its manifest keeps the workspace link npm made resolvable.
COPY --chown=root:root packages/contracts/package.json ./packages/contracts/
COPY --chown=root:root apps/api/package.json ./apps/api/
COPY --from=build --chown=root:root /app/apps/api/dist ./apps/api/dist
# Read at run time from the package folder (migrations are applied by `db migrate` or AUTO_MIGRATE).
COPY --chown=root:root apps/api/drizzle ./apps/api/drizzle
# The code is owned by root and read-only to the process; only DATA_DIR (local file storage, when
# STORAGE_DRIVER=local) is the process's own, created 0700.
RUN mkdir -p /var/lib/agentry && chown node:node /var/lib/agentry && chmod 0700 /var/lib/agentry
USER node
WORKDIR /app/apps/api
EXPOSE 8000
# Liveness only (/health); readiness (/health/ready) is the orchestrator's probe, so a Redis blip
# does not make Docker restart every replica.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT||8000}/health`).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node itself is PID 1's child-free main process (no npm wrapper): SIGTERM reaches the server,
# which ends streams, finishes in-flight requests and stops its workers (SHUTDOWN_GRACE_MS).
# Same command as deploy/start-commands.json (the cluster test starts its processes with it).
# Migrations: run this image with `node dist/cli/index.js db migrate`.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
