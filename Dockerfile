# Production image: installs from the lockfile, applies migrations at start, runs Jalon.
# Configure with PUBLIC_URL (https, as the LMS sees it), DATABASE_URL (PostgreSQL) and a
# volume for DATA_DIR (instance secrets; the embedded database if DATABASE_URL is unset).
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    TRUST_PROXY=loopback,linklocal,uniquelocal
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY config ./config
COPY drizzle ./drizzle
COPY public ./public
COPY views ./views
COPY src ./src
COPY types ./types
COPY tsconfig.json ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--import", "tsx", "src/main.ts"]
