"""A public endpoint that limits each user to a few calls a minute.

Call times are kept per user in `context.state`, which persists between runs;
a helper function decides whether one more call fits in the window.
"""

import time

import syftapi_cli as sy


def check_rate(calls: list[float], now: float, limit: int, window_s: float) -> list[float]:
    """Return the calls still inside the window, or raise if the limit is reached."""
    recent = [t for t in calls if now - t < window_s]
    if len(recent) >= limit:
        wait = window_s - (now - min(recent))
        raise RuntimeError(
            f"rate limit reached: {limit} calls per {window_s:g} s; try again in {wait:.0f} s"
        )
    return recent


@sy.api_endpoint(
    path="my_org.rate_limited_sum",
    description="Add two numbers, at most `calls_per_window` times per user a minute.",
    settings={"calls_per_window": 3, "window_s": 60},
    helper_functions=[check_rate],
)
def rate_limited_sum(context, number_1: int, number_2: int) -> int:
    now = time.time()
    calls = context.state.setdefault("calls", {})
    recent = context.code.check_rate(
        calls.get(context.user.email, []),
        now,
        context.settings["calls_per_window"],
        context.settings["window_s"],
    )
    calls[context.user.email] = [*recent, now]
    return number_1 + number_2
