"""The state directory: layout, schema versions, locks, atomic writes, signed blobs."""

from syftapi_cli.store.datasite import Datasite, hash_name, new_id

__all__ = ["Datasite", "hash_name", "new_id"]
