"""The heavy half of build_demo: tokenizer, base pre-training and LoRA fine-tuning (torch)."""

import json
import math
import random
from pathlib import Path

import torch
from tqdm import tqdm

from demo.generators import FORMATS, render_prompt
from demo.specs import SPECIAL_TOKENS, AdapterSpec, DemoConfig

IGNORE = -100  # label value that the loss skips


# --- tokenizer -------------------------------------------------------------------------------
def train_tokenizer(texts: list[str], vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    # Every encoded prompt starts with <s>, as Mistral's own tokenizer does.
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", tok.token_to_id("<s>"))]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
    )


def encode_example(
    tokenizer, prompt: str, answer: str | None, separator: str = " "
) -> tuple[list[int], list[int]]:
    """ids and labels; the prompt and the answer are tokenized apart, as at inference time,
    where the model continues exactly the prompt's tokens. Loss on the answer only.
    `separator` comes between them (TaskFormat.separator)."""
    prompt_ids = tokenizer(prompt)["input_ids"]
    if answer is None:
        return prompt_ids, list(prompt_ids)
    answer = separator + answer
    answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    return prompt_ids + answer_ids, [IGNORE] * len(prompt_ids) + answer_ids


# --- base model ------------------------------------------------------------------------------
def build_base(config: DemoConfig, datasets: dict[str, dict[str, list[dict]]]) -> None:
    spec = config.base
    torch.manual_seed(config.seed)
    prompts = [render_prompt(s, r["inputs"]) for s, d in datasets.items() for r in d["train"]]
    # The tokenizer, like the base, knows the task inputs only: an answer-only word would be
    # a token whose embedding pre-training never trained.
    tokenizer = train_tokenizer(prompts, spec.vocab_size)
    model = new_base_model(config, tokenizer)
    # Pre-train on task inputs only: a language model of the domain that was never taught
    # the tasks' answers, as a general base model was not.
    blocks = pack_blocks(tokenizer, with_repeats(prompts, spec.repeat_fraction, config.seed), 128)
    run_training(
        model,
        blocks_batches(blocks, spec, config.seed),
        spec.steps,
        spec.learning_rate,
        desc="base pre-training",
    )
    config.base_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(config.base_dir)
    tokenizer.save_pretrained(config.base_dir)


def new_base_model(config: DemoConfig, tokenizer):
    from transformers import MistralConfig, MistralForCausalLM

    spec = config.base
    return MistralForCausalLM(
        MistralConfig(
            vocab_size=len(tokenizer),
            hidden_size=spec.hidden_size,
            intermediate_size=spec.intermediate_size,
            num_hidden_layers=spec.num_layers,
            num_attention_heads=spec.num_heads,
            num_key_value_heads=spec.num_kv_heads,
            max_position_embeddings=spec.context_length,
            sliding_window=None,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
            tie_word_embeddings=True,
        )
    )


def with_repeats(texts: list[str], fraction: float, seed: int) -> list[str]:
    """Some documents appear twice in a row, as duplicates do in web corpora. Copying what
    was seen earlier in the context is a skill every general base model has (names, numbers,
    code identifiers) and most tasks lean on it; the repeats teach it without any answer."""
    rng = random.Random(seed)
    out = []
    for text in texts:
        out += [text, text] if rng.random() < fraction else [text]
    return out


def pack_blocks(tokenizer, texts: list[str], block: int) -> torch.Tensor:
    stream = []
    for text in texts:
        stream += tokenizer(text)["input_ids"] + [tokenizer.eos_token_id]
    usable = len(stream) // block * block
    return torch.tensor(stream[:usable]).view(-1, block)


def blocks_batches(blocks: torch.Tensor, spec, seed: int):
    generator = torch.Generator().manual_seed(seed)
    while True:
        rows = blocks[torch.randint(len(blocks), (spec.batch_size,), generator=generator)]
        yield {"input_ids": rows, "labels": rows}


# --- adapters --------------------------------------------------------------------------------
def train_adapter(
    config: DemoConfig, slug: str, data: dict, target: Path, show_steps: bool = True
) -> None:
    """One adapter of the loraland-mini demo (config.adapter's recipe) into `target`."""
    losses = train_lora(
        config.base_dir, slug, data["train"], target, config.adapter, config.seed, show=show_steps
    )
    (target / "loss.json").write_text(json.dumps({"step_loss": losses}))


def train_lora(
    base_dir: Path,
    slug: str,
    rows: list[dict],
    target: Path,
    spec: AdapterSpec,
    seed: int,
    *,
    device: str = "cpu",
    save_dtype: torch.dtype | None = None,
    show: bool = True,
) -> list[float]:
    """Train one LoRA on `rows` (generated examples of `slug`) and save it as a PEFT directory
    in `target`; return every step's loss. `save_dtype` stores the weights in that dtype."""
    pairs = [(render_prompt(slug, r["inputs"]), r["output"]) for r in rows]
    return train_lora_on_pairs(
        base_dir, pairs, target, spec, seed, separator=FORMATS[slug].separator,
        device=device, save_dtype=save_dtype, desc=f"  {slug}", show=show,
    )  # fmt: skip


