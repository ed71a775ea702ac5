# One image, several entrypoints: `operator`, `router`, `simulator`, `rag`.
# Node 24 LTS (Node 20 reached end of life in April 2026); the same major hack/ensure-node.sh installs for the tests.
FROM node:24-bookworm-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Exactly the committed lockfile; fails instead of silently resolving something else.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
USER node
ENTRYPOINT ["node", "dist/main.js"]
CMD ["operator"]
