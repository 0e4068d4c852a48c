# syntax=docker/dockerfile:1
# Sluice: build the packed artefact, then a slim runtime with production dependencies only, run as a non-root user.
# Config and policies are mounted at /etc/sluice (deploy/sluice.yaml, policies/); secrets come from the environment.
#   docker build -t sluice .
#   docker run -p 8080:8080 -v $PWD/deploy/sluice.yaml:/etc/sluice/sluice.yaml:ro -v $PWD/policies:/etc/sluice/policies:ro \
#     -e SLUICE_OIDC_ISSUER=… -e OPENAI_API_KEY=… -e ANTHROPIC_API_KEY=… -e SLUICE_INSPECTION_SECRET=… -e REDIS_URL=… sluice
# Debian 13 (glibc 2.41) lets Node 24 load the native uWS build; on older glibc the node:http engine runs (README).
# scripts/docker-steps.sh runs these steps without a Docker engine (docs/deploy.md).
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-trixie-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY asconfig.json tsconfig.json tsconfig.build.json sluice.yaml CHANGELOG.md README.md LICENSE ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY wasm ./wasm
COPY policies ./policies
COPY examples ./examples
COPY docs ./docs
COPY deploy ./deploy
# npm ci builds (prepare: tsc + asc); npm pack makes the same tarball operators install without Docker.
RUN npm ci --no-audit --no-fund
RUN npm pack --silent && mv sluice-*.tgz sluice.tgz

FROM node:${NODE_VERSION}-trixie-slim AS runtime
ENV NODE_ENV=production
WORKDIR /opt/sluice
COPY --from=build /src/sluice.tgz ./
RUN echo '{"name":"sluice-runtime","private":true}' > package.json \
 && npm install --omit=dev --no-audit --no-fund ./sluice.tgz \
 && rm sluice.tgz \
 && npm cache clean --force \
 && find node_modules -name 'uws_*.node' ! -name "uws_linux_$(node -p process.arch)_$(node -p process.versions.modules).node" -delete
RUN mkdir -p /etc/sluice/policies /var/lib/sluice/audit && chown -R node:node /var/lib/sluice
COPY deploy/sluice.yaml /etc/sluice/sluice.yaml
COPY policies /etc/sluice/policies
USER node
EXPOSE 8080
VOLUME ["/var/lib/sluice"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SLUICE_PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node is PID 1 and handles SIGTERM itself (graceful shutdown); no npm or shell in between.
ENTRYPOINT ["node", "/opt/sluice/node_modules/sluice/bin/sluice.js"]
CMD ["start", "--config", "/etc/sluice/sluice.yaml"]
