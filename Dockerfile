# Image for web and worker (see compose.yaml). For a GPU worker, install a CUDA build of torch
# first, e.g. --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu128 (compose does)
FROM python:3.11-slim
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
WORKDIR /app
COPY pyproject.toml .
RUN pip install --no-cache-dir --index-url ${TORCH_INDEX} torch==2.13.0
COPY . .
RUN pip install --no-cache-dir .
