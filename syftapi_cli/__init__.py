"""syftapi: PySyft-style custom API endpoints on one machine, from the command line.

Endpoint modules import this package as `sy` and use the names PySyft 0.9 uses:
`sy.api_endpoint`, `sy.api_endpoint_method` and `sy.TwinAPIEndpoint`.
"""

__version__ = "0.1.0"

_EXPORTS = {
    "api_endpoint": "syftapi_cli.definitions",
    "api_endpoint_method": "syftapi_cli.definitions",
    "TwinAPIEndpoint": "syftapi_cli.definitions",
    "Endpoint": "syftapi_cli.definitions",
    "EndpointMethod": "syftapi_cli.definitions",
    "DefinitionError": "syftapi_cli.errors",
    "syft_function": "syftapi_cli.usercode",
    "syft_function_single_use": "syftapi_cli.usercode",
    "MixedInputPolicy": "syftapi_cli.usercode",
    "Constant": "syftapi_cli.usercode",
    "OutputPolicyExecuteCount": "syftapi_cli.usercode",
    "SingleExecutionExactOutput": "syftapi_cli.usercode",
    "SyftapiError": "syftapi_cli.errors",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    # Exports load on first use, so that `syftapi --version` imports nothing else.
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'syftapi_cli' has no attribute {name!r}")
