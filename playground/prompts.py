"""Prompt templates with named fields, and the checks on what a visitor sends."""

import string
from dataclasses import dataclass

from worker.peft_format import is_int

from .errors import GenerationError

LIMITS = {"temperature": (0.0, 2.0), "top_p": (0.0, 1.0)}
MAX_STOPS, MAX_STOP_CHARS = 4, 200  # OpenAI's count; a stop is looked for after every token


def template_fields(template: str) -> list[str]:
    """The {names} of a str.format template, in order of first appearance."""
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    return list(dict.fromkeys(names))


def render_prompt(template: str, inputs: dict, optional=()) -> str:
    """The template filled with `inputs` (checked by `check_inputs`)."""
    fields = template_fields(template)
    return template.format(**check_inputs(fields, inputs, optional))


def check_inputs(fields: list[str], inputs, optional=()) -> dict[str, str]:
    """The one check of a task's field values, wherever they come from (a visitor, a new task's
    examples, an imported reference answer): an object with every field as text, non-blank
    unless the field is optional (as the real data leaves covid's Location blank), and no
    other key. Returns {field: text}, optional fields left out given as ""; else raises
    GenerationError: MISSING_FIELDS (absent or blank), UNKNOWN_FIELDS, or INVALID_INPUTS."""
    if not isinstance(inputs, dict):
        raise GenerationError("INVALID_INPUTS", "inputs must be an object of field: text.")
    given = {name: "" if value is None else value for name, value in inputs.items()}
    given = {**dict.fromkeys((f for f in optional if f in fields), ""), **given}
    absent = [f for f in fields if f not in given]
    blank = [f for f in fields if f in given and f not in optional and is_blank(given[f])]
    unknown = sorted(set(given) - set(fields))
    not_text = [f for f in fields if f in given and not isinstance(given[f], str)]
    problems = [f"missing {', '.join(absent)}"] if absent else []
    problems += [f"{', '.join(blank)} must be non-empty text"] if blank else []
    problems += [f"no field {', '.join(unknown)}"] if unknown else []
    if not problems and not_text:
        problems = [f"{', '.join(not_text)} must be text"]
    if not problems:
        return {f: given[f] for f in fields}
    if absent or blank:
        code = "MISSING_FIELDS"
    elif unknown:
        code = "UNKNOWN_FIELDS"
    else:
        code = "INVALID_INPUTS"
    raise GenerationError(code, f"{'; '.join(problems)} (fields: {', '.join(fields)}).")


def is_blank(value) -> bool:
    return isinstance(value, str) and not value.strip()


@dataclass(frozen=True)
class Params:
    max_new_tokens: int
    temperature: float
    top_p: float
    seed: int | None
    stop: tuple[str, ...] = ()


def validate_params(raw, *, max_new_tokens_limit: int, default_max_new_tokens: int = 64) -> Params:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise GenerationError("INVALID_PARAMS", "params must be an object.")
    unknown = sorted(set(raw) - {"max_new_tokens", "temperature", "top_p", "seed", "stop"})
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
    return Params(max_new, temperature, top_p, seed, stop_sequences(raw.get("stop")))


def stop_sequences(stop) -> tuple[str, ...]:
    """`stop` as OpenAI takes it: none, one text, or a list of up to MAX_STOPS texts."""
    stops = [] if stop is None else [stop] if isinstance(stop, str) else stop
    ok = isinstance(stops, list) and len(stops) <= MAX_STOPS
    if not ok or not all(isinstance(s, str) and 0 < len(s) <= MAX_STOP_CHARS for s in stops):
        raise GenerationError(
            "INVALID_PARAMS",
            f"stop must be a text or a list of up to {MAX_STOPS} texts of 1 to "
            f"{MAX_STOP_CHARS} characters.",
        )
    return tuple(stops)


def number_in(raw: dict, name: str, default: float, *, low_open: bool) -> float:
    value = raw.get(name, default)
    low, high = LIMITS[name]
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value <= high
    ok = ok and (value > low if low_open else value >= low)
    if not ok:
        bracket = "(" if low_open else "["
        raise GenerationError("INVALID_PARAMS", f"{name} must be in {bracket}{low}, {high}].")
    return float(value)
