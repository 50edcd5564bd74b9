# syntax=docker/dockerfile:1
# The Agentry API and worker image (one image, two roles: AGENTRY_ROLES=api | worker | api,worker).
# Build from the repository root:  docker build -f deploy/docker/api.Dockerfile -t agentry-api .
# The API runs its TypeScript through tsx (a runtime dependency), so there is no compile step: the
# build stage only installs the production dependencies from the lock file.

ARG NODE_IMAGE=node:24-bookworm-slim

# ── deps: production dependencies of the API workspace only, exactly as locked ─────────────────
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# The manifests first, so a source change does not re-run npm ci.
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY apps/api/package.json apps/api/
COPY apps/web/package.json apps/web/
# Native modules (@node-rs/bcrypt, msgpackr-extract) ship prebuilt binaries for glibc, so no
# compiler is installed.
# npm nests a package under apps/api/node_modules when versions clash: that folder is copied too.
RUN npm ci --omit=dev --workspace @agentry/api --no-audit --no-fund \
  && mkdir -p apps/api/node_modules && npm cache clean --force

# ── runtime: sources + production node_modules, run as the unprivileged `node` user ───────────
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
COPY --chown=root:root packages/contracts ./packages/contracts
COPY --chown=root:root apps/api/package.json apps/api/tsconfig.json ./apps/api/
COPY --chown=root:root apps/api/src ./apps/api/src
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
# Migrations: run this image with `node --import tsx src/cli/index.ts db migrate`.
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "src/main.ts"]
