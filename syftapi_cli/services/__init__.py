"""Business rules and permission checks for users, endpoints, runs and jobs.

Services raise `SyftapiError` subclasses and print nothing, so that the CLI and
a future Python client can share them.
"""
