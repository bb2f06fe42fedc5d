"""Adapter uploads (issue 6): the service stores a validated adapter as the next version of its
family, atomically, or nothing at all; the command and the admin form go through it; a new
version is served at once, from disk, while requests on the old one finish on it."""

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import execute_from_command_line

from playground import services
from playground.adapter_limits import AdapterRejected
from playground.models import Adapter, Task
from playground.services import NewTask, adapter_for
from worker.engine import GenerationRequest, SamplingParams, TokenEvent

from .peft_adapters import CONFIG_FILE, WEIGHTS_FILE, save_peft_adapter, zip_bytes

pytestmark = pytest.mark.django_db
UPLOAD_URL = "/admin/playground/adapter/upload/"
TEMPLATE = "Review: {review}\n### Sentiment:"


# --- Fixtures: adapters made with PEFT for the test demo's base, an empty adapter folder ---------


@pytest.fixture(scope="session")
def peft_adapter(demo_config, tmp_path_factory) -> Path:
    return save_peft_adapter(demo_config.base_dir, tmp_path_factory.mktemp("peft") / "one", seed=1)


@pytest.fixture(scope="session")
def other_peft_adapter(demo_config, tmp_path_factory) -> Path:
    return save_peft_adapter(demo_config.base_dir, tmp_path_factory.mktemp("peft") / "two", seed=2)


@pytest.fixture
def adapter_dir(tmp_path, settings, demo_config) -> Path:
    settings.LORALAND_BASE_MODEL = str(demo_config.base_dir)
    settings.LORALAND_ADAPTER_DIR = str(tmp_path / "adapters")
    return tmp_path / "adapters"


@pytest.fixture
def task() -> Task:
    return Task.objects.create(
        slug="reviews",
        name="Reviews",
        category="Sentiment",
        metric="accuracy",
        description="Is a review positive?",
        prompt_template=TEMPLATE,
        fields=["review"],
    )


@pytest.fixture
def staff(db) -> User:
    user = User.objects.create_user("staff", password="pw", is_staff=True)
    codenames = ["add_adapter", "change_adapter", "view_adapter", "add_task", "view_task"]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def two_files(folder: Path) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(CONFIG_FILE, (folder / CONFIG_FILE).read_bytes()),
        SimpleUploadedFile(WEIGHTS_FILE, (folder / WEIGHTS_FILE).read_bytes()),
    ]


def zipped(folder: Path) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile("adapter.zip", zip_bytes(folder))]


def upload(files, **arguments) -> Adapter:
    return services.adapter_upload(files=files, **arguments)


def new_task(**changes) -> NewTask:
    values = {
        "name": "Movie reviews",
        "slug": "movie_reviews",
        "category": "Sentiment",
        "metric": "accuracy",
        "prompt_template": TEMPLATE,
        "description": "Positive or negative?",
        "example_inputs": [{"review": "A warm, funny film."}],
    }
    return NewTask(**{**values, **changes})


