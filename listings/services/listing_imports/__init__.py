"""CSV imports of listings: the dry run that checks every row, then the
seller's choice to apply the valid rows (all or nothing) or discard them.

- ``checking``: store the upload and check it (the dry run).
- ``applying``: apply a checked import in one transaction, or discard it.
- ``reading``: the stored file, the data rows are checked against, the plan.
- ``rules``: one row against the listing rules.
- ``writes``: the set-based COPY and UPDATEs of the apply.
- ``progress``: the apply's progress, on a connection of its own.
- ``runs``: inline or in Celery; a failed run recorded on the import.
- ``plan``: the plan's types, shared by the modules above.

Callers import from here; the modules are the package's own.
"""

from listings.services.listing_imports.applying import (
    listing_import_apply,
    listing_import_apply_request,
    listing_import_apply_start,
    listing_import_can_apply,
    listing_import_discard,
)
from listings.services.listing_imports.checking import (
    MAX_FILE_BYTES,
    listing_import_check,
    listing_import_upload,
)
from listings.services.listing_imports.plan import ERRORS_KEPT
from listings.services.listing_imports.runs import INLINE_MAX_ROWS

__all__ = [
    "ERRORS_KEPT",
    "INLINE_MAX_ROWS",
    "MAX_FILE_BYTES",
    "listing_import_apply",
    "listing_import_apply_request",
    "listing_import_apply_start",
    "listing_import_can_apply",
    "listing_import_check",
    "listing_import_discard",
    "listing_import_upload",
]
