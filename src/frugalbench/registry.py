"""One small registry for tasks, models and meters.

Built-ins register themselves by decorator in their own module; the registry imports those modules
on first lookup (so ``frugalbench --help`` does not import scikit-learn), and third parties add
entries through the ``frugalbench.<kind>`` entry-point group.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from frugalbench.errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str, builtin_modules: tuple[str, ...]) -> None:
        self.kind = kind
        self._builtin_modules = builtin_modules
        self._entries: dict[str, T] = {}
        self._discovered = False

    def register(self, name: str) -> Callable[[T], T]:
        def decorator(obj: T) -> T:
            if name in self._entries and self._entries[name] is not obj:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = obj
            return obj

        return decorator

    def add(self, obj: T) -> T:
        """Register under the object's own ``name``: a model's or task's name written once."""
        name = getattr(obj, "name", None)
        if not isinstance(name, str) or not name:
            raise TypeError(f"a {self.kind} registered by add() needs a non-empty name attribute")
        return self.register(name)(obj)

    def _discover(self) -> None:
        if self._discovered:
            return
        self._discovered = True
        for module in self._builtin_modules:
            importlib.import_module(module)
        for ep in entry_points(group=f"frugalbench.{self.kind}s"):
            self._entries.setdefault(ep.name, ep.load())

    def get(self, name: str) -> T:
        self._discover()
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownNameError(self.kind, name, self._entries) from None

    def names(self) -> list[str]:
        self._discover()
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        self._discover()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
