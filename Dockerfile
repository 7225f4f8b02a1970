# ---------------------------------------------------------------------------
# Build stage: the full Rust toolchain is only needed to compile, so it lives
# in a throwaway stage and never reaches the runtime image. `--locked` makes
# the build use exactly the versions pinned in Cargo.lock.
# ---------------------------------------------------------------------------
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin plait

# ---------------------------------------------------------------------------
# Runtime stage: a slim Debian of the same release as the build image (so the
# glibc the binary was linked against is present), holding just the binary,
# its default config and CA certificates. It runs as an unprivileged user
# whose only writable place is the /data volume.
# ---------------------------------------------------------------------------
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 plait \
    && useradd --system --uid 10001 --gid plait --no-create-home \
       --home-dir /data --shell /usr/sbin/nologin plait \
    && mkdir -p /data \
    && chown plait:plait /data

COPY --from=build /src/target/release/plait /usr/local/bin/plait
COPY --from=build /src/config/plait.toml /etc/plait/plait.toml

# Listen on all interfaces inside the container and keep data on the volume. Beyond loopback the
# server refuses to start without an API key: run the image with PLAIT_API_KEY set (or
# PLAIT_ALLOW_UNAUTHENTICATED=true on a private network).
ENV PLAIT_HOST=0.0.0.0 \
    PLAIT_DATA_DIR=/data

USER plait
VOLUME ["/data"]
EXPOSE 8080

# The binary ships its own HTTP probe, so no curl/wget is needed in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["plait", "healthcheck", "--url", "http://127.0.0.1:8080/livez"]

# SIGTERM triggers a graceful shutdown that checkpoints collections.
STOPSIGNAL SIGTERM

ENTRYPOINT ["plait"]
CMD ["serve", "--config", "/etc/plait/plait.toml"]
