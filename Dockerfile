# syntax=docker/dockerfile:1
# TalentMesh image: one image for the API, the Celery worker, beat and one-shot CLI
# commands (`talentmesh migrate`, `talentmesh apikey create ...`). See docs/deployment.md.
FROM python:3.11-slim

ARG TORCH_VERSION=2.13.0

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# torch first, from the CPU index: resolved from PyPI through sentence-transformers it
# would pull several GB of CUDA packages. Its own layer, so code changes do not redo it.
RUN pip install --index-url https://download.pytorch.org/whl/cpu "torch==${TORCH_VERSION}"

# A regular (non-editable) install into site-packages; the source tree is removed after,
# so the installed package, migrations included, is the only copy the containers see.
COPY pyproject.toml README.md /tmp/talentmesh-src/
COPY api /tmp/talentmesh-src/api
COPY matching /tmp/talentmesh-src/matching
COPY distribution /tmp/talentmesh-src/distribution
COPY integration /tmp/talentmesh-src/integration
COPY models /tmp/talentmesh-src/models
COPY runtime /tmp/talentmesh-src/runtime
COPY trust /tmp/talentmesh-src/trust
RUN pip install /tmp/talentmesh-src \
    && rm -rf /tmp/talentmesh-src \
    && python -c "import runtime.migrate as m; assert (m.MIGRATIONS_DIR / 'env.py').is_file(), m.MIGRATIONS_DIR"

RUN groupadd --system --gid 10001 talentmesh \
    && useradd --system --uid 10001 --gid talentmesh --home-dir /home/talentmesh \
       --create-home --shell /usr/sbin/nologin talentmesh \
    && mkdir -p /data \
    && chown talentmesh:talentmesh /data

# The embedding model ships inside a Python package; nothing is fetched from a hub.
ENV HF_HUB_OFFLINE=1 \
    TALENTMESH_HOST=0.0.0.0 \
    TALENTMESH_PORT=8000 \
    TALENTMESH_DATA_DIR=/data

USER talentmesh
WORKDIR /home/talentmesh
EXPOSE 8000

CMD ["talentmesh", "serve", "--no-worker"]
