"""Benchmark syftapi against a bare `python -c pass` on the same interpreter.

Run it after installing the project:

    python benchmarks/bench.py [--reps N] [--quick]

It builds its own datasites in a temporary folder, measures every case in one
run interleaved with `python -c pass`, prints the median time and the median
ratio of each case, and exits 1 when a target is missed. It is not a test;
nothing in the test suite times anything.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PYTHON = sys.executable
SYFTAPI = [PYTHON, "-m", "syftapi_cli"]
BASELINE = [PYTHON, "-c", "pass"]
FRAME_ROWS = 1_000_000
BUILD_FRAME = (
    "import numpy as np, pandas as pd; "
    f"frame = pd.DataFrame(np.arange({FRAME_ROWS} * 3, dtype='float64')"
    f".reshape({FRAME_ROWS}, 3), columns=['a', 'b', 'c'])"
)

ENDPOINTS = f'''
import syftapi_cli as sy


@sy.api_endpoint(path="bench.add")
def add(context, a: int, b: int) -> int:
    return a + b


@sy.api_endpoint_method()
def small_mock(context):
    import pandas as pd
    return pd.DataFrame({{"data": ["x", "y"]}})


@sy.api_endpoint_method()
def big_private(context):
    {BUILD_FRAME}
    return frame


frame = sy.TwinAPIEndpoint(path="bench.frame", mock_function=small_mock, private_function=big_private)


@sy.api_endpoint(path="bench.counter")
def counter(context) -> int:
    context.state["count"] = context.state.get("count", 0) + 1
    return context.state["count"]


@sy.api_endpoint(path="bench.sleeper", endpoint_timeout=2)
def sleeper(context) -> int:
    import time
    time.sleep(30)
    return 0
'''


def run(argv, env, stdout=subprocess.DEVNULL, check=True):
    done = subprocess.run(argv, env=env, stdout=stdout, stderr=subprocess.PIPE, text=False)
    if check and done.returncode != 0:
        raise SystemExit(f"benchmark setup failed: {argv}: {done.stderr.decode()}")
    return done


def timed(argv, env) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure_ratio(argv, env, reps: int) -> tuple[float, float]:
    """Return the median time of ARGV and the median of its per-round ratio to the baseline."""
    times, ratios = [], []
    for _ in range(reps):
        base = timed(BASELINE, env)
        case = timed(argv, env)
        times.append(case)
        ratios.append(case / base)
    return statistics.median(times), statistics.median(ratios)


def make_datasite(folder: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYFTAPI_")}
    env.update(
        SYFTAPI_HOME=str(folder / "home"),
        SYFTAPI_CONFIG_DIR=str(folder / "config"),
        SYFTAPI_INSECURE_FAST_HASH="1",
    )
    subprocess.run(
        [*SYFTAPI, "init", "--admin-email", "bench@example.org", "--password-stdin"],
        env=env, input=b"bench-password\n", capture_output=True,
    )
    token = run([*SYFTAPI, "token", "create"], env, stdout=subprocess.PIPE).stdout.decode().strip()
    env["SYFTAPI_TOKEN"] = token
    module = folder / "bench_endpoints.py"
    module.write_text(ENDPOINTS)
    run([*SYFTAPI, "endpoint", "add", str(module)], env)
    return env


def grow_datasite(home: Path, endpoints: int, jobs: int) -> None:
    """Copy records in place: ENDPOINTS endpoint records and JOBS job records."""
    template = json.loads((home / "endpoints" / "bench.add.json").read_text())
    for index in range(endpoints):
        path = f"filler.e{index:05d}"
        record = {**template, "path": path}
        (home / "endpoints" / f"{path}.json").write_text(json.dumps(record))
    job = {
        "schema": 1, "endpoint": "bench.add", "code": None, "user": "bench@example.org",
        "side": "public", "status": "completed", "started_at": time.time(),
        "duration_s": 0.1, "pid": 1, "error": None, "result_stored": False,
        "logs_truncated": False,
    }
    for index in range(jobs):
        job_id = f"{index:011x}0000"
        (home / "jobs" / f"{job_id}.json").write_text(json.dumps({**job, "id": job_id}))


def count_after_parallel(env, processes: int, runs: int) -> tuple[float, int]:
    def worker(_):
        for _ in range(runs):
            run([*SYFTAPI, "run", "bench.counter", "--format", "json"], env)

    started = time.perf_counter()
    with ThreadPoolExecutor(processes) as pool:
        list(pool.map(worker, range(processes)))
    elapsed = time.perf_counter() - started
    shown = run([*SYFTAPI, "state", "show", "bench.counter", "--format", "json"], env, stdout=subprocess.PIPE)
    return elapsed, json.loads(shown.stdout)["count"]


def peak_rss_and_time(argv, env, output: Path) -> tuple[float, float]:
    """Run ARGV with stdout to OUTPUT; return its time and the peak RSS (MiB) of any process in it."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "argv = sys.argv[2:]\n"
        "started = time.perf_counter()\n"
        "with open(sys.argv[1], 'wb') as out:\n"
        "    subprocess.run(argv, stdout=out, check=True)\n"
        "elapsed = time.perf_counter() - started\n"
        "print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    done = run([PYTHON, "-c", probe, str(output), *argv], env, stdout=subprocess.PIPE)
    elapsed, rss = done.stdout.split()
    return float(elapsed), float(rss)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15, help="Rounds per start-up case.")
    parser.add_argument("--quick", action="store_true", help="Smaller datasite and frame.")
    args = parser.parse_args()
    endpoints, jobs = (1_000, 10_000) if args.quick else (10_000, 100_000)

    results = []

    def report(case, value, target, ok, unit="x"):
        results.append(ok)
        mark = "ok  " if ok else "MISS"
        print(f"{mark} {case:<62} {value:>9.2f}{unit}  target {target}", flush=True)

    with tempfile.TemporaryDirectory(prefix="syftapi-bench-") as temp:
        folder = Path(temp)
        small = make_datasite(folder / "small")
        base_time = statistics.median(timed(BASELINE, small) for _ in range(args.reps))
        print(f"python -c pass: median {base_time * 1000:.1f} ms ({PYTHON})", flush=True)

        for case, argv, target in (
            ("syftapi --version", [*SYFTAPI, "--version"], 8),
            ("syftapi --help", [*SYFTAPI, "--help"], 12),
            ("run public int --format json",
             [*SYFTAPI, "run", "bench.add", "--kw", "a=1", "--kw", "b=2", "--format", "json"], 12),
            ("run --mock 2-row DataFrame --format json",
             [*SYFTAPI, "run", "bench.frame", "--mock", "--format", "json"], 45),
        ):
            median, ratio = measure_ratio(argv, small, args.reps)
            print(f"     {case}: median {median * 1000:.1f} ms", flush=True)
            report(case, ratio, f"<= {target}x", ratio <= target)

        big = dict(small)
        shutil.copytree(folder / "small" / "home", folder / "big-home")
        big["SYFTAPI_HOME"] = str(folder / "big-home")
        grow_datasite(folder / "big-home", endpoints, jobs)
        run_argv = [*SYFTAPI, "run", "bench.add", "--kw", "a=1", "--kw", "b=2", "--format", "json"]
        small_times, big_times = [], []
        for _ in range(args.reps):
            small_times.append(timed(run_argv, small))
            big_times.append(timed(run_argv, big))
        ratio = statistics.median(big_times) / statistics.median(small_times)
        report(f"run with {endpoints} endpoints + {jobs} jobs vs empty", ratio, "<= 1.2x", ratio <= 1.2)

        list_time = statistics.median(
            timed([*SYFTAPI, "endpoint", "list", "--format", "json"], big) for _ in range(3)
        )
        report(f"endpoint list --format json, {endpoints} endpoints", list_time, "<= 1 s", list_time <= 1.0, "s")

        runs = 5 if args.quick else 10
        one_time, _ = count_after_parallel(small, 1, runs)
        run([*SYFTAPI, "state", "reset", "bench.counter"], small)
        eight_time, count = count_after_parallel(small, 8, runs)
        speedup = (8 * runs / eight_time) / (runs / one_time)
        report("8 processes on one counter: throughput vs one process", speedup, ">= 1.5x", speedup >= 1.5)
        report(f"8 processes on one counter: final count {count} of {8 * runs}", count, f"== {8 * runs}", count == 8 * runs, "")

        started = time.perf_counter()
        run([*SYFTAPI, "run", "bench.sleeper"], small, check=False)
        late = time.perf_counter() - started - 2
        report("run past its 2 s timeout returns after the deadline by", late, "<= 0.5 s", late <= 0.5, "s")

        plain = [PYTHON, "-c", BUILD_FRAME + f"; frame.to_csv(r'{folder / 'plain.csv'}', index=False)"]
        plain_time, plain_rss = peak_rss_and_time(plain, small, folder / "plain.out")
        ours_time, ours_rss = peak_rss_and_time(
            [*SYFTAPI, "run", "bench.frame", "--private", "--format", "csv"], small, folder / "ours.csv"
        )
        print(f"     1M rows csv: plain {plain_time:.2f} s {plain_rss:.0f} MiB, syftapi {ours_time:.2f} s {ours_rss:.0f} MiB")
        report("1M x 3 frame --format csv: time vs plain pandas to_csv", ours_time / plain_time, "<= 2.5x", ours_time / plain_time <= 2.5)
        report("1M x 3 frame --format csv: peak RSS vs plain pandas", ours_rss / plain_rss, "<= 1.5x", ours_rss / plain_rss <= 1.5)

    missed = results.count(False)
    print(f"{len(results) - missed} targets met, {missed} missed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
