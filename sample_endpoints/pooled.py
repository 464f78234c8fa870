"""A public endpoint that runs in the worker pool `analytics`, which has SciPy.

syftapi's own environment does not include SciPy. The endpoint imports it
inside its function body, so this module loads anywhere and the import runs
only in the pool's worker. Create the pool, then add and run the endpoint:

    echo scipy > requirements.txt
    syftapi pool create analytics --requirements requirements.txt
    syftapi endpoint add sample_endpoints.pooled
    syftapi run my_org.describe_numbers --kw 'values=[1, 2, 4, 8]'

Without the pool, `endpoint add` fails because the pool `analytics` is not
found. With a pool that lacks SciPy, the run fails and names module 'scipy'.
"""

import syftapi_cli as sy


@sy.api_endpoint(
    path="my_org.describe_numbers",
    description=(
        "Summary statistics of a list of numbers, computed with SciPy in the "
        "worker pool `analytics`."
    ),
    worker_pool="analytics",
)
def describe_numbers(context, values: list[float]) -> dict:
    from scipy import stats

    if len(values) < 2:
        raise ValueError("give at least two values")
    summary = stats.describe(values)
    return {
        "count": int(summary.nobs),
        "min": float(summary.minmax[0]),
        "max": float(summary.minmax[1]),
        "mean": float(summary.mean),
        "variance": float(summary.variance),
        "skewness": float(summary.skewness),
    }
