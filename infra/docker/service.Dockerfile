# One image for the four services (the monorepo is small); SERVICE picks the entry point.
FROM node:24-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps apps
COPY libs libs
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
# `docker compose exec submission npm run -s token -- admin` mints a token inside the stack.
COPY tools/token.ts tools/token.ts
COPY --chmod=755 infra/docker/entrypoint.sh /usr/local/bin/aap-entrypoint
ARG SERVICE
ENV SERVICE=${SERVICE} HOST=0.0.0.0 NODE_ENV=production
# Not root: the image's own unprivileged user (uid 1000), which also owns the compose JWT secret file.
USER node
ENTRYPOINT ["aap-entrypoint"]
CMD ["sh", "-c", "exec node --import tsx apps/${SERVICE}-service/src/main.ts"]
