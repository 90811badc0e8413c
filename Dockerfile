# optline: multi-stage build on Node 24; the app runs its TypeScript directly (type stripping, no build).
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; the `node` devDependency (Node 24 for npm scripts) is not needed here.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:24-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY views ./views
COPY public ./public
COPY config ./config
# The embedded database lives under /app/data: mount a volume there to keep signups.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Same as `npm start` (its Node flags included: see docs/deploy.md), without npm in between so signals reach Node
# directly.
CMD ["node", "--v8-pool-size=1", "src/server.ts"]
