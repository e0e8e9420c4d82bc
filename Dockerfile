# Portcullis as a container: builds the plugin and runs `portcullis serve`.
# Run it with the plugin socket directory and the policies mounted from the host, e.g.
#   docker run -d --name portcullis --restart always \
#     -v /run/docker/plugins:/run/docker/plugins -v /etc/portcullis/policies:/etc/portcullis/policies:ro \
#     portcullis
# (Packaging as a managed plugin and a test against a real daemon come later.)
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json ./
COPY policies /etc/portcullis/policies
ENV PORTCULLIS_POLICIES=/etc/portcullis/policies
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
CMD ["serve"]
