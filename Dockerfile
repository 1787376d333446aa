# syntax=docker/dockerfile:1
#
# arca-api: one static-ish Rust binary on Debian 12 slim.
#
#   docker build -t arca-api .            (or: podman build -t arca-api .)
#   docker run -p 3000:3000 -v arca-data:/data arca-api
#
# Stages:
#   recipe   - only the Cargo manifests and the lock file, with fixed timestamps, so the
#              dependency layer below is rebuilt only when they change;
#   builder  - the pinned toolchain (rust-toolchain.toml: 1.95.0) builds the dependencies
#              against empty stand-ins of our crates, then the real sources, with
#              `cargo build --release --locked`;
#   runtime  - debian:bookworm-slim with libssl3, ca-certificates and curl (for HEALTHCHECK),
#              a non-root user, the binary, nothing else.
# The build reads nothing outside this repository (the ARCA test data under testdata/ is read
# by tests only).

ARG RUST_IMAGE=docker.io/library/rust:1.95.0-slim-bookworm
ARG RUNTIME_IMAGE=docker.io/library/debian:bookworm-slim

# --- recipe -------------------------------------------------------------------------------
FROM ${RUST_IMAGE} AS recipe
WORKDIR /src
COPY . .
# Every Cargo.toml, Cargo.lock and rust-toolchain.toml, as a tar with fixed metadata: the same
# manifests give byte-identical recipe.tar, whatever the checkout's timestamps.
RUN find . -path ./target -prune -o \( -name Cargo.toml -o -name Cargo.lock -o -name rust-toolchain.toml \) -print \
      | LC_ALL=C sort \
      | tar --create --file /recipe.tar --no-recursion --mtime=@0 --owner=0 --group=0 --numeric-owner --files-from=-

# --- builder ------------------------------------------------------------------------------
FROM ${RUST_IMAGE} AS builder
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pkg-config libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY --from=recipe /recipe.tar /recipe.tar
# Dependencies only: our crates are empty stand-ins here (a lib.rs per crate, main.rs and the
# integration test's root for the binary package), so this layer stays cached while only our
# sources change.
RUN tar --extract --file /recipe.tar \
 && for manifest in crates/*/Cargo.toml; do \
      mkdir -p "$(dirname "$manifest")/src" && touch "$(dirname "$manifest")/src/lib.rs"; \
    done \
 && mkdir -p src tests && echo 'fn main() {}' > src/main.rs && touch tests/integration.rs \
 && cargo build --release --locked --bin arca-api \
 && rm -rf src tests crates
COPY . .
# The real sources are older than the stand-ins' build: touch them so cargo rebuilds our crates.
RUN find src crates tests -name '*.rs' -exec touch {} + \
 && cargo build --release --locked --bin arca-api \
 && cp target/release/arca-api /arca-api \
 && /arca-api --version

# --- runtime ------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libssl3 ca-certificates curl \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
 && groupadd --gid 10001 arca \
 && useradd --uid 10001 --gid arca --home-dir /data --no-create-home --shell /usr/sbin/nologin arca \
 && mkdir -p /data/simulator-ca \
 && chown -R arca:arca /data
COPY --from=builder /arca-api /usr/local/bin/arca-api
# DATA_DIR holds the SQLite file (zero-setup mode), generated secrets (simulator mode only),
# the simulator's CA and the demo certificate. Production runs on PostgreSQL and keeps nothing
# here that matters, but the volume makes the zero-setup mode survive a restart.
ENV HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    LOG_FORMAT=json \
    SIMULATOR_CA_DIR=/data/simulator-ca
WORKDIR /data
VOLUME ["/data"]
USER arca:arca
EXPOSE 3000
# /health answers 503 when a required dependency (database, Redis when configured) is down.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD curl --fail --silent --show-error --max-time 4 "http://127.0.0.1:${PORT}/health" > /dev/null || exit 1
CMD ["arca-api", "serve"]
