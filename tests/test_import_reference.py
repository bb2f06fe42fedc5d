"""`manage.py import_reference` and `evaluate --models reference` on stored and live answers."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from demo.generators import make_splits, render_prompt
from playground import selectors
from playground.models import EvaluationRun, ReferenceOutput, Task, template_digest

from .openai_server import serving_as_reference

pytestmark = pytest.mark.django_db
SLUG = "glue_sst2"


@pytest.fixture
def tasks(db):
    """The 25 tasks of the catalog; the reference needs no demo model."""
    call_command("load_tasks", verbosity=0)


@pytest.fixture
def test_split(tmp_path, settings, tasks) -> list[dict]:
    """A small test split of glue_sst2 where evaluate looks for it, as build_demo writes it."""
    settings.LORALAND_DATA_DIR = str(tmp_path)
    settings.LORALAND_REFERENCE_URL = ""
    settings.LORALAND_REFERENCE_MODEL = "gpt-4"
    train, test = make_splits(SLUG, n_train=10, n_test=5)
    folder = tmp_path / SLUG
    folder.mkdir()
    for name, rows in (("train", train), ("test", test)):
        lines = [json.dumps({**r, "prompt": render_prompt(SLUG, r["inputs"])}) for r in rows]
        (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    return [{**r, "prompt": render_prompt(SLUG, r["inputs"])} for r in test]


def write_lines(tmp_path, rows: list) -> str:
    path = tmp_path / "reference.jsonl"
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


GOOD = {"task": SLUG, "inputs": {"sentence": "a fine film"}, "output": " 1", "model": "gpt-4"}


# --- import_reference -----------------------------------------------------------------------
def test_a_good_file_imports_every_line(tasks, tmp_path):
    path = write_lines(
        tmp_path,
        [
            GOOD,
            {"task": "gsm8k", "prompt": "Q: 2 + 2?\nA:", "output": "4", "model": "gpt-4"},
            {**GOOD, "inputs": {"sentence": "a dull film"}, "output": " 0", "model": "gpt-4o"},
        ],
    )
    out, _ = run("import_reference", path)
    assert "imported 3" in out
    assert ReferenceOutput.objects.filter(source="import").count() == 3
    sst2 = Task.objects.get(slug=SLUG)
    prompt = sst2.prompt_template.format(sentence="a fine film")  # what the adapters get
    stored = selectors.reference_output_for(task=sst2, prompt=prompt)
    assert (stored.output, stored.model_name, stored.inputs) == (
        " 1",
        "gpt-4",
        {"sentence": "a fine film"},
    )
    gsm8k = Task.objects.get(slug="gsm8k")
    assert selectors.reference_output_for(task=gsm8k, prompt="Q: 2 + 2?\nA:").output == "4"
    run("import_reference", path)  # the same file again replaces, not duplicates
    assert ReferenceOutput.objects.count() == 3


def test_a_file_with_bad_lines_imports_nothing_and_names_each_bad_line(tasks, tmp_path):
    good = GOOD
    path = write_lines(
        tmp_path,
        [
            good,  # 1
            "{not json",  # 2
            {**good, "task": "nope"},  # 3
            {key: value for key, value in good.items() if key != "model"},  # 4
            {**good, "score": 1},  # 5
            {**good, "inputs": {"text": "x"}},  # 6
            {**good, "output": "  "},  # 7
            {**good, "prompt": "### Sentence: x"},  # 8: both inputs and prompt
            {"task": SLUG, "output": "1", "model": "gpt-4"},  # 9: neither
            good,  # 10
        ],
    )
    with pytest.raises(CommandError, match="8 bad line"):
        out, err = io.StringIO(), io.StringIO()
        call_command("import_reference", path, stdout=out, stderr=err)
    problems = {int(p.split("line ")[1].split(":")[0]): p for p in err.getvalue().splitlines()}
    assert sorted(problems) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert "not valid JSON" in problems[2]
    assert "unknown task 'nope'" in problems[3]
    assert "missing model" in problems[4]
    assert "unknown key(s) score" in problems[5]
    assert "missing sentence" in problems[6] and "no field text" in problems[6]
    assert "output must be non-empty text" in problems[7]
    assert "both inputs and prompt" in problems[8]
    assert "needs inputs" in problems[9]
    assert ReferenceOutput.objects.count() == 0


def test_a_missing_file_is_an_error(tasks, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run("import_reference", str(tmp_path / "nope.jsonl"))


# --- evaluate --models reference ------------------------------------------------------------
def test_evaluate_scores_imported_reference_answers(test_split, tmp_path):
    answers = [
        {"task": SLUG, "inputs": r["inputs"], "output": r["output"], "model": "gpt-4"}
        for r in test_split
    ]
    answers[0]["output"] = " 1" if test_split[0]["output"].strip() == "0" else " 0"  # one wrong
    answers[1] = {**answers[1], "prompt": test_split[1]["prompt"]}  # by prompt, not inputs
    del answers[1]["inputs"]
    run("import_reference", write_lines(tmp_path, answers))
    out, err = run("evaluate", "--task", SLUG, "--models", "reference", "--json")
    summary = json.loads(out)
    assert summary["tasks"][SLUG] == {"reference": 0.8}  # 4 of 5 right
    run_row = EvaluationRun.objects.get()
    assert run_row.model_kinds == ["reference"]
    assert run_row.results.count() == 5 and "skipped" not in err


def test_evaluate_asks_the_configured_endpoint_for_missing_answers_once(
    test_split, tmp_path, settings
):
    first = test_split[0]
    stored = {"task": SLUG, "inputs": first["inputs"], "output": first["output"], "model": "gpt-4"}
    run("import_reference", write_lines(tmp_path, [stored]))
    with serving_as_reference(settings, answer=" 1") as server:
        out, _ = run("evaluate", "--task", SLUG, "--models", "reference", "--json")
        assert len(server.requests) == 4  # the stored answer is not asked for again
        sent = [r["body"]["messages"][0]["content"] for r in server.requests]
        assert sent == [r["prompt"] for r in test_split[1:]]
        assert all(r["body"]["temperature"] == 0.0 for r in server.requests)
        assert ReferenceOutput.objects.filter(source="live").count() == 4
        run("evaluate", "--task", SLUG, "--models", "reference", "--json")
        assert len(server.requests) == 4  # the second run uses what the first one stored
    expected = [first["output"]] + [" 1"] * 4
    right = sum(a.strip() == r["output"].strip() for a, r in zip(expected, test_split, strict=True))
    assert json.loads(out)["tasks"][SLUG]["reference"] == pytest.approx(right / 5)


def test_evaluate_skips_a_task_with_missing_answers_and_no_endpoint(test_split, tmp_path):
    first = test_split[0]
    stored = {"task": SLUG, "inputs": first["inputs"], "output": first["output"], "model": "gpt-4"}
    run("import_reference", write_lines(tmp_path, [stored]))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="nothing was evaluated"):
        call_command("evaluate", "--task", SLUG, "--models", "reference", stdout=out, stderr=err)
    assert "skipped glue_sst2 (4 of 5 examples)" in err.getvalue()
    assert "LORALAND_REFERENCE_URL" in err.getvalue()
    assert not EvaluationRun.objects.exists()


def test_answers_of_two_models_for_the_same_prompts_are_scored_separately(test_split, tmp_path):
    right = [
        {"task": SLUG, "inputs": r["inputs"], "output": r["output"], "model": "gpt-4"}
        for r in test_split
    ]
    flipped = {"0": " 1", "1": " 0"}
    wrong = [
        {**answer, "output": flipped[answer["output"].strip()], "model": "gpt-4o"}
        for answer in right
    ]
    run("import_reference", write_lines(tmp_path, right))
    run("import_reference", write_lines(tmp_path, wrong))  # newer, but another model's
    out, _ = run("evaluate", "--task", SLUG, "--models", "reference", "--json")
    assert json.loads(out)["tasks"][SLUG] == {"reference": 1.0}  # LORALAND_REFERENCE_MODEL's
    out, _ = run(
        "evaluate", "--task", SLUG, "--models", "reference", "--reference-model", "gpt-4o", "--json"
    )
    assert json.loads(out)["tasks"][SLUG] == {"reference": 0.0}
    task = Task.objects.get(slug=SLUG)
    prompt = test_split[0]["prompt"]
    assert selectors.reference_output_for(task=task, prompt=prompt).model_name == "gpt-4"
    gpt4o = selectors.reference_output_for(task=task, prompt=prompt, model_name="gpt-4o")
    assert gpt4o.output == wrong[0]["output"]


def test_another_models_answers_are_never_fetched_live(test_split, tmp_path, settings):
    first = test_split[0]
    stored = {"task": SLUG, "inputs": first["inputs"], "output": first["output"], "model": "m"}
    run("import_reference", write_lines(tmp_path, [stored]))
    with serving_as_reference(settings) as server:
        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(CommandError, match="nothing was evaluated"):
            call_command(
                "evaluate",
                "--task",
                SLUG,
                "--models",
                "reference",
                "--reference-model",
                "m",
                stdout=out,
                stderr=err,
            )
        assert server.requests == []  # the endpoint answers as gpt-4, not as m
    assert "skipped glue_sst2 (4 of 5 examples): no stored answers of m" in err.getvalue()
    assert "only stored answers are scored for m" in err.getvalue()


def test_the_compare_page_shows_another_models_stored_answer_when_its_own_has_none(tasks, settings):
    settings.LORALAND_REFERENCE_MODEL = "gpt-4"
    task = Task.objects.get(slug=SLUG)
    kept = {"task": task, "prompt": "p", "template_sha256": template_digest(task.prompt_template)}
    ReferenceOutput.objects.create(**kept, output="4o says", model_name="gpt-4o")
    assert selectors.reference_output_for(task=task, prompt="p") is None  # not gpt-4's
    assert selectors.stored_reference_for(task=task, prompt="p")["model"] == "gpt-4o"
    ReferenceOutput.objects.create(**kept, output="4 says", model_name="gpt-4")
    ReferenceOutput.objects.create(**kept, output="newer", model_name="gpt-4o")
    assert selectors.stored_reference_for(task=task, prompt="p")["text"] == "4 says"
