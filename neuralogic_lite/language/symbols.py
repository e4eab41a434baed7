"""Interning: constants and predicates become small integers once, at parse time.

Later stages (grounding, neuralization) compare and hash integers only.  The tables only
grow; an id means the same name for the life of the process.
"""
from __future__ import annotations

from typing import Generic, Hashable, TypeVar

K = TypeVar("K", bound=Hashable)


class Interner(Generic[K]):
    """A bijection between hashable keys and consecutive integer ids."""

    __slots__ = ("_ids", "_keys")

    def __init__(self) -> None:
        self._ids: dict[K, int] = {}
        self._keys: list[K] = []

    def __call__(self, key: K) -> int:
        """The id of ``key``, creating it on first sight."""
        ids = self._ids
        found = ids.get(key)
        if found is None:
            found = ids[key] = len(self._keys)
            self._keys.append(key)
        return found

    def many(self, keys: list[K]) -> list[int]:
        """The ids of ``keys`` (interning the new ones in order): one call for a whole file."""
        ids = self._ids
        found = list(map(ids.get, keys))
        missing = list(dict.fromkeys(k for k, f in zip(keys, found) if f is None))
        if missing:
            ids.update(zip(missing, range(len(self._keys), len(self._keys) + len(missing))))
            self._keys.extend(missing)
            found = list(map(ids.get, keys))
        return found

    def __getitem__(self, ident: int) -> K:
        return self._keys[ident]

    def get(self, key: K) -> int | None:
        """The id of ``key`` if it has been interned, else None."""
        return self._ids.get(key)

    def __len__(self) -> int:
        return len(self._keys)


#: Constant and type names (``ann``, ``7``, ``2.5``, ``woman``).
CONSTANTS: Interner[str] = Interner()
#: Predicates as ``(name, arity, special)``; ``@next/2`` and ``next/2`` are different.
PREDICATES: Interner[tuple[str, int, bool]] = Interner()
