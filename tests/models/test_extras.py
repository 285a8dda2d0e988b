"""A model whose extra is not installed is refused before any work, with the pip command."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator

import pytest

from frugalbench.config import RunConfig
from frugalbench.errors import UserError
from frugalbench.harness.runner import run
from frugalbench.models.extras import missing_packages
from frugalbench.tasks import get_task


@pytest.fixture
def no_torch(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The quick-start install: the core only, no PyTorch."""
    real = importlib.metadata.version

    def version(name: str) -> str:
        if name == "torch":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    missing_packages.cache_clear()
    yield
    missing_packages.cache_clear()


def test_the_extras_are_read_from_the_packages_metadata() -> None:
    assert missing_packages("audio") == ()  # the test install has every extra
    assert missing_packages("no-such-extra") == ()


def test_a_model_without_its_extra_is_refused_before_training(no_torch: None) -> None:
    assert "torch" in missing_packages("audio")
    with pytest.raises(UserError, match=r"needs the 'audio' extra \(torch not installed\)"):
        run(get_task("chainsaw"), "logmel-cnn", RunConfig(repeats=1, speed_index=False))
    with pytest.raises(UserError, match=r"pip install 'frugalbench\[text\]'"):
        run(get_task("climate-disinfo"), "cascade", RunConfig(repeats=1, speed_index=False))
