# syntax=docker/dockerfile:1
# wenda as a container: a release build, then a small runtime image
# (distroless, glibc only) running as a non-root user. See the README's
# "Replicas and Docker" section and compose.yaml.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY benches ./benches
# The bundled dictionary and synonyms are compiled in.
COPY corpus ./corpus
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin wenda \
    && mkdir -p /out/data \
    && cp target/release/wenda /out/wenda \
    && strip /out/wenda

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/wenda /usr/local/bin/wenda
COPY --from=build /src/corpus /usr/share/wenda/corpus
COPY deploy/wenda.toml /etc/wenda/wenda.toml
# The index and logs live here (a volume in compose.yaml), owned by the
# image's non-root user (65532).
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/wenda"]
CMD ["serve", "--config", "/etc/wenda/wenda.toml"]
