"""The engine on the small test demo: streaming, LoRA correctness against PEFT, cancel, errors."""

import threading
import time

import pytest
import torch

from worker.engine import (
    DoneEvent,
    ErrorEvent,
    GenerationError,
    GenerationRequest,
    SamplingParams,
    TokenEvent,
)
from worker.engine.detokenize import IncrementalDetokenizer
from worker.engine.sampling import nucleus
from worker.engine.stops import StopSequenceFilter

from .conftest import TEST_TASKS


def prompt_for(demo_config, slug: str, index: int = 0) -> str:
    from demo.generators import make_splits, render_prompt

    _, test = make_splits(slug, n_train=demo_config.n_train, n_test=demo_config.n_test)
    return render_prompt(slug, test[index]["inputs"])


def collect(handle):
    events = list(handle.events())
    return [e.text for e in events if isinstance(e, TokenEvent)], events[-1]


def test_it_streams_chunks_that_add_up_to_the_final_text(engine, demo_config):
    request = GenerationRequest(
        prompt=prompt_for(demo_config, "e2e_nlg"),
        adapter="e2e_nlg",
        params=SamplingParams(max_new_tokens=40),
    )
    chunks, done = collect(engine.submit(request))
    assert isinstance(done, DoneEvent)
    assert len(chunks) >= 2
    assert "".join(chunks) == done.text
    assert done.completion_tokens >= 2 and done.prompt_tokens > 10
    assert done.finish_reason in ("stop", "length")
    assert engine.generate(request).text == done.text  # greedy is deterministic


@pytest.mark.parametrize("slug", TEST_TASKS)
def test_greedy_output_matches_peft_generate(engine, demo_config, slug):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(demo_config.base_dir)
    peft_model = PeftModel.from_pretrained(base, demo_config.adapter_dir / slug).eval()
    prompt = prompt_for(demo_config, slug, index=1)
    ids = engine.tokenizer(prompt, return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        expected = peft_model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=24,
            do_sample=False,
            eos_token_id=engine.tokenizer.eos_token_id,
            pad_token_id=engine.tokenizer.pad_token_id,
        )[0, ids.shape[1] :]
    expected_text = engine.tokenizer.decode(expected, skip_special_tokens=True)
    done = engine.generate(
        GenerationRequest(prompt=prompt, adapter=slug, params=SamplingParams(max_new_tokens=24))
    )
    assert done.text == expected_text


def test_the_adapter_changes_the_answer(engine, demo_config):
    prompt = prompt_for(demo_config, "e2e_nlg")
    params = SamplingParams(max_new_tokens=20)
    tuned = engine.generate(GenerationRequest(prompt=prompt, adapter="e2e_nlg", params=params))
    base = engine.generate(GenerationRequest(prompt=prompt, adapter=None, params=params))
    assert tuned.text != base.text


def test_seeded_sampling_is_reproducible(engine, demo_config):
    prompt = prompt_for(demo_config, "gsm8k")

    def sample(seed):
        params = SamplingParams(max_new_tokens=20, temperature=1.0, top_p=0.9, seed=seed)
        return engine.generate(GenerationRequest(prompt=prompt, adapter="gsm8k", params=params))

    assert sample(7).text == sample(7).text
    assert len({sample(s).text for s in range(4)}) > 1


def test_cancel_stops_one_request_and_the_others_finish(engine, demo_config):
    long = SamplingParams(max_new_tokens=200, temperature=2.0, seed=1, ignore_eos=True)
    victim = engine.submit(GenerationRequest(prompt=prompt_for(demo_config, "webnlg"), params=long))
    others = [
        engine.submit(GenerationRequest(prompt=prompt_for(demo_config, s), adapter=s))
        for s in ("e2e_nlg", "gsm8k")
    ]
    first = next(victim.events())
    assert isinstance(first, TokenEvent)
    victim.cancel()
    _, done = collect(victim)
    assert done.finish_reason == "cancelled"
    assert done.completion_tokens < 200
    for handle in others:
        assert isinstance(collect(handle)[1], DoneEvent)


def test_an_unknown_adapter_fails_alone(engine, demo_config):
    good = engine.submit(
        GenerationRequest(prompt=prompt_for(demo_config, "gsm8k"), adapter="gsm8k")
    )
    bad = engine.submit(GenerationRequest(prompt="hello", adapter="no_such_adapter"))
    traversal = engine.submit(GenerationRequest(prompt="hello", adapter="../models"))
    for handle in (bad, traversal):
        _, error = collect(handle)
        assert isinstance(error, ErrorEvent) and error.code == "ADAPTER_NOT_FOUND"
    assert isinstance(collect(good)[1], DoneEvent)


def test_a_prompt_longer_than_the_context_is_refused(engine):
    with pytest.raises(GenerationError) as caught:
        engine.generate(GenerationRequest(prompt="word " * (engine.context_length + 10)))
    assert caught.value.code == "PROMPT_TOO_LONG"


