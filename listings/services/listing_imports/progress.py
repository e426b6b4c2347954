"""The apply's progress, written on a connection of its own.

The apply's data transaction stays open until the last row is written; its
progress must be seen meanwhile, and kept if that transaction rolls back.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections


class SideProgress:
    """Write the apply's progress on a connection of its own (autocommit), so
    the page sees it while the data transaction is open and a rollback keeps
    it. The data transaction touches the import row only after the last of
    these writes, so the two connections never wait on each other."""

    def __init__(self, import_id: int) -> None:
        self.import_id = import_id
        self._side = None

    def __call__(self, done: int) -> None:
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        with self._side.cursor() as cursor:
            cursor.execute(
                "UPDATE listings_listingimport SET rows_done = %s WHERE id = %s",
                [done, self.import_id],
            )

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None
