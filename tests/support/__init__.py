"""What the tests share: builders, fakes, page helpers and the browser plugin.

Test modules and conftest files import from here; nothing here imports a
test module, and no test module is imported by another. Fixtures live in the
conftest files (``tests/conftest.py`` for those of every folder).
"""
