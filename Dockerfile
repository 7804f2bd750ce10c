# The image of `rayops watch`, the in-cluster lifecycle watcher (see README: "rayops watch").
#   docker build -t ghcr.io/<you>/rayops:0.1.0 .
FROM python:3.12-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY generator ./generator
# generator/rayops/bundled links to schemas/: the package ships them (rayops cluster check reads them).
COPY schemas ./schemas
RUN pip install --no-cache-dir --prefix=/install '.[watch]'

FROM python:3.12-slim-bookworm
COPY --from=build /install /usr/local
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin rayops
USER 10001:10001
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
EXPOSE 8080
ENTRYPOINT ["rayops"]
CMD ["watch", "--config", "/etc/rayops/watch.yaml"]
