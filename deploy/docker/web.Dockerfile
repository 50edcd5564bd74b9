# syntax=docker/dockerfile:1
# The Agentry web app image (Next.js: pages and the BFF that talks to the API at API_URL).
# Build from the repository root:  docker build -f deploy/docker/web.Dockerfile -t agentry-web .

ARG NODE_IMAGE=node:24-bookworm-slim

# ── build: every dependency (TypeScript, Tailwind are dev dependencies), then `next build` ─────
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY apps/api/package.json apps/api/
COPY apps/web/package.json apps/web/
RUN npm ci --workspace @agentry/web --no-audit --no-fund
# Every tsconfig.json extends the root tsconfig.base.json (next build type-checks with it).
COPY tsconfig.base.json ./
COPY packages/contracts ./packages/contracts
COPY apps/web ./apps/web
ENV NEXT_TELEMETRY_DISABLED=1
RUN npm run build --workspace @agentry/web

# ── deps: production dependencies only, for the runtime stage ─────────────────────────────────
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY apps/api/package.json apps/api/
COPY apps/web/package.json apps/web/
# npm nests a package under apps/web/node_modules when versions clash: that folder is copied too.
RUN npm ci --omit=dev --workspace @agentry/web --no-audit --no-fund \
  && mkdir -p apps/web/node_modules && npm cache clean --force

# ── runtime: the build output + production node_modules, as the unprivileged `node` user ──────
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    API_URL=http://api:8000
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=deps --chown=root:root /app/apps/web/node_modules ./apps/web/node_modules
COPY --chown=root:root package.json ./
COPY --chown=root:root packages/contracts ./packages/contracts
COPY --chown=root:root apps/web/package.json apps/web/next.config.ts apps/web/tsconfig.json ./apps/web/
COPY --from=build --chown=root:root /app/apps/web/.next ./apps/web/.next
# Next.js writes its image and fetch caches under .next/cache at run time: the only writable path.
RUN mkdir -p apps/web/.next/cache && chown -R node:node apps/web/.next/cache
USER node
WORKDIR /app/apps/web
EXPOSE 3000
# /login is a public page: it answers 200 without a session once the server renders.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT||3000}/login`).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# next directly (no npm wrapper, no shell); it listens on every interface of the container (its
# default) and on $PORT. SIGTERM reaches the server. Same command as deploy/start-commands.json.
STOPSIGNAL SIGTERM
CMD ["node", "../../node_modules/next/dist/bin/next", "start"]
