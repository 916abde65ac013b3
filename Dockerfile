# One small image per service (target ingest, questions, delivery, status,
# console: the runtime libraries and that service's binary), and the default
# target with every binary: the simulator, atsb-topics, trail, the demo seed.
# Build: docker build -t atsbridge:local .   and  docker build --target ingest
# -t atsbridge-ingest:local .   (docker-compose.yml builds them for you; scripts/images builds it on a base made from the Debian mirror when
# there is no registry: BASE_IMAGE=atsbridge/debian:bookworm)
ARG BASE_IMAGE=debian:12-slim

FROM ${BASE_IMAGE} AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      build-essential cmake pkg-config librdkafka-dev libprotobuf-c-dev protobuf-c-compiler libpq-dev \
      libcriterion-dev libmicrohttpd-dev libjson-c-dev libsodium-dev libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY proto proto
COPY common common
COPY services services
COPY tools tools
COPY tests tests
COPY fuzz fuzz
COPY bench bench
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null \
    && cmake --build /build -j "$(nproc)" --target atsb-ingest atsb-questions atsb-delivery atsb-status atsb-console \
         atsb-topics trail devbroker atssim \
    && mkdir -p /out/bin /out/share \
    && cp /build/services/*/atsb-* /build/tools/topics/atsb-topics /build/tools/trail/trail \
          /build/tools/devbroker/devbroker /build/tools/atssim/atssim /out/bin/ \
    && strip /out/bin/* \
    && cp tools/atssim/seed.json /out/share/seed.json

FROM ${BASE_IMAGE} AS base
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      librdkafka1 libprotobuf-c1 libpq5 libmicrohttpd12 libjson-c5 libsodium23 libcurl4 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 atsbridge

FROM base AS ingest
COPY --from=build /out/bin/atsb-ingest /usr/local/bin/atsb-ingest
USER atsbridge
CMD ["atsb-ingest"]

FROM base AS questions
COPY --from=build /out/bin/atsb-questions /usr/local/bin/atsb-questions
USER atsbridge
CMD ["atsb-questions"]

FROM base AS delivery
COPY --from=build /out/bin/atsb-delivery /usr/local/bin/atsb-delivery
USER atsbridge
CMD ["atsb-delivery"]

FROM base AS status
COPY --from=build /out/bin/atsb-status /usr/local/bin/atsb-status
USER atsbridge
CMD ["atsb-status"]

FROM base AS console
COPY --from=build /out/bin/atsb-console /usr/local/bin/atsb-console
USER atsbridge
CMD ["atsb-console"]

FROM base AS all
COPY --from=build /out/bin/ /usr/local/bin/
COPY --from=build /out/share/seed.json /usr/share/atsbridge/seed.json
# The demo seeding (docker-compose's seed service) runs the same script as
# `scripts/dev up`.
COPY scripts/lib.sh /usr/share/atsbridge/scripts/lib.sh
COPY scripts/seed-demo /usr/share/atsbridge/scripts/seed-demo
USER atsbridge
