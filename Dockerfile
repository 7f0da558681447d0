# Multi-stage build of the aomas binary with the SPA embedded and the ONNX Runtime CPU library
# beside it. docker-compose.yml and the Helm chart (deploy/helm/aomas) run this one image as
# `aomas serve`, `aomas worker` and `aomas migrate up`; cmd/aomas/deploy_test.go checks the
# three against each other and against the binary's own flags and settings.
FROM node:20-bookworm-slim AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
# codegen.ts reads the schema from ../graph/schema; vite writes ../internal/web/dist.
COPY graph/schema /src/graph/schema
RUN mkdir -p /src/internal/web/dist && npm run build

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=web /src/internal/web/dist /src/internal/web/dist
ARG VERSION=docker
ARG COMMIT=unknown
# cgo: onnxruntime_go loads the library through dlopen.
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/aomas ./cmd/aomas

# The ONNX Runtime CPU library from the npm package scripts/ort.sh uses, at its version.
FROM node:20-bookworm-slim AS ort
ARG ORT_VERSION=1.29.0
RUN cd /tmp && npm pack onnxruntime-node@${ORT_VERSION} && tar -xzf onnxruntime-node-${ORT_VERSION}.tgz \
      package/bin/napi-v6/linux/x64/libonnxruntime.so.1 && \
    mkdir -p /out && mv package/bin/napi-v6/linux/x64/libonnxruntime.so.1 /out/

FROM debian:bookworm-slim
# The chart runs the pods as this user (podSecurityContext.runAsUser); the data and model
# cache folders are where AOMAS_DATA_DIR and worker --model-cache point.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 aomas \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/aomas --create-home aomas \
    && install -d -o aomas -g aomas /var/cache/aomas/models
COPY --from=build /out/aomas /usr/local/bin/aomas
COPY --from=ort /out/libonnxruntime.so.1 /usr/local/lib/onnxruntime/libonnxruntime.so.1
ENV AOMAS_ORT_LIB=/usr/local/lib/onnxruntime/libonnxruntime.so.1 \
    AOMAS_LISTEN=0.0.0.0:8080 \
    AOMAS_DATA_DIR=/var/lib/aomas \
    AOMAS_LOG_FORMAT=json
USER 10001:10001
EXPOSE 8080 9090
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["aomas"]
CMD ["serve"]
