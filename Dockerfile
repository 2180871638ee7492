# newswatch image: `docker compose up` (see docker-compose.yml and README "Deployment").
# Two stages: the builder installs the package and its dependencies into a venv (with a
# compiler, for any dependency without a wheel for this platform); the runtime image gets only
# that venv: no compiler, no pip cache, no source tree.
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc g++ make libc6-dev \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY newswatch newswatch
COPY alerts alerts
COPY workers workers
COPY web web
# every dependency at the version CI tested: constraints.txt (README "Pinned dependencies")
RUN /opt/venv/bin/pip install -c constraints.txt . \
 && /opt/venv/bin/newswatch --help >/dev/null

FROM ${PYTHON_IMAGE} AS runtime
# One fixed uid/gid (10001), so host files meant for it (secrets, see README) can be chowned to it.
RUN groupadd --system --gid 10001 newswatch \
 && useradd --system --uid 10001 --gid newswatch --no-create-home \
      --home-dir /var/lib/newswatch --shell /usr/sbin/nologin newswatch \
 && install -d -m 0700 -o newswatch -g newswatch /var/lib/newswatch \
 && install -d -m 0755 -o root -g root /etc/newswatch
COPY --from=builder /opt/venv /opt/venv
# state_dir (the classifier cache in state_dir/cache; the embedded Redis of `newswatch run`):
# a volume, so it survives a new container. The config is mounted read-only at /etc/newswatch.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    NEWSWATCH_STATE_DIR=/var/lib/newswatch \
    NEWSWATCH_CONFIG=/etc/newswatch/docker.yaml
VOLUME ["/var/lib/newswatch"]
WORKDIR /var/lib/newswatch
USER 10001:10001
STOPSIGNAL SIGTERM
ENTRYPOINT ["newswatch"]
CMD ["run"]
