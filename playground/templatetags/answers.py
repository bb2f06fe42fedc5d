"""How answers read to a person: how one was sampled, and a metric's name."""

from django import template

register = template.Library()


@register.filter
def sampling(params: dict | None) -> str:
    """ "greedy · up to 64 tokens" or "temperature 0.7 · top_p 0.9 · seed 3 · up to 64 tokens";
    "" when the answer does not say (a reference model's, or one saved before this was kept)."""
    if not params:
        return ""
    temperature = params.get("temperature")
    parts = ["greedy" if temperature == 0 else f"temperature {temperature:g}"]
    if temperature and params.get("top_p") not in (None, 1, 1.0):
        parts.append(f"top_p {params['top_p']:g}")
    if temperature and params.get("seed") is not None:
        parts.append(f"seed {params['seed']}")
    if params.get("max_new_tokens"):
        parts.append(f"up to {params['max_new_tokens']} tokens")
    return " · ".join(parts)


# The metrics' names as a person reads them; the code's own name stays in a tooltip.
METRIC_LABELS = {
    "accuracy": "accuracy",
    "rouge": "ROUGE-L",
    "one_minus_mae_over_5": "1 − MAE/5",
    "humaneval": "HumanEval pass@1",
    "exact_match": "exact match",
}


@register.filter
def metric_label(metric: str) -> str:
    return METRIC_LABELS.get(metric, str(metric).replace("_", " "))
