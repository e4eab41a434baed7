"""Interning: constants and predicates become small integers once, at parse time.

Later stages (grounding, neuralization) compare and hash integers only.

The two tables belong to the process and only grow: an id names the same key for the life of
the process.  That is what lets IR read at different times (a template, then its examples, a
saved model's weights) meet by id, and every stage read a name back from an id without a
table passed along.  They hold each distinct name once (reading the same files again adds
nothing), so they grow with the names a process has seen, not with how often it parses: a
long-running service that reads ever new names keeps them all, and should parse in worker
processes it renews if that matters.  Threads may intern at once (see ``Interner``).
"""
from __future__ import annotations

import threading
from typing import Generic, Hashable, TypeVar

K = TypeVar("K", bound=Hashable)


class Interner(Generic[K]):
    """A bijection between hashable keys and consecutive integer ids, shared by threads.

    Lookups take no lock: a key is in ``_ids`` only once it is in ``_keys``, so an id found
    always names its key.  New keys are numbered under a lock, so two threads never give one
    id to two keys, or two ids to one key.
    """

    __slots__ = ("_ids", "_keys", "_lock")

    def __init__(self) -> None:
        self._ids: dict[K, int] = {}
        self._keys: list[K] = []
        self._lock = threading.Lock()

    def __call__(self, key: K) -> int:
        """The id of ``key``, creating it on first sight."""
        found = self._ids.get(key)
        if found is None:
            with self._lock:
                found = self._ids.get(key)
                if found is None:
                    found = len(self._keys)
                    self._keys.append(key)
                    self._ids[key] = found
        return found

    def many(self, keys: list[K]) -> list[int]:
        """The ids of ``keys`` (interning the new ones in order): one call for a whole file."""
        ids = self._ids
        found = list(map(ids.get, keys))
        if None in found:
            with self._lock:
                missing = list(dict.fromkeys(k for k, f in zip(keys, found) if f is None and k not in ids))
                start = len(self._keys)
                self._keys.extend(missing)
                ids.update(zip(missing, range(start, start + len(missing))))
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