def files_under(folder: Path) -> list[str]:
    """Every file and folder below `folder`, except the (empty) incoming folder itself."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.name != ".incoming")


# --- The service ----------------------------------------------------------------------------------


def test_a_good_upload_is_stored_as_version_1_with_its_figures(
    adapter_dir, task, staff, peft_adapter
):
    adapter = upload(two_files(peft_adapter), task=task, uploaded_by=staff)
    assert (adapter.name, adapter.family, adapter.version) == ("reviews/1", "reviews", 1)
    stored = adapter_dir / "reviews" / "1"
    assert files_under(adapter_dir) == ["reviews", "reviews/1", f"reviews/1/{CONFIG_FILE}",
                                        f"reviews/1/{WEIGHTS_FILE}"]  # fmt: skip
    assert (stored / WEIGHTS_FILE).read_bytes() == (peft_adapter / WEIGHTS_FILE).read_bytes()
    adapter.refresh_from_db()
    assert (adapter.rank, adapter.alpha) == (8, 8.0)
    assert adapter.target_modules == ["q_proj", "v_proj"]
    assert Path(adapter.base_model).name == "loraland-mini"
    assert adapter.size_bytes == sum(p.stat().st_size for p in stored.iterdir())
    assert adapter.warnings == [] and adapter.uploaded_by == staff and adapter.is_active
    assert adapter_for(task, "finetuned") == "reviews/1"
    assert list((adapter_dir / ".incoming").iterdir()) == []


def test_an_upload_removes_what_killed_uploads_left_behind(adapter_dir, task, peft_adapter):
    incoming = adapter_dir / ".incoming"
    dead, running = incoming / "dead", incoming / "running"
    for folder in (dead, running):
        folder.mkdir(parents=True)
        (folder / WEIGHTS_FILE).write_bytes(b"partial")
    two_hours_ago = time.time() - 7200
    os.utime(dead, (two_hours_ago, two_hours_ago))
    upload(two_files(peft_adapter), task=task)
    assert sorted(p.name for p in incoming.iterdir()) == ["running"]  # another upload's, now


def test_a_re_upload_is_version_2_and_served_while_version_1_stays(
    adapter_dir, task, peft_adapter, other_peft_adapter
):
    first = upload(two_files(peft_adapter), task=task)
    second = upload(zipped(other_peft_adapter), task=task)
    assert (second.name, second.version) == ("reviews/2", 2)
    assert adapter_for(task, "finetuned") == "reviews/2"
    assert (adapter_dir / "reviews/1" / WEIGHTS_FILE).read_bytes() == (
        peft_adapter / WEIGHTS_FILE
    ).read_bytes()
    assert (adapter_dir / "reviews/2/README.md").is_file()  # kept from the zip
    first.refresh_from_db()
    assert first.is_active  # still there to roll back to


def test_versions_of_a_demo_adapter_follow_it(adapter_dir, task, peft_adapter):
    # A built demo adapter is <slug>/ itself, registered as version 1 of the family <slug>.
    shutil.copytree(peft_adapter, adapter_dir / "reviews")
    services.adapter_register_if_present(task=task, adapter_dir=adapter_dir)
    assert adapter_for(task, "finetuned") == "reviews"
    assert upload(two_files(peft_adapter), task=task).name == "reviews/2"
    assert adapter_for(task, "finetuned") == "reviews/2"


def test_the_name_given_starts_a_family_and_later_uploads_follow_it(
    task, adapter_dir, peft_adapter
):
    named = upload(two_files(peft_adapter), task=task, family="reviews-lora")
    assert named.name == "reviews-lora/1"
    assert upload(two_files(peft_adapter), task=task).name == "reviews-lora/2"


BAD_UPLOADS = {
    "pickled weights": lambda good: [
        SimpleUploadedFile(CONFIG_FILE, (good / CONFIG_FILE).read_bytes()),
        SimpleUploadedFile("adapter_model.bin", b"\x80\x04K\x01."),
    ],
    "truncated weights": lambda good: [
        SimpleUploadedFile(CONFIG_FILE, (good / CONFIG_FILE).read_bytes()),
        SimpleUploadedFile(WEIGHTS_FILE, (good / WEIGHTS_FILE).read_bytes()[:-100]),
    ],
    "rank too large": lambda good: [
        SimpleUploadedFile(
            CONFIG_FILE,
            json.dumps(json.loads((good / CONFIG_FILE).read_text()) | {"r": 128}).encode(),
        ),
        SimpleUploadedFile(WEIGHTS_FILE, (good / WEIGHTS_FILE).read_bytes()),
    ],
    "empty archive": lambda good: [SimpleUploadedFile("adapter.zip", b"PK\x05\x06" + b"\0" * 18)],
}


@pytest.mark.parametrize("bad", BAD_UPLOADS, ids=list(BAD_UPLOADS))
def test_a_refused_upload_leaves_no_files_no_rows_and_no_temp_folder(
    bad, adapter_dir, task, peft_adapter
):
    with pytest.raises(AdapterRejected) as caught:
        upload(BAD_UPLOADS[bad](peft_adapter), task=task)
    assert caught.value.code.isupper() and caught.value.message
    assert files_under(adapter_dir) == []
    assert list((adapter_dir / ".incoming").iterdir()) == []
    assert not Adapter.objects.exists()


def test_a_refused_upload_for_a_new_task_creates_no_task(adapter_dir, peft_adapter):
    bad = BAD_UPLOADS["truncated weights"](peft_adapter)
    with pytest.raises(AdapterRejected):
        upload(bad, new_task=new_task())
    assert not Task.objects.exists() and files_under(adapter_dir) == []


def test_a_failure_after_the_move_takes_the_files_back_out(
    adapter_dir, task, peft_adapter, monkeypatch
):
    def broken_create(**fields):
        assert (adapter_dir / "reviews/1" / WEIGHTS_FILE).is_file()  # moved, not yet recorded
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Adapter.objects, "create", broken_create)
    with pytest.raises(RuntimeError):
        upload(two_files(peft_adapter), task=task)
    assert files_under(adapter_dir) == []  # not even the family folder, left empty
    assert not Adapter.objects.exists()


def test_a_failure_after_the_move_keeps_the_familys_other_versions(
    adapter_dir, task, peft_adapter, monkeypatch
):
    upload(two_files(peft_adapter), task=task)
    monkeypatch.setattr(Adapter.objects, "create", lambda **fields: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        upload(two_files(peft_adapter), task=task)
    assert files_under(adapter_dir / "reviews") == ["1", f"1/{CONFIG_FILE}", f"1/{WEIGHTS_FILE}"]


def test_an_upload_lands_when_a_failed_one_removes_the_empty_family_folder_meanwhile(
    adapter_dir, task, peft_adapter, monkeypatch
):
    # A failed upload of the task removes the family folder it left empty; another upload
    # may have just made that folder and be about to rename into it: it makes it again.
    rename = os.rename
    removed = []

    def rename_after_removal(source, target):
        if not removed:
            removed.append(Path(target).parent)
            Path(target).parent.rmdir()
        rename(source, target)

    monkeypatch.setattr(os, "rename", rename_after_removal)
    assert upload(two_files(peft_adapter), task=task).name == "reviews/1"
    assert removed == [adapter_dir / "reviews"]
    assert (adapter_dir / "reviews/1" / WEIGHTS_FILE).is_file()


def test_an_upload_never_takes_a_version_folder_that_exists(adapter_dir, task, peft_adapter):
    # Another upload's folder (moved into place, its row not yet committed) or a crashed
    # one's: its name may be cached by a worker, so it is never reused for other weights.
    taken = adapter_dir / "reviews" / "1"
    shutil.copytree(peft_adapter, taken)
    assert upload(two_files(peft_adapter), task=task).name == "reviews/2"
    assert sorted(p.name for p in taken.iterdir()) == sorted(p.name for p in peft_adapter.iterdir())


def test_an_upload_whose_number_is_taken_meanwhile_takes_the_next(
    adapter_dir, task, peft_adapter, other_peft_adapter, monkeypatch
):
    # Uploads of one task take turns (the task's row lock; SQLite's write lock), so this
    # cannot happen through the service; should it, e.g. with a folder copied in by hand
    # between the count and the move, the move takes the next number and overwrites nothing.
    move = services.move_into_place

    def move_after_someone_else(source, *, family_dir, version):
        shutil.copytree(other_peft_adapter, family_dir / str(version))
        return move(source, family_dir=family_dir, version=version)

    monkeypatch.setattr(services.uploads, "move_into_place", move_after_someone_else)
    adapter = upload(two_files(peft_adapter), task=task)
    assert (adapter.name, adapter.version) == ("reviews/2", 2)
    stored = adapter_dir / "reviews"
    assert (stored / "1" / WEIGHTS_FILE).read_bytes() == (
        other_peft_adapter / WEIGHTS_FILE
    ).read_bytes()
    assert (stored / "2" / WEIGHTS_FILE).read_bytes() == (peft_adapter / WEIGHTS_FILE).read_bytes()


def test_rolling_back_serves_an_older_version_and_forward_again(
    adapter_dir, task, peft_adapter, other_peft_adapter
):
    v1 = upload(two_files(peft_adapter), task=task)
    v2 = upload(two_files(other_peft_adapter), task=task)
    services.adapter_activate(adapter=v1)  # roll back
    assert adapter_for(task, "finetuned") == "reviews/1"
    v2.refresh_from_db()
    assert not v2.is_active and (adapter_dir / "reviews/2").is_dir()  # kept for later
    services.adapter_activate(adapter=v2)  # and forward again
    assert adapter_for(task, "finetuned") == "reviews/2"
    services.adapter_deactivate(adapter=v2)  # switching the newest off falls back to v1
    assert adapter_for(task, "finetuned") == "reviews/1"
    v3 = upload(two_files(peft_adapter), task=task)
    assert adapter_for(task, "finetuned") == v3.name == "reviews/3"


def test_a_new_task_is_created_with_its_first_adapter(adapter_dir, peft_adapter, client):
    Task.objects.create(slug="first", name="First", position=7, fields=[], prompt_template="{x}")
    adapter = upload(two_files(peft_adapter), new_task=new_task())
    task = adapter.task
    assert (task.slug, task.name, task.category, task.metric) == (
        "movie_reviews", "Movie reviews", "Sentiment", "accuracy"
    )  # fmt: skip
    assert task.fields == ["review"] and task.prompt_template == TEMPLATE
    assert task.examples == [{"inputs": {"review": "A warm, funny film."}}]
    assert task.position == 8  # after the others
    assert adapter.name == "movie_reviews/1" and adapter_for(task, "finetuned") == adapter.name
    assert "Movie reviews" in client.get("/").content.decode()  # the catalog shows it at once
    assert client.get("/tasks/movie_reviews/").status_code == 200
    assert "Movie reviews" in client.get("/leaderboard/").content.decode()


@pytest.mark.parametrize(
    "changes, field, problem",
    [
        ({"prompt_template": "Review: {review"}, "prompt_template", "cannot be parsed"),
        ({"prompt_template": "No fields here"}, "prompt_template", "no {field}"),
        ({"prompt_template": "Review: {}"}, "prompt_template", "not a field name"),
        ({"prompt_template": "Review: {0}"}, "prompt_template", "not a field name"),
        ({"prompt_template": "Review: {r.text}"}, "prompt_template", "not a field name"),
        ({"prompt_template": "Review: {review!r}"}, "prompt_template", "without a format"),
        ({"prompt_template": "Review: {review:>9}"}, "prompt_template", "without a format"),
        ({"example_inputs": [{"text": "x"}]}, "example_inputs", "missing review"),
        ({"example_inputs": [{"review": ""}]}, "example_inputs", "non-empty text"),
        ({"example_inputs": {"review": "x"}}, "example_inputs", "a list"),
        ({"metric": "bleu"}, "metric", "accuracy"),
        ({"slug": "Not a slug!"}, "slug", "lowercase"),
        ({"name": " "}, "name", "needed"),
    ],
)
def test_a_new_task_must_be_well_defined(changes, field, problem, adapter_dir, peft_adapter):
    assert problem in services.new_task_problems(new_task(**changes))[field]
    with pytest.raises(AdapterRejected) as caught:
        upload(two_files(peft_adapter), new_task=new_task(**changes))
    assert caught.value.code == "INVALID_TASK"
    assert not Task.objects.exists() and not adapter_dir.exists()  # refused before any file


def test_a_template_with_literal_braces_is_fine():
    assert services.prompt_template_problem('JSON {{"a": 1}} for {text}') is None


def test_a_new_task_cannot_take_an_existing_slug(task):
    assert "exists" in services.new_task_problems(new_task(slug="reviews"))["slug"]


def test_an_adapter_name_serves_one_task_only(adapter_dir, task, peft_adapter):
    upload(two_files(peft_adapter), task=task)
    with pytest.raises(AdapterRejected) as caught:
        upload(two_files(peft_adapter), new_task=new_task(), family="reviews")
    assert caught.value.code == "NAME_TAKEN" and "Reviews" in caught.value.message
    assert not Task.objects.filter(slug="movie_reviews").exists()
    assert files_under(adapter_dir / "reviews") == ["1", f"1/{CONFIG_FILE}", f"1/{WEIGHTS_FILE}"]


def test_an_adapter_name_cannot_be_another_tasks_slug(adapter_dir, task, peft_adapter):
    # A later build_demo would write that task's own adapter to <slug>/, and load_tasks
    # register it: two tasks in one family.
    Task.objects.create(slug="glue_sst2", name="SST-2", fields=[], prompt_template="{x}")
    for name in ("glue_sst2", "boolq"):  # a task's; a demo task's not loaded yet
        with pytest.raises(AdapterRejected) as caught:
            upload(two_files(peft_adapter), task=task, family=name)
        assert caught.value.code == "NAME_TAKEN" and "slug of another task" in caught.value.message
    with pytest.raises(AdapterRejected) as caught:
        upload(two_files(peft_adapter), new_task=new_task(), family="reviews")
    assert caught.value.code == "NAME_TAKEN"
    assert files_under(adapter_dir) == [] and not Adapter.objects.exists()
    assert upload(two_files(peft_adapter), task=task, family="reviews").name == "reviews/1"


@pytest.mark.parametrize("name", ["../up", "a/b", ".hidden", "a..b", "x" * 97, ""])
def test_an_adapter_name_is_one_safe_path_segment(name, adapter_dir, task, peft_adapter):
    with pytest.raises(AdapterRejected) as caught:
        upload(two_files(peft_adapter), task=task, family=name or " ")
    assert caught.value.code == "INVALID_NAME"


# --- Hot-load: a new version is read from disk on first use; old requests finish on the old one --


def test_a_request_on_version_1_finishes_on_it_while_version_2_arrives(
    adapter_dir, task, peft_adapter, other_peft_adapter, new_engine
):
    upload(two_files(peft_adapter), task=task)
    engine = new_engine(adapter_dir)
    prompt = "Write one sentence that expresses"
    params = SamplingParams(max_new_tokens=200, ignore_eos=True)
    alone = engine.generate(GenerationRequest(prompt, adapter="reviews/1", params=params)).text

    name = adapter_for(task, "finetuned")  # what generation_create stores on the row
    handle = engine.submit(GenerationRequest(prompt, adapter=name, params=params))
    events = handle.events()
    assert isinstance(next(events), TokenEvent)  # it is running
    upload(two_files(other_peft_adapter), task=task)  # version 2 lands mid-answer
    new_name = adapter_for(task, "finetuned")
    newer = engine.generate(GenerationRequest(prompt, adapter=new_name, params=params))
    rest = list(events)

    assert rest[-1].finish_reason == "length" and rest[-1].text == alone  # all on version 1
    assert new_name == "reviews/2" and newer.text != alone  # no restart, read from disk
    assert set(engine.resident_adapters()) == {"reviews/1", "reviews/2"}


# --- The command ----------------------------------------------------------------------------------


def run_command(*args: str) -> int:
    """`manage.py upload_adapter ...` in this process: its exit status."""
    try:
        execute_from_command_line(["manage.py", "upload_adapter", *args])
    except SystemExit as exc:
        return exc.code
    return 0


def test_the_command_uploads_a_trainer_folder_and_prints_one_line(
    adapter_dir, task, peft_adapter, tmp_path, capsys
):
    folder = shutil.copytree(peft_adapter, tmp_path / "checkpoint")
    (folder / "training_args.bin").write_bytes(b"\x80\x04K\x01.")  # a pickle, left out
    assert run_command(str(folder), "--task", "reviews") == 0
    out, err = capsys.readouterr()
    (line,) = out.splitlines()
    assert line.startswith("uploaded reviews/1 for reviews: rank 8, alpha 8, q_proj, v_proj, ")
    assert line.endswith(" KB, now served") and err == ""
    assert sorted(p.name for p in (adapter_dir / "reviews/1").iterdir()) == [
        CONFIG_FILE,
        WEIGHTS_FILE,
    ]


def test_the_command_takes_an_archive_or_the_two_files_and_a_name(
    adapter_dir, task, peft_adapter, tmp_path, capsys
):
    archive = tmp_path / "adapter.zip"
    archive.write_bytes(zip_bytes(peft_adapter))
    files = [str(peft_adapter / CONFIG_FILE), str(peft_adapter / WEIGHTS_FILE)]
    assert run_command(str(archive), "--task", "reviews", "--name", "sentiment-lora") == 0
    assert run_command(*files, "--task", "reviews") == 0
    assert "sentiment-lora/2" in capsys.readouterr().out.splitlines()[-1]
    assert adapter_for(task, "finetuned") == "sentiment-lora/2"


def test_the_command_fails_with_the_reason_on_stderr(
    adapter_dir, task, peft_adapter, tmp_path, capsys
):
    folder = tmp_path / "pickled"
    folder.mkdir()
    shutil.copy(peft_adapter / CONFIG_FILE, folder)
    (folder / "adapter_model.bin").write_bytes(b"\x80\x04K\x01.")
    assert run_command(str(folder), "--task", "reviews") == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "PICKLE_REFUSED" in err and "safetensors" in err and "adapter_model.bin" in err
    assert not Adapter.objects.exists() and files_under(adapter_dir) == []


@pytest.mark.parametrize(
    "args, code",
    [
        (["--task", "nope"], "UNKNOWN_TASK"),
        (["--task", "reviews", "--name", "../x"], "INVALID_NAME"),
        (["--task", "reviews", "missing.zip"], "NOT_FOUND"),
    ],
)
def test_the_command_names_each_failure(args, code, adapter_dir, task, peft_adapter, capsys):
    paths = [] if "missing.zip" in args else [str(peft_adapter)]
    assert run_command(*paths, *args) == 1
    assert code in capsys.readouterr().err


# --- The admin ------------------------------------------------------------------------------------


def post_upload(client, files, **fields):
    return client.post(UPLOAD_URL, {"files": files, **fields})


def test_only_staff_reach_the_upload_form(client, staff):
    assert client.get(UPLOAD_URL).url.startswith("/admin/login/")
    User.objects.create_user("visitor", password="pw")
    client.login(username="visitor", password="pw")
    assert client.get(UPLOAD_URL).url.startswith("/admin/login/")
    User.objects.create_user("clerk", password="pw", is_staff=True)  # staff, no permission
    client.login(username="clerk", password="pw")
    assert client.get(UPLOAD_URL).status_code == 403
    client.force_login(staff)
    page = client.get(UPLOAD_URL).content.decode()
    assert 'type="file"' in page and "multiple" in page and ".safetensors" in page
    assert 'data-testid="upload-progress"' in page and "js/adapter-upload.js" in page


def test_add_adapter_opens_the_upload_form(client, staff):
    client.force_login(staff)
    assert client.get("/admin/playground/adapter/add/").url == UPLOAD_URL


def test_a_non_staff_post_stores_nothing(client, adapter_dir, task, peft_adapter):
    User.objects.create_user("visitor", password="pw")
    client.login(username="visitor", password="pw")
    response = post_upload(client, two_files(peft_adapter), task=task.pk)
    assert response.status_code == 302 and not Adapter.objects.exists()
    assert not adapter_dir.exists()


def test_staff_upload_two_files_for_a_task(client, staff, adapter_dir, task, peft_adapter):
    client.force_login(staff)
    response = post_upload(client, two_files(peft_adapter), task=task.pk)
    assert response.status_code == 302
    assert response.url == "/admin/playground/adapter/"
    adapter = Adapter.objects.get()
    assert adapter.name == "reviews/1" and adapter.uploaded_by == staff
    listing = client.get(response.url).content.decode()
    assert "Uploaded reviews/1" in listing  # the message
    for shown in ("reviews/1", "q_proj, v_proj", "loraland-mini", "KB", "staff", "serving"):
        assert shown in listing, shown


def test_the_upload_script_gets_json_back(client, staff, adapter_dir, task, peft_adapter):
    client.force_login(staff)
    response = client.post(
        UPLOAD_URL,
        {"files": zipped(peft_adapter), "task": task.pk},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.json() == {"redirect": "/admin/playground/adapter/"}


def test_a_refused_upload_shows_the_reason_on_the_form(
    client, staff, adapter_dir, task, peft_adapter
):
    client.force_login(staff)
    bad = BAD_UPLOADS["pickled weights"](peft_adapter)
    response = post_upload(client, bad, task=task.pk)
    page = response.content.decode()
    assert response.status_code == 200
    assert "pickle" in page and "(PICKLE_REFUSED)" in page and 'class="errornote"' in page
    assert not Adapter.objects.exists() and files_under(adapter_dir) == []


def test_staff_create_a_task_in_the_same_form(client, staff, adapter_dir, peft_adapter):
    client.force_login(staff)
    response = post_upload(
        client,
        zipped(peft_adapter),
        task_name="Movie reviews",
        category="Sentiment",
        metric="accuracy",
        prompt_template=TEMPLATE,
        example_inputs='[{"review": "A warm, funny film."}]',
    )
    assert response.status_code == 302
    task = Task.objects.get(slug="movie-reviews")  # made from the name
    assert task.adapters.get().name == "movie-reviews/1"
    assert 'href="/tasks/movie-reviews/"' in client.get("/").content.decode()


def test_creating_a_task_in_the_form_needs_the_add_task_permission(
    client, staff, adapter_dir, peft_adapter
):
    staff.user_permissions.remove(Permission.objects.get(codename="add_task"))
    client.force_login(staff)
    response = post_upload(
        client,
        two_files(peft_adapter),
        task_name="Movie reviews",
        category="Sentiment",
        metric="accuracy",
        prompt_template=TEMPLATE,
    )
    assert response.status_code == 200
    assert "not create tasks" in response.content.decode()
    assert not Task.objects.exists() and not Adapter.objects.exists()
    assert not adapter_dir.exists()


def test_the_form_shows_each_problem_of_a_new_task(client, staff, adapter_dir, peft_adapter):
    client.force_login(staff)
    response = post_upload(
        client,
        two_files(peft_adapter),
        task_name="Movie reviews",
        metric="accuracy",
        prompt_template="Review: {review",
        example_inputs="not json",
    )
    errors = response.context["form"].errors
    assert "needed" in errors["category"][0]
    assert "cannot be parsed" in errors["prompt_template"][0]
    assert "not valid JSON" in errors["example_inputs"][0]
    assert not Task.objects.exists() and not adapter_dir.exists()


def test_a_task_and_a_new_task_at_once_is_refused(client, staff, adapter_dir, task, peft_adapter):
    client.force_login(staff)
    response = post_upload(client, two_files(peft_adapter), task=task.pk, task_name="Another")
    assert "not both" in response.content.decode() and not Adapter.objects.exists()


def test_the_serve_action_rolls_back(client, staff, adapter_dir, task, peft_adapter):
    v1 = upload(two_files(peft_adapter), task=task)
    upload(two_files(peft_adapter), task=task)
    client.force_login(staff)
    client.post("/admin/playground/adapter/", {"action": "serve", "_selected_action": [v1.pk]})
    assert adapter_for(task, "finetuned") == "reviews/1"
    listing = client.get("/admin/playground/adapter/").content.decode()
    assert "inactive" in listing and "serving" in listing


def test_the_stop_serving_action_falls_back(client, staff, adapter_dir, task, peft_adapter):
    upload(two_files(peft_adapter), task=task)
    v2 = upload(two_files(peft_adapter), task=task)
    client.force_login(staff)
    client.post(
        "/admin/playground/adapter/", {"action": "stop_serving", "_selected_action": [v2.pk]}
    )
    assert adapter_for(task, "finetuned") == "reviews/1"


def test_the_upload_is_moved_into_place_by_one_rename_inside_the_adapter_folder(
    adapter_dir, task, peft_adapter, monkeypatch
):
    # The temporary folder is on the adapter folder's filesystem, so the move is atomic.
    renames = []
    rename = os.rename

    def recording_rename(source, target):
        renames.append((Path(source).relative_to(adapter_dir).parts[0], Path(target)))
        rename(source, target)

    monkeypatch.setattr(os, "rename", recording_rename)
    upload(two_files(peft_adapter), task=task)
    assert renames == [(".incoming", adapter_dir / "reviews" / "1")]
