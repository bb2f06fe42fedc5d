"""What a demo build is made of: the base model's and the adapters' settings, and where they go."""

from dataclasses import dataclass, field
from pathlib import Path

from demo.generators import FORMATS

SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<pad>"]
# The report's recipe adapts q_proj and v_proj; on this tiny base every linear layer learns the
# tasks far better for the same steps (measured: README, "Training recipe").
ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class BaseSpec:
    vocab_size: int = 4096
    hidden_size: int = 256
    num_layers: int = 4
    num_heads: int = 4
    num_kv_heads: int = 2
    intermediate_size: int = 512
    context_length: int = 1024
    steps: int = 400
    batch_size: int = 16
    learning_rate: float = 3e-3
    repeat_fraction: float = 0.3  # documents repeated back to back (see training.with_repeats)


@dataclass(frozen=True)
class AdapterSpec:
    rank: int = 8
    alpha: int = 16
    target_modules: tuple[str, ...] = ALL_LINEAR
    steps: int = 130
    batch_size: int = 8
    learning_rate: float = 3e-3


@dataclass(frozen=True)
class DemoConfig:
    base_dir: Path
    adapter_dir: Path
    data_dir: Path
    tasks: tuple[str, ...] = tuple(FORMATS)
    seed: int = 0
    n_train: int = 500
    n_test: int = 100
    base: BaseSpec = field(default_factory=BaseSpec)
    adapter: AdapterSpec = field(default_factory=AdapterSpec)
