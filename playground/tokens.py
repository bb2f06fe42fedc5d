"""Count prompt tokens in the web process, with the base model's own tokenizer file.

Uses the small `tokenizers` library (not transformers/torch) so the web process stays light.
"""

import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings


@lru_cache(maxsize=4)
def _tokenizer_and_context(model_dir: str):
    from tokenizers import Tokenizer

    path = Path(model_dir)
    if not (path / "tokenizer.json").is_file():
        return None, None
    context = json.loads((path / "config.json").read_text()).get("max_position_embeddings")
    return Tokenizer.from_file(str(path / "tokenizer.json")), context


def prompt_token_count(prompt: str) -> tuple[int | None, int | None]:
    """(tokens in the prompt, model context length); (None, None) when no model is built."""
    tokenizer, context = _tokenizer_and_context(settings.LORALAND_BASE_MODEL)
    if tokenizer is None:
        return None, None
    return len(tokenizer.encode(prompt).ids), context
