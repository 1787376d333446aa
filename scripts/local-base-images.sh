#!/usr/bin/env bash
# Stand-in base images for machines that cannot reach a container registry.
#
# The Dockerfile starts FROM docker.io/library/rust:1.95.0-slim-bookworm (builder) and
# docker.io/library/debian:bookworm-slim (runtime). Where no registry is reachable but Debian's
# package mirror is, this script makes local images under exactly those names, so that
# `podman build --format docker .` runs the Dockerfile unchanged:
#   - debian:bookworm-slim: a minbase Debian 12 root file system made by mmdebstrap from Debian's
#     packages, with the same exclusions a slim image has (manuals, docs, locales);
#   - rust:1.95.0-slim-bookworm: that system plus gcc and libc6-dev (as the official slim Rust
#     image) and this machine's installed 1.95.0 toolchain under /usr/local/rustup, with cargo,
#     rustc and rustup on PATH from /usr/local/cargo/bin, and this machine's extra trusted CAs
#     (/usr/local/share/ca-certificates/*.crt), so cargo reaches crates.io through a
#     TLS-inspecting egress proxy if the machine has one.
# A machine that can pull from Docker Hub (GitHub's runners) never needs this script.
#
# Usage: scripts/local-base-images.sh [--force]     (root; needs mmdebstrap and podman)
# Builds run with BUILDAH_ISOLATION=chroot (default here): inside a container whose cgroups are
# in hybrid mode crun cannot start build containers, and chroot isolation needs no OCI runtime.
set -euo pipefail

toolchain=1.95.0-x86_64-unknown-linux-gnu
debian_image=docker.io/library/debian:bookworm-slim
rust_image=docker.io/library/rust:1.95.0-slim-bookworm
work=${TMPDIR:-/tmp}/arca-api-base-images
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
cargo_home=${CARGO_HOME:-$HOME/.cargo}

force=false
[ "${1:-}" = "--force" ] && force=true

have_image() { podman image exists "$1"; }

mkdir -p "$work"

if $force || ! have_image "$debian_image"; then
  echo "== $debian_image from Debian's packages (mmdebstrap, minbase)"
  rm -f "$work/rootfs.tar"
  # shellcheck disable=SC2016 # the hook's $1 is expanded by mmdebstrap's shell, not here
  mmdebstrap --variant=minbase --mode=root \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
    bookworm "$work/rootfs.tar" http://deb.debian.org/debian
  podman import \
    --change 'CMD ["bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$work/rootfs.tar" "$debian_image"
fi

if $force || ! have_image "$rust_image"; then
  echo "== $rust_image from $debian_image and the local $toolchain toolchain"
  context="$work/rust-context"
  rm -rf "$context"
  mkdir -p "$context/rustup/toolchains" "$context/cargo/bin"
  source_toolchain=$(readlink -f "$rustup_home/toolchains/$toolchain")
  # The toolchain without its offline documentation (share/doc, ~800 MB).
  tar -C "$source_toolchain" --exclude='./share/doc' -cf - . |
    tar -C "$context/rustup/toolchains" --one-top-level="$toolchain" -xf -
  cat > "$context/rustup/settings.toml" <<SETTINGS
version = "12"
default_toolchain = "$toolchain"
profile = "minimal"
auto_self_update = "disable"

[overrides]
SETTINGS
  cp "$cargo_home/bin/rustup" "$context/cargo/bin/rustup"
  mkdir -p "$context/extra-ca"
  find /usr/local/share/ca-certificates -maxdepth 1 -name '*.crt' -exec cp {} "$context/extra-ca/" \; 2> /dev/null || true
  for proxy in cargo cargo-clippy cargo-fmt clippy-driver rustc rustdoc rustfmt; do
    ln -s rustup "$context/cargo/bin/$proxy"
  done
  cat > "$context/Containerfile" <<CONTAINERFILE
FROM $debian_image
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev \\
 && rm -rf /var/lib/apt/lists/*
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo \\
    PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY extra-ca /usr/local/share/ca-certificates
RUN update-ca-certificates
COPY rustup /usr/local/rustup
COPY cargo /usr/local/cargo
RUN rustc --version && cargo --version
CONTAINERFILE
  podman build --isolation "${BUILDAH_ISOLATION:-chroot}" --network host -t "$rust_image" "$context"
fi

podman images --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E 'debian|rust'
