"""One set of rules for the PEFT adapter format (worker/peft_format.py): the engine and the
upload checks accept and refuse the same adapters, with the same words."""

import json
import shutil

import pytest

from playground.adapter_limits import AdapterRejected, UploadLimits
from playground.adapters import validate_adapter_dir
from worker import peft_format
from worker.engine import GenerationError
from worker.engine.lora import load_lora_adapter

BROKEN_CONFIGS = {
    "rank_pattern": ({"rank_pattern": {"q_proj": 4}}, "UNSUPPORTED_FEATURE"),
    "dora": ({"use_dora": True}, "UNSUPPORTED_FEATURE"),
    "not lora": ({"peft_type": "IA3"}, "NOT_LORA"),
    "rank": ({"r": 0}, "CONFIG_INVALID"),
    "alpha": ({"lora_alpha": "16"}, "CONFIG_INVALID"),
    "targets": ({"target_modules": []}, "CONFIG_INVALID"),
}


@pytest.fixture
def adapter(demo_config, tmp_path):
    folder = tmp_path / "glue_sst2"
    shutil.copytree(demo_config.adapter_dir / "glue_sst2", folder)
    return folder


def edit_config(folder, **changes):
    path = folder / peft_format.CONFIG_FILE
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


@pytest.mark.parametrize("case", BROKEN_CONFIGS)
def test_the_engine_refuses_what_an_upload_refuses_with_the_same_message(
    case, adapter, demo_config
):
    changes, code = BROKEN_CONFIGS[case]
    edit_config(adapter, **changes)
    with pytest.raises(AdapterRejected) as upload:
        validate_adapter_dir(adapter, base_model=demo_config.base_dir, limits=UploadLimits())
    assert upload.value.code == code
    with pytest.raises(GenerationError) as engine:
        load_lora_adapter("glue_sst2", adapter)
    assert engine.value.code == "ADAPTER_INVALID"
    assert engine.value.message == f"glue_sst2: {upload.value.message}"


def test_a_tensor_that_is_not_a_lora_weight_is_refused_by_both(adapter, demo_config):
    from safetensors.torch import load_file, save_file

    weights = adapter / peft_format.WEIGHTS_FILE
    tensors = load_file(weights)
    tensors["base_model.model.model.embed_tokens.weight"] = next(iter(tensors.values())).clone()
    save_file(tensors, weights)
    with pytest.raises(AdapterRejected) as upload:
        validate_adapter_dir(adapter, base_model=demo_config.base_dir, limits=UploadLimits())
    assert upload.value.code == "UNEXPECTED_TENSOR"
    with pytest.raises(GenerationError) as engine:
        load_lora_adapter("glue_sst2", adapter)
    assert "not a LoRA weight" in engine.value.message


def test_a_missing_config_is_not_found_for_the_engine(adapter):
    (adapter / peft_format.CONFIG_FILE).unlink()
    with pytest.raises(GenerationError) as engine:
        load_lora_adapter("glue_sst2", adapter)
    assert engine.value.code == "ADAPTER_NOT_FOUND"


def test_scaling_is_peft_s_with_and_without_rslora():
    config = peft_format.parse_config(
        {"peft_type": "LORA", "r": 16, "lora_alpha": 32, "target_modules": ["q_proj"]}
    )
    assert config.scaling == 2.0
    rs = peft_format.parse_config(
        {"peft_type": "LORA", "r": 16, "lora_alpha": 32, "target_modules": ["q_proj"],
         "use_rslora": True}
    )  # fmt: skip
    assert rs.scaling == 8.0


@pytest.mark.parametrize("base", ["test demo", "SmolLM2"])
def test_the_base_s_linear_layers_come_from_its_headers_as_from_the_model_itself(
    base, demo_config, request
):
    """Upload checks read the base's layers from config.json and the safetensors headers
    (no torch in the web process); they are the nn.Linear layers of the model transformers
    builds, the tied LM head of SmolLM2 included."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from playground.adapter_checks import base_linears_of

    path = demo_config.base_dir if base == "test demo" else request.getfixturevalue("smollm2_dir")
    config = AutoConfig.from_pretrained(path, local_files_only=True)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    output = model.get_output_embeddings()
    read = base_linears_of(str(path), 0)
    assert read.shapes == {
        name: (module.in_features, module.out_features)
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear)
    }
    assert read.output_layer == next(n for n, m in model.named_modules() if m is output)
    assert read.num_layers == config.num_hidden_layers
