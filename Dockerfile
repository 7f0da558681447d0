# Multi-stage build of the aomas binary with the SPA embedded. Production-like deployments
# run the same image as `aomas serve` and `aomas worker` (see docker-compose.yml).
FROM node:20-bookworm-slim AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
COPY graph/schema /src/graph/schema
RUN mkdir -p /src/internal/web/dist && npm run build

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=web /src/internal/web/dist /src/internal/web/dist
ARG VERSION=docker
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/aomas ./cmd/aomas

# The ONNX Runtime CPU library comes from the same npm package the Makefile uses.
FROM node:20-bookworm-slim AS ort
RUN cd /tmp && npm pack onnxruntime-node@1.29.0 && tar -xzf onnxruntime-node-1.29.0.tgz \
      package/bin/napi-v6/linux/x64/libonnxruntime.so.1 && \
    mkdir -p /out && mv package/bin/napi-v6/linux/x64/libonnxruntime.so.1 /out/

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/aomas --create-home aomas
COPY --from=build /out/aomas /usr/local/bin/aomas
COPY --from=ort /out/libonnxruntime.so.1 /usr/local/lib/onnxruntime/libonnxruntime.so.1
ENV AOMAS_ORT_LIB=/usr/local/lib/onnxruntime/libonnxruntime.so.1 \
    AOMAS_LISTEN=0.0.0.0:8080 \
    AOMAS_DATA_DIR=/var/lib/aomas \
    AOMAS_LOG_FORMAT=json
USER aomas
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["aomas"]
CMD ["serve"]
