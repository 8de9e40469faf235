"""Misspelt apij names: `make test-dist` requires `mypy --strict` to reject this file, naming
both (a package `__getattr__` returning Any would let them through)."""

import apij
from apij import ApijClinet

print(ApijClinet, apij.NoSuchThing)
