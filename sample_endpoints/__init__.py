"""Sample endpoint modules used by `syftapi demo`, the README and the tests."""
