"""Rounds into one report: medians, paired ratios, the table and the plot."""

import json
import statistics
import sys
from contextlib import closing
from pathlib import Path

from .baselines import MAX_STATIC_BATCH, load_peft, run_static
from .engine_runs import on_own_thread, run_engine, warm_engine
from .workload import Workload, scenarios


def run_all(
    args, config, prompts: dict[str, list[str]], held_out: dict[str, str] | None = None
) -> list[dict]:
    """Every scenario `args.repeats` times, in interleaved rounds so that a shared machine's
    drift hits every system alike; one row per scenario holding the median of each figure and
    every round's throughput (`tokens_per_s_runs`, for paired ratios). In each round the
    engine runs first and is closed before the PEFT baselines run, so that no system shares
    the machine with another one's idle thread pool."""
    adapters = list(prompts)
    plan = list(scenarios(adapters, args.users, args.baseline_users))
    results: list[list[dict]] = [[] for _ in plan]  # per scenario, one result per round
    on_engine = [i for i, scenario in enumerate(plan) if scenario[0].startswith("engine")]
    on_peft = [i for i in range(len(plan)) if i not in on_engine]

    def workload(round_: int, index: int) -> Workload:
        system, label, users, asked, popularity = plan[index]
        step = f"round {round_}/{args.repeats}, [{index + 1}/{len(plan)}]"
        print(f"{step} {system} {label}, {users} users", file=sys.stderr)
        requests = max(args.min_requests, args.requests_per_user * users)
        if system.startswith("peft") and args.baseline_requests:
            requests = args.baseline_requests  # PEFT one at a time is slow on a 7B model
        read_every_s = args.read_every_ms / 1000
        return Workload(prompts, asked, popularity, users, requests, args.new_tokens, read_every_s)

    for round_ in range(1, args.repeats + 1):
        if on_engine:
            with closing(warm_engine(config, adapters, held_out)) as engine:
                for index in on_engine:
                    results[index].append(run_engine(engine, workload(round_, index)))
        peft = on_own_thread(load_peft, config, adapters) if on_peft else None
        for index in on_peft:
            system, work = plan[index][0], workload(round_, index)
            batch = 1 if system == "peft_sequential" else MAX_STATIC_BATCH
            mixed = system == "peft_mixed"
            results[index].append(on_own_thread(run_static, *peft, work, batch, mixed))
    return [
        {"system": system, "adapters": label, "users": users, **combine(rounds)}
        for (system, label, users, _, _), rounds in zip(plan, results, strict=True)
    ]


def combine(results: list[dict]) -> dict:
    """The median of each figure over the rounds; requests summed, peak RSS the highest."""
    row = {}
    for key in results[0]:
        values = [r[key] for r in results if r[key] is not None]
        if key == "requests":
            row[key] = sum(values)
        elif key == "peak_rss_mb":
            row[key] = max(values)
        else:
            row[key] = round(statistics.median(values), 2) if values else None
    row["tokens_per_s_runs"] = [r["tokens_per_s"] for r in results]
    return row


def ratios(rows: list[dict], adapters: int) -> dict:
    """Throughput ratios, each the median over rounds of the ratio within one round (the two
    systems ran minutes apart at most, so the machine's drift cancels out); `ratio_rounds`
    keeps every round's, so that several runs' rounds can be pooled."""

    def runs(system, users, label=f"{adapters} uniform"):
        for row in rows:
            if (row["system"], row["users"], row["adapters"]) == (system, users, label):
                return row["tokens_per_s_runs"]
        return None

    def per_round(ours, theirs) -> list[float] | None:
        if not ours or not theirs:
            return None
        return [a / b for a, b in zip(ours, theirs, strict=True)]

    def median(values: list[float] | None) -> float | None:
        return round(statistics.median(values), 2) if values else None

    ours = runs("engine", 32)
    rounds = {
        "vs_peft_sequential": per_round(ours, runs("peft_sequential", 32)),
        "vs_peft_mixed": per_round(ours, runs("peft_mixed", 32)),
        "vs_base": per_round(ours, runs("engine_base", 32, "no LoRA")),
        "scaling_100_vs_1": per_round(runs("engine", 100), runs("engine", 1)),
    }
    return {
        "ratios": {
            name: median(values) for name, values in rounds.items() if name != "scaling_100_vs_1"
        },
        "scaling_100_vs_1": median(rounds["scaling_100_vs_1"]),
        "ratio_rounds": {
            name: [round(value, 3) for value in values] if values else None
            for name, values in rounds.items()
        },
    }


def draw(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    series: dict[str, list[dict]] = {}
    for row in rows:
        series.setdefault(f"{row['system']} ({row['adapters']})", []).append(row)
    for name, points in series.items():
        users = [p["users"] for p in points]
        style = "o-" if name.startswith("engine") else "s--"
        left.plot(users, [p["tokens_per_s"] for p in points], style, label=name)
        right.plot(users, [p["ttft_ms_p50"] for p in points], style, label=name)
    for axis, title, unit in ((left, "Throughput", "tokens/s"), (right, "TTFT p50", "ms")):
        axis.set(xscale="log", xlabel="concurrent users", ylabel=unit, title=title)
        axis.grid(True, alpha=0.3)
    right.set_yscale("log")
    left.legend(fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def spread(row: dict) -> float:
    runs = row["tokens_per_s_runs"]
    return (max(runs) - min(runs)) / max(row["tokens_per_s"], 1e-9)


def format_table(report: dict) -> str:
    head = f"{'system':<16}{'adapters':<13}{'users':>6}{'tok/s':>9}"
    head += f"{'TTFT p50':>10}{'p95':>9}{'ITL p50':>9}{'p95':>8}{'RSS MB':>8}{'spread':>8}"
    lines = [
        f"{report['new_tokens']} new tokens per request; closed-loop users; medians of "
        f"{report['repeats']} rounds (spread: the rounds' throughput range / median)",
        head,
    ]
    for r in report["scenarios"]:
        lines.append(
            f"{r['system']:<16}{r['adapters']:<13}{r['users']:>6}{r['tokens_per_s']:>9}"
            f"{r['ttft_ms_p50']:>10}{r['ttft_ms_p95']:>9}{r['itl_ms_p50']!s:>9}"
            f"{r['itl_ms_p95']!s:>8}{r['peak_rss_mb']:>8}{spread(r):>8.0%}"
        )
    lines.append(f"ratios at 32 users, all adapters: {json.dumps(report['ratios'])}")
    lines.append(f"throughput at 100 users / at 1: {report['scaling_100_vs_1']}")
    lines.append(f"each round's ratios: {json.dumps(report['ratio_rounds'])}")
    return "\n".join(lines)
