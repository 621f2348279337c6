# syntax=docker/dockerfile:1
# Rotor's production image: compiled JavaScript, production dependencies only, running as the
# unprivileged `node` user with NODE_ENV=production (which refuses the embedded store, an
# ephemeral key and insecure cookies). Built by docker-compose.yml; see the README's deployment
# section for the variables.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, so a source change reuses the npm ci layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY plugins ./plugins
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# Owned by root and read-only to `node`: the process cannot change its own code.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The Redis store reads its Lua scripts from src/store/lua at start.
COPY --from=build /app/src/store/lua ./src/store/lua
USER node
EXPOSE 3000
# /ready answers 503 while Redis is unreachable, so the container shows unhealthy during an outage.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself as the command (not npm), so SIGTERM reaches the server's graceful shutdown.
CMD ["node", "dist/src/server.js"]
