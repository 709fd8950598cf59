# One image for the four services (the monorepo is small); SERVICE picks the entry point.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps apps
COPY libs libs
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
ARG SERVICE
ENV SERVICE=${SERVICE} HOST=0.0.0.0 NODE_ENV=production
CMD ["sh", "-c", "exec node --import tsx apps/${SERVICE}-service/src/main.ts"]
