# The vipsync worker image (used by docker-compose.yml). It runs the compiled JavaScript
# (npm run build -> dist/), not the TypeScript sources through tsx: ~60 MB less memory per process.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
# Scripts later: the sources they build are not copied yet.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run generate && npm run build
# The worker's heap: a sync holds pages and batches, not the dataset, and without a limit V8 grows
# the heap with the allocation rate (a 1M-contact sync: ~1 GB of RSS). 384 MB costs no GC time
# (npm run bench at 100k, measured while the worker still buffered 5,000 records a walk: GC pauses
# 15% of the worker's CPU, 18% uncapped; a 256 MB cap: 26%).
# Young generation: 4 MB semi-spaces instead of V8's 16 MB (npm run bench at 100k with today's
# smaller batches, two runs each: peak RSS 252/248 MB instead of 282/282; GC pauses 15-16% of
# the worker's CPU instead of 11%).
# npm run bench runs its worker with these same options.
ENV NODE_OPTIONS="--max-old-space-size=384 --max-semi-space-size=4"
USER node
ENTRYPOINT ["node", "dist/cli/run.js"]
CMD ["worker"]
