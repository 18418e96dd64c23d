# Buy-again prediction service: a build stage compiles TypeScript, the runtime stage holds only
# production dependencies, dist/ and models/, and runs node directly as a non-root user. The image also
# holds the file scorer (`node scripts/score.js`, what `npm run score` runs) for batch jobs such as
# deploy/kubernetes/jobs/score-job.yaml, and the model-versions CLI (`node scripts/models.js`, what
# `npm run models` runs) to promote or roll back on a shared models volume.
# Elsewhere this builds from Docker Hub's node image; on machines without Docker Hub pass a local
# stand-in: docker build --build-arg NODE_IMAGE=local/node:20 ... (see docs/operations.md, "The image").
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Lockfile first: the dependency layer is reused until package*.json change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.cli.json ./
COPY src ./src
RUN npm run build
# The scorer and model-versions CLIs with the src/ modules they import, compiled beside them (scripts/ and src/ under /cli), so
# in the runtime stage src/artefact/models-root.js finds /app/models as in the repository.
COPY scripts ./scripts
RUN npx tsc -p tsconfig.cli.json --outDir /cli

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# The package has no install/prepare scripts, and the only dependency with one (esbuild, dev-only, for
# tsx) is not installed here, so a plain production install is safe. The wasm backend reads its .wasm
# files from node_modules at run time: the check makes a build that lost them fail here, not at start-up.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && ls node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm \
       node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm \
       node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm
COPY --from=build /app/dist ./dist
COPY --from=build /cli/ ./
COPY models ./models
# Files stay owned by root and read-only to the service user; nothing is written at run time, so the
# container also runs with a read-only root filesystem (docker run --read-only, Kubernetes
# readOnlyRootFilesystem). The user is the image's `node` user given by number: Kubernetes'
# runAsNonRoot can only verify a numeric user.
USER 1000:1000
EXPOSE 3000
# Slim images have no curl: node's fetch asks the readiness probe (503 while starting or draining).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:${PORT:-3000}/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# node itself is PID 1 (not npm, not a shell), so docker stop's SIGTERM reaches the server's handler.
CMD ["node", "dist/server.js"]
