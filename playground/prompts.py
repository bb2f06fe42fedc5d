"""Prompt templates with named fields, and the checks on what a visitor sends."""

import string
from dataclasses import dataclass

from worker.peft_format import is_int

from .errors import GenerationError

LIMITS = {"temperature": (0.0, 2.0), "top_p": (0.0, 1.0)}


def template_fields(template: str) -> list[str]:
    """The {names} of a str.format template, in order of first appearance."""
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    return list(dict.fromkeys(names))


def render_prompt(template: str, inputs: dict, optional=()) -> str:
    """The template filled with `inputs`; fields in `optional` may be left blank (or out), as
    the real data leaves them (covid's Location)."""
    fields = template_fields(template)
    if not isinstance(inputs, dict):
        raise GenerationError("INVALID_INPUTS", "inputs must be an object of field: text.")
    inputs = {**dict.fromkeys(f for f in optional if f in fields), **inputs}
    inputs = {name: "" if value is None else value for name, value in inputs.items()}
    missing = [f for f in fields if f not in optional and not str(inputs.get(f, "")).strip()]
    extra = sorted(set(inputs) - set(fields))
    if missing:
        raise GenerationError("MISSING_FIELDS", f"Please fill in: {', '.join(missing)}.")
    if extra:
        raise GenerationError(
            "UNKNOWN_FIELDS",
            f"This task has no field {', '.join(extra)}; its fields are {', '.join(fields)}.",
        )
    if not all(isinstance(inputs[f], str) for f in fields):
        raise GenerationError("INVALID_INPUTS", "Every field must be text.")
    return template.format(**{f: inputs[f] for f in fields})


@dataclass(frozen=True)
class Params:
    max_new_tokens: int
    temperature: float
    top_p: float
    seed: int | None


def validate_params(raw, *, max_new_tokens_limit: int, default_max_new_tokens: int = 64) -> Params:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise GenerationError("INVALID_PARAMS", "params must be an object.")
    unknown = sorted(set(raw) - {"max_new_tokens", "temperature", "top_p", "seed"})
    if unknown:
        raise GenerationError("INVALID_PARAMS", f"Unknown parameter: {', '.join(unknown)}.")
    max_new = raw.get("max_new_tokens", default_max_new_tokens)
    if not is_int(max_new) or not 1 <= max_new <= max_new_tokens_limit:
        raise GenerationError(
            "INVALID_PARAMS",
            f"max_new_tokens must be a whole number from 1 to {max_new_tokens_limit}.",
        )
    temperature = number_in(raw, "temperature", 0.0, low_open=False)
    top_p = number_in(raw, "top_p", 1.0, low_open=True)
    seed = raw.get("seed")
    if seed is not None and not is_int(seed):
        raise GenerationError("INVALID_PARAMS", "seed must be a whole number.")
    return Params(max_new, temperature, top_p, seed)


def number_in(raw: dict, name: str, default: float, *, low_open: bool) -> float:
    value = raw.get(name, default)
    low, high = LIMITS[name]
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value <= high
    ok = ok and (value > low if low_open else value >= low)
    if not ok:
        bracket = "(" if low_open else "["
        raise GenerationError("INVALID_PARAMS", f"{name} must be in {bracket}{low}, {high}].")
    return float(value)


def fields_mismatch(fields: list[str], inputs: dict) -> str:
    missing = [f for f in fields if f not in inputs]
    unknown = sorted(set(inputs) - set(fields))
    problems = [f"missing {', '.join(missing)}"] if missing else []
    problems += [f"no field {', '.join(unknown)}"] if unknown else []
    return "; ".join(problems)
