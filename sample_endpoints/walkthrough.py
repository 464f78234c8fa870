"""The reference walkthrough's endpoints: a public sum and a twin data sample.

The API keys below are placeholders that show how settings reach the code;
they unlock nothing.
"""

import syftapi_cli as sy


@sy.api_endpoint(
    path="my_org.sum_numbers",
    description="Add two numbers. Anyone may run it.",
)
def sum_numbers(context, number_1: int, number_2: int) -> int:
    return number_1 + number_2


@sy.api_endpoint_method(settings={"api_key": "mock-key-1234"})
def mock_data_sample(context, length: int):
    import pandas as pd

    rows = ["mock_example", "another_mock_example"]
    return pd.DataFrame({"data": rows[:length]})


@sy.api_endpoint_method(settings={"api_key": "private-key-5678"})
def private_data_sample(context, length: int):
    import pandas as pd

    rows = ["private_example", "another_private_example"]
    return pd.DataFrame({"data": rows[:length]})


get_data_sample = sy.TwinAPIEndpoint(
    path="my_org.get_data_sample",
    description=(
        "A sample of the organisation's data.\n\n"
        "- **mock**: synthetic rows, open to every user\n"
        "- **private**: the real rows, for approved code only"
    ),
    mock_function=mock_data_sample,
    private_function=private_data_sample,
)


@sy.api_endpoint_method(settings={"api_key": "mock-key-1234"})
def updated_mock(context, length: int) -> str:
    return "Oh, look, I updated the mock function!"
