# Portcullis as a container image: builds the plugin and runs `portcullis serve`.
# Do not run it as a container of the dockerd it guards (anyone allowed to exec into or stop
# containers could turn the gate off; see README "Known limitations"): run it on another engine,
# or better as a host service. Packaging as a managed plugin comes later. Example, elsewhere:
#   docker run -d --name portcullis --restart always \
#     -v /run/docker/plugins:/run/docker/plugins -v /etc/portcullis/policies:/etc/portcullis/policies:ro \
#     portcullis
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
