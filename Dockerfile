# The gitgrant GitHub App as a container: Node's current LTS, production dependencies only,
# running as the unprivileged "node" user, with a health check on GET /healthz.
#   docker build -t gitgrant .
#   docker run -p 3000:3000 -e APP_ID=... -e PRIVATE_KEY="$(cat key.pem)" -e WEBHOOK_SECRET=... gitgrant
# Credentials come from the environment (or the platform's secret store), never the image.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY schemas ./schemas
# --ignore-scripts: the build is the next line, not prepare (and no dependency script runs).
RUN npm ci --ignore-scripts --no-audit --no-fund && npx tsc -p tsconfig.build.json

FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
COPY templates ./templates
COPY app.yml ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node_modules/.bin/probot", "run", "./dist/app/index.js"]
