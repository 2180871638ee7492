FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends gcc make && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY newswatch newswatch
COPY alerts alerts
COPY workers workers
RUN pip install --no-cache-dir . && useradd --system --home /app newswatch
COPY config config
USER newswatch
ENTRYPOINT ["newswatch"]
CMD ["run"]