def test_max_new_tokens_bounds_the_answer(engine, demo_config):
    params = SamplingParams(max_new_tokens=3, temperature=2.0, seed=3)
    done = engine.generate(
        GenerationRequest(prompt=prompt_for(demo_config, "webnlg"), params=params)
    )
    assert done.completion_tokens <= 3


def test_chunks_never_split_a_multibyte_character(engine):
    text = "café ☕ naïve 日本語 ✓ 🙂"
    ids = engine.tokenizer(text, add_special_tokens=False)["input_ids"]
    detok = IncrementalDetokenizer(engine.tokenizer)
    chunks = [detok.push(i) for i in ids] + [detok.flush()]
    assert all("\ufffd" not in c for c in chunks)
    assert "".join(chunks) == text


def test_an_answer_cut_inside_a_character_ends_in_a_replacement_character(engine):
    ids = engine.tokenizer("naïve 🙂", add_special_tokens=False)["input_ids"]
    detok = IncrementalDetokenizer(engine.tokenizer)
    shown = "".join(detok.push(i) for i in ids[:-1])  # the emoji's last byte never comes
    assert shown == "naïve "  # its first bytes wait for the rest...
    assert detok.flush() == "\ufffd"  # ...and the end shows them as what they are


def test_each_token_event_counts_the_tokens_its_text_completes(engine, demo_config):
    # A long stop sequence that never comes: the filter holds back 9 characters, so the
    # first tokens' text waits and comes out with a later token's.
    params = SamplingParams(max_new_tokens=24, ignore_eos=True, stop=("\u2603" * 10,))
    handle = engine.submit(GenerationRequest(prompt_for(demo_config, "webnlg"), None, params))
    events = list(handle.events())
    done, counts = events[-1], [e.tokens for e in events if isinstance(e, TokenEvent)]
    # Replay the same tokens through the same filters: a new event at each text.
    detok, stops = IncrementalDetokenizer(engine.tokenizer), StopSequenceFilter(params.stop)
    expected, pending = [], 0
    for token in done.token_ids:
        pending += 1
        if stops.feed(detok.push(token)):
            expected.append(pending)
            pending = 0
    for text in (stops.feed(detok.flush()), stops.finish()):  # as the engine finishes
        if text:
            expected.append(pending)
            pending = 0
    assert counts == expected and max(counts) > 1
    assert sum(counts) + pending == done.completion_tokens == 24


def test_stop_sequences_cut_the_text_and_hold_back_partial_matches():
    stops = StopSequenceFilter(("###",))
    shown = [stops.feed(t) for t in ["The answer", " is 4", "\n#", "#", "# Next"]]
    assert "".join(shown) == "The answer is 4\n"
    assert stops.stopped
    assert stops.finish() == ""
    plain = StopSequenceFilter(())
    assert plain.feed("a#") + plain.finish() == "a#"


def test_nucleus_keeps_the_smallest_top_mass():
    probs = torch.tensor([0.5, 0.3, 0.15, 0.05])
    kept = nucleus(probs.clone(), 0.7)
    assert torch.allclose(kept, torch.tensor([0.5, 0.3, 0.0, 0.0]) / 0.8)


def test_a_long_answer_decoded_in_windows_equals_its_full_decoding(engine, demo_config):
    text = " ".join(prompt_for(demo_config, s, i) for s in TEST_TASKS for i in range(3)) + " ✓ 🙂"
    ids = engine.tokenizer(text, add_special_tokens=False)["input_ids"]
    assert len(ids) > 300
    detok = IncrementalDetokenizer(engine.tokenizer)
    chunks = [detok.push(i) for i in ids] + [detok.flush()]
    assert "".join(chunks) == engine.tokenizer.decode(ids) == text


def test_a_reader_that_reads_every_interval_gets_every_event_in_batches():
    from worker.engine.engine import RequestHandle

    handle = RequestHandle(GenerationRequest(prompt="x"))
    handle.put(TokenEvent("a", at=1.0))
    idle_calls = []

    def on_idle():  # the engine emits more while the reader waits out its interval
        if not idle_calls:
            for text in "bcd":
                handle.put(TokenEvent(text, at=2.0))
        idle_calls.append(time.perf_counter())

    started = time.perf_counter()
    reader = handle.events(poll_s=0.05, on_idle=on_idle, every_s=0.3)
    assert next(reader).text == "a"  # the first event comes at once
    batch = [(next(reader), time.perf_counter()) for _ in range(3)]
    assert [e.text for e, _ in batch] == ["b", "c", "d"]  # all of it, in order
    # Nothing was read before the interval was over, though it had all arrived long before.
    assert all(read_at - started >= 0.3 for _, read_at in batch)
    assert idle_calls[0] < batch[0][1]  # the idle work went on while the reader waited
    handle.put(DoneEvent("abcd", "stop", 1, 4, None, 1.0))
    assert next(reader).finish_reason == "stop"


