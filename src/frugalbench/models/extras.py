"""Which pip extra a model needs, and whether it is installed here: asked of the package's own
metadata (the extras in pyproject.toml), so the answer cannot drift from what pip installs."""

from __future__ import annotations

import re
from functools import cache

from frugalbench.errors import UserError

_EXTRA = re.compile(r"""extra\s*==\s*["']([\w-]+)["']""")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@cache
def missing_packages(extra: str) -> tuple[str, ...]:
    """The distributions of ``extra`` that are not installed (empty: ready, or no such extra)."""
    from importlib.metadata import PackageNotFoundError, requires, version

    try:
        requirements = requires("frugalbench") or []
    except PackageNotFoundError:  # running from a source tree without metadata: cannot tell
        return ()
    missing = []
    for requirement in requirements:
        marker = _EXTRA.search(requirement)
        name = _NAME.match(requirement)
        if marker is None or marker.group(1) != extra or name is None:
            continue
        if name.group(0) == "frugalbench":
            continue
        try:
            version(name.group(0))
        except PackageNotFoundError:
            missing.append(name.group(0))
    return tuple(missing)


def install_hint(extra: str) -> str:
    return f"pip install 'frugalbench[{extra}]' (or -e '.[{extra}]' in a checkout)"


def require_extra(model: str, extra: str) -> None:
    """Refuse, before any training or measuring, a model whose extra is not installed."""
    if extra and (missing := missing_packages(extra)):
        raise UserError(
            f"model {model!r} needs the '{extra}' extra ({', '.join(missing)} not installed): "
            + install_hint(extra)
        )