def train_lora_on_pairs(
    base_dir: Path,
    pairs: list[tuple[str, str]],
    target: Path,
    spec: AdapterSpec,
    seed: int,
    *,
    separator: str = " ",
    device: str = "cpu",
    save_dtype: torch.dtype | None = None,
    desc: str = "  adapter",
    show: bool = True,
    on_step=None,
) -> list[float]:
    """Train one LoRA on (prompt, answer) pairs, the loss on the answer only, and save it as
    a PEFT directory in `target`; return every step's loss. `on_step(step, loss)` is called
    after each step (it may raise to stop the training: nothing is saved then)."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(base_dir, local_files_only=True)
    base = AutoModelForCausalLM.from_pretrained(base_dir, local_files_only=True).to(device)
    model = get_peft_model(
        base,
        LoraConfig(
            r=spec.rank,
            lora_alpha=spec.alpha,
            target_modules=list(spec.target_modules),
            lora_dropout=0.0,
            task_type="CAUSAL_LM",
        ),
    )
    examples = [encode_example(tokenizer, prompt, answer, separator) for prompt, answer in pairs]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    batches = (
        {name: tensor.to(device) for name, tensor in batch.items()}
        for batch in example_batches(examples, spec.batch_size, pad_id, seed)
    )
    losses = run_training(
        model,
        batches,
        spec.steps,
        spec.learning_rate,
        desc=desc,
        show=show,
        loss_of=answer_loss,
        on_step=on_step,
    )
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(target)
    if save_dtype is not None:
        recast_weights(target / "adapter_model.safetensors", save_dtype)
    return losses


def recast_weights(path: Path, dtype: torch.dtype) -> None:
    """Rewrite a safetensors file with every tensor in `dtype` (bf16 halves a shipped adapter;
    loaders widen it again to the model's dtype)."""
    from safetensors.torch import load_file, save_file

    tensors = {name: tensor.to(dtype).contiguous() for name, tensor in load_file(path).items()}
    save_file(tensors, path, metadata={"format": "pt"})


def example_batches(examples: list, batch_size: int, pad_id: int, seed: int):
    """Batches of examples of similar length: each pool of 16 batches' worth is sorted by
    length before it is cut into batches (measured on all 25 tasks: padding was 10% of the
    tokens of random batches, 1% of these)."""
    rng = random.Random(seed)
    while True:
        pool = rng.sample(examples, min(16 * batch_size, len(examples)))
        pool.sort(key=lambda example: len(example[0]))
        batches = [pool[i : i + batch_size] for i in range(0, len(pool), batch_size)]
        rng.shuffle(batches)
        yield from (collate(rows, pad_id) for rows in batches)


def collate(rows: list, pad_id: int) -> dict:
    width = max(len(ids) for ids, _ in rows)
    return {
        "input_ids": torch.tensor([ids + [pad_id] * (width - len(ids)) for ids, _ in rows]),
        "labels": torch.tensor([lab + [IGNORE] * (width - len(lab)) for _, lab in rows]),
        "attention_mask": torch.tensor(
            [[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in rows]
        ),
    }


def answer_loss(model, batch: dict) -> torch.Tensor:
    """The causal-LM loss on the answer tokens, with the output layer applied to those
    positions only: a classifier's prompt is ~80 tokens and its answer 1-2, and the output
    layer over the whole prompt was about a third of an adapter's training time."""
    causal_lm = model.get_base_model()
    hidden = causal_lm.model(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
    ).last_hidden_state
    targets = batch["labels"][:, 1:]  # position t predicts token t + 1
    scored = targets != IGNORE
    logits = causal_lm.lm_head(hidden[:, :-1][scored])
    return torch.nn.functional.cross_entropy(logits.float(), targets[scored])


def full_loss(model, batch: dict) -> torch.Tensor:
    return model(**batch).loss


def run_training(
    model,
    batches,
    steps: int,
    learning_rate: float,
    desc: str,
    show: bool = True,
    loss_of=full_loss,
    on_step=None,
) -> list[float]:
    """AdamW with linear warm-up and cosine decay; returns the loss of every step and calls
    `on_step(step, loss)` after each (from 1)."""
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=learning_rate, weight_decay=0.0)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * s / steps))
    )
    model.train()
    losses = []
    progress = tqdm(range(steps), desc=desc, unit="step", leave=False, disable=not show)
    for _, batch in zip(progress, batches, strict=False):
        loss = loss_of(model, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(round(loss.item(), 4))
        progress.set_postfix(loss=f"{losses[-1]:.3f}")
        if on_step is not None:
            on_step(len(losses), losses[-1])
    model.eval()
    return losses
