# Tidal: a small, non-root image holding the `tidal` binary.
#   docker build -t tidal .
#   docker run --rm tidal --help

# Build stage: the workspace's pinned toolchain; dependencies are fetched once per Cargo.lock.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p tidal-cli \
    && cp target/release/tidal /tidal

# Runtime stage: glibc and CA certificates only, no shell, uid 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /tidal /usr/local/bin/tidal
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/tidal"]
CMD ["operator", "--metrics-addr=0.0.0.0:8080"]