def test_the_last_event_ends_a_reader_s_interval_at_once():
    from worker.engine.engine import RequestHandle

    handle = RequestHandle(GenerationRequest(prompt="x"))
    handle.put(TokenEvent("a", at=1.0))
    reader = handle.events(poll_s=0.05, every_s=30.0)
    assert next(reader).text == "a"
    # Tokens wait for the interval; the answer's end does not: the user who waits for the
    # whole answer gets it now, not up to every_s later.
    threading.Timer(0.1, handle.put, [TokenEvent("b", at=2.0)]).start()
    threading.Timer(0.2, handle.put, [DoneEvent("ab", "stop", 1, 2, None, 1.0)]).start()
    started = time.perf_counter()
    rest = list(reader)
    assert [type(e).__name__ for e in rest] == ["TokenEvent", "DoneEvent"]
    assert time.perf_counter() - started < 10.0  # far less than the 30 s interval


def test_token_events_carry_the_time_the_engine_emitted_them(engine, demo_config):
    request = GenerationRequest(
        prompt=prompt_for(demo_config, "e2e_nlg"),
        params=SamplingParams(max_new_tokens=8, ignore_eos=True),
    )
    handle = engine.submit(request)
    events = list(handle.events(every_s=0.2))
    stamps = [e.at for e in events if isinstance(e, TokenEvent)]
    assert stamps and handle.submitted_at < stamps[0]
    assert stamps == sorted(stamps)


def test_the_engine_loads_and_runs_the_model_on_its_own_thread(new_engine, monkeypatch):
    import threading

    from worker.engine import engine as engine_module

    loaded_on = []
    real_load = engine_module.load_base_model

    def recording_load(*args, **kwargs):
        loaded_on.append(threading.current_thread().name)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(engine_module, "load_base_model", recording_load)
    engine = new_engine()
    # The caller's thread never runs torch: a second thread pool would slow every step.
    assert loaded_on == ["loraland-engine"]
    assert engine.generate(GenerationRequest("Hello", params=SamplingParams(max_new_tokens=2)))


def test_an_engine_that_cannot_load_its_model_says_why(tmp_path):
    from worker.engine import Engine, EngineConfig

    with pytest.raises(FileNotFoundError, match="No model at"):
        Engine(EngineConfig(base_model=str(tmp_path / "missing"), adapter_dir=str(tmp_path)))


def test_close_stops_the_engine_and_fails_what_was_waiting(new_engine, monkeypatch):
    import threading

    engine = new_engine()
    release, real_read = threading.Event(), engine.adapters.read
    monkeypatch.setattr(engine.adapters, "read", lambda name: release.wait(10) and real_read(name))
    waiting = engine.submit(GenerationRequest("Hello", adapter="e2e_nlg"))  # its read blocks
    closing = threading.Thread(target=engine.close)
    closing.start()
    events = list(waiting.events())  # failed at once, though its adapter is still being read
    release.set()
    closing.join(10)
    assert isinstance(events[-1], ErrorEvent) and "stopped" in events[-1].message
    assert not closing.is_alive() and not engine._thread.is_alive()
    late = list(engine.submit(GenerationRequest("Hello")).events())
    assert isinstance(late[-1], ErrorEvent) and late[-1].code == "ENGINE_CLOSED"


def test_the_engine_counts_adapter_pool_hits_misses_loads_and_evictions(new_engine, demo_config):
    engine = new_engine(max_active_adapters=1)
    params = SamplingParams(max_new_tokens=2)
    for slug in ("webnlg", "webnlg", "e2e_nlg", "webnlg"):
        engine.generate(GenerationRequest(prompt_for(demo_config, slug), slug, params))
    engine.generate(GenerationRequest("plain", None, params))  # the base model: no lookup
    assert engine.adapter_counts() == {
        "adapter_hits": 1,
        "adapter_misses": 3,
        "adapter_loads": 3,
        "adapter_evictions": 2,
    }
    # The last answer's row leaves the batch just after its last event is sent.
    deadline = time.monotonic() + 10
    while engine.load()["running"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert engine.load() == {"running": 0, "waiting": 0, "max_batch": engine.config.max_batch}


def test_a_conversation_goes_through_the_chat_template_or_one_line_per_message(engine):
    messages = ({"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"})
    ids = engine.prompt_ids("", messages=messages)
    if getattr(engine.tokenizer, "chat_template", None):
        text = engine.tokenizer.apply_chat_template(
            list(messages), tokenize=False, add_generation_prompt=True
        )
        assert ids == engine.tokenizer(text, add_special_tokens=False)["input_ids"]
    else:
        assert ids == engine.tokenizer("Be brief.\nHi\n")["input_ids"]
    assert engine.prompt_ids("Hi", chat=False) == engine.tokenizer("Hi")["input_ids"]
