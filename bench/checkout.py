"""Checkout pricing benchmark: how long one evaluate takes on workload W1.

    .venv/bin/python bench/checkout.py engine                 # in process, 2,000 runs
    .venv/bin/python bench/checkout.py engine --runs 20000 --profile

Modes are functions in ``MODES`` taking the parsed arguments and returning a JSON-able dict;
``engine`` calls ``rules.evaluate`` in process. An ``http`` mode (gunicorn and a load
generator against ``POST /checkout/evaluate``) belongs in this file too, as one more function.
The engine mode imports neither Flask nor a database driver.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import math
import os
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as `python bench/checkout.py` from anywhere
    sys.path.insert(0, str(REPO_ROOT))

from bench.workloads import make_w1  # noqa: E402
from rules import compile_rules, evaluate, parse_cart, parse_rules  # noqa: E402

#: The engine's budget per evaluate, median, on W1.
TARGET_MEDIAN_MS = 1.0


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default; as bench/common.py)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarise_ms(seconds: Sequence[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 4),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 4),
        "mean_ms": round(statistics.fmean(seconds) * 1000, 4),
        "min_ms": round(min(seconds) * 1000, 4),
    }


def time_calls(call: Callable[[], object], runs: int, warmup: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU durations of each call. On a shared machine the wall clock also
    counts time spent waiting for a core; the CPU clock shows what the call itself costs."""
    for _ in range(warmup):
        call()
    wall, cpu = [], []
    wall_clock, cpu_clock = time.perf_counter, time.thread_time
    for _ in range(runs):
        wall_started, cpu_started = wall_clock(), cpu_clock()
        call()
        cpu.append(cpu_clock() - cpu_started)
        wall.append(wall_clock() - wall_started)
    return wall, cpu


def run_engine(args: argparse.Namespace) -> dict[str, Any]:
    """``evaluate`` in process on a compiled ruleset, as the plugin calls it with its per-shop cache.

    Also times the whole in-process request path (parse the cart, evaluate, serialise) and
    compiling the ruleset, which happens once per shop and rule change.
    """
    rule_dicts, cart_dict, groups = make_w1(args.seed)
    rules = parse_rules(rule_dicts)
    started = time.perf_counter()
    ruleset = compile_rules(rules)
    compile_ms = (time.perf_counter() - started) * 1000
    cart = parse_cart(cart_dict)
    priced = evaluate(ruleset, cart, groups)

    def request_path() -> object:
        return evaluate(ruleset, parse_cart(cart_dict), groups).to_json()

    gc.collect()
    evaluate_wall, evaluate_cpu = time_calls(lambda: evaluate(ruleset, cart, groups), args.runs, args.warmup)
    request_wall, request_cpu = time_calls(request_path, args.runs, args.warmup)
    if args.profile:
        _profile(lambda: evaluate(ruleset, cart, groups), args.runs)
    evaluate_summary = summarise_ms(evaluate_wall)
    return {
        "mode": "engine",
        "workload": {
            "name": "W1",
            "seed": args.seed,
            "rules": len(rules),
            "groups": len({group for rule in rules for group in rule.groups}),
            "customer_groups": len(groups),
            "rules_for_customer": len(ruleset.for_groups(groups)),
            "lines": len(cart.lines),
            "applied_rules": len(priced.applied_rules),
            "gifts": len(priced.gifts),
        },
        "runs": args.runs,
        "evaluate": evaluate_summary,
        "evaluate_cpu": summarise_ms(evaluate_cpu),
        "parse_evaluate_to_json": summarise_ms(request_wall),
        "parse_evaluate_to_json_cpu": summarise_ms(request_cpu),
        "load_average": _load_average(),
        "compile_rules_ms": round(compile_ms, 3),
        "target_median_ms": TARGET_MEDIAN_MS,
        "within_target": evaluate_summary["median_ms"] <= TARGET_MEDIAN_MS,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def _load_average() -> list[float] | None:
    """Other work on the machine when the run ended (1, 5, 15 minutes), to judge the wall times."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _profile(call: Callable[[], object], runs: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        call()
    profiler.disable()
    report = io.StringIO()
    pstats.Stats(profiler, stream=report).sort_stats("tottime").print_stats(15)
    print(report.getvalue(), file=sys.stderr)


#: mode name -> function(args) -> result dict.
MODES: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {"engine": run_engine}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_subparsers(dest="mode", required=True, metavar="MODE")
    engine = modes.add_parser("engine", help="rules.evaluate in process")
    engine.add_argument("--runs", type=int, default=2000, help="timed evaluations (default: %(default)s)")
    engine.add_argument("--warmup", type=int, default=200, help="untimed evaluations first (default: %(default)s)")
    engine.add_argument("--seed", type=int, default=1, help="workload seed (default: %(default)s)")
    engine.add_argument("--profile", action="store_true", help="cProfile the evaluations; report on stderr")
    args = parser.parse_args(argv)
    result = MODES[args.mode](args)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
