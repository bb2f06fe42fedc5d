import pytest

from playground.errors import GenerationError
from playground.prompts import render_prompt, template_fields, validate_params

TEMPLATE = "Classify.\n### Question: {question}\n### Columns: {columns}\n### SQL: "


def code_of(call, *args, **kwargs) -> str:
    with pytest.raises(GenerationError) as caught:
        call(*args, **kwargs)
    return caught.value.code


def test_it_lists_template_fields_in_order():
    assert template_fields(TEMPLATE) == ["question", "columns"]
    assert template_fields("{a} and {b} and {a}") == ["a", "b"]


def test_it_renders_values_verbatim_even_with_braces():
    prompt = render_prompt(TEMPLATE, {"question": "what is {x}?", "columns": "a, b"})
    assert prompt.endswith("### Question: what is {x}?\n### Columns: a, b\n### SQL: ")


def test_it_rejects_missing_extra_and_non_text_fields():
    assert code_of(render_prompt, TEMPLATE, {"question": "q"}) == "MISSING_FIELDS"
    assert code_of(render_prompt, TEMPLATE, {"question": "q", "columns": "  "}) == "MISSING_FIELDS"
    extra = {"question": "q", "columns": "c", "table": "t"}
    assert code_of(render_prompt, TEMPLATE, extra) == "UNKNOWN_FIELDS"
    assert code_of(render_prompt, TEMPLATE, {"question": "q", "columns": 3}) == "INVALID_INPUTS"
    assert code_of(render_prompt, TEMPLATE, ["q"]) == "INVALID_INPUTS"


def test_it_accepts_params_in_range_and_fills_defaults():
    params = validate_params({"temperature": 0.7, "top_p": 0.9}, max_new_tokens_limit=256)
    assert (params.max_new_tokens, params.temperature, params.top_p, params.seed) == (
        64,
        0.7,
        0.9,
        None,
    )
    assert validate_params(None, max_new_tokens_limit=256).temperature == 0.0


@pytest.mark.parametrize(
    "raw",
    [
        {"max_new_tokens": 0},
        {"max_new_tokens": 257},
        {"max_new_tokens": 3.5},
        {"max_new_tokens": True},
        {"temperature": -0.1},
        {"temperature": 2.5},
        {"temperature": "hot"},
        {"top_p": 0},
        {"top_p": 1.01},
        {"seed": "x"},
        {"beam_width": 4},
        "fast",
    ],
)
def test_it_rejects_params_out_of_range(raw):
    assert code_of(validate_params, raw, max_new_tokens_limit=256) == "INVALID_PARAMS"


def test_one_field_check_serves_visitors_new_tasks_and_imports_alike():
    """check_inputs is the only rule for field values: the visitor's request, a new task's
    examples and an imported reference line are refused for the same reasons."""
    from playground.errors import GenerationError
    from playground.prompts import check_inputs
    from playground.services.catalog import example_inputs_problem

    fields = ["sentence", "location"]
    with pytest.raises(GenerationError) as caught:
        check_inputs(fields, {"sentence": " ", "text": "x"}, optional=("location",))
    assert caught.value.code == "MISSING_FIELDS"
    assert caught.value.message == (
        "sentence must be non-empty text; no field text (fields: sentence, location)."
    )
    # an optional field may be blank or left out, and comes back as ""
    assert check_inputs(fields, {"sentence": "s"}, optional=("location",)) == {
        "sentence": "s",
        "location": "",
    }
    assert example_inputs_problem([{"sentence": "s"}], fields) == (
        "Example 1: missing location (fields: sentence, location)."
    )
