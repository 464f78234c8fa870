"""User code from the reference walkthrough: a data scientist's request."""

import syftapi_cli as sy


@sy.syft_function_single_use(data_endpoint="my_org.get_data_sample")
def get_sample_fixed_length(data_endpoint):
    return data_endpoint(length=2).iloc[0]
