"""``climate-disinfo``: which contrarian claim about climate change, if any, a quote makes.

The Frugal AI Challenge 2025 text task (QuotaClimat & Data For Good), eight classes from a
simplified CARDS taxonomy. The input is the quote text alone: the source, URL and sub-source
columns identify the outlet and would leak the label, so they never reach a model.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

from frugalbench.tasks.base import Dataset, Metric, Task
from frugalbench.tasks.loaders import load_hub_rows, load_text_file, validate_text_rows
from frugalbench.tasks.metrics import classification_scores
from frugalbench.tasks.registry import tasks

HUB_ID = "QuotaClimat/frugalaichallenge-text-train"
BUNDLED = "climate_disinfo_train.parquet"
LABELS = (
    "0_not_relevant",
    "1_not_happening",
    "2_not_human",
    "3_not_bad",
    "4_solutions_harmful_unnecessary",
    "5_science_unreliable",
    "6_proponents_biased",
    "7_fossil_fuels_needed",
)


def bundled_path() -> Path:
    return Path(str(resources.files("frugalbench.tasks").joinpath(f"data/{BUNDLED}")))


def load(data: str | None) -> Dataset:
    """``None``: the bundled training split; ``hub`` or ``hub:SPLIT``: the hub; else a file path."""
    if data is None:
        return load_text_file(
            bundled_path(),
            LABELS,
            "quote",
            "label",
            source=f"bundled:{BUNDLED} ({HUB_ID}, train split, CC BY-NC 4.0)",
        )
    if data == "hub" or data.startswith("hub:"):
        split = data.partition(":")[2] or "train"
        rows = load_hub_rows(HUB_ID, split, ["quote", "label"])
        texts, labels = validate_text_rows(rows, f"{HUB_ID}[{split}]", LABELS, "quote", "label")
        digest = hashlib.sha256(
            "\n".join(f"{t}\t{lab}" for t, lab in zip(texts, labels, strict=True)).encode()
        )
        return Dataset(
            texts,
            labels,
            source=f"hub:{HUB_ID}[{split}]",
            fingerprint="sha256:" + digest.hexdigest()[:16],
        )
    return load_text_file(Path(data), LABELS, "quote", "label")


TASK = tasks.add(
    Task(
        name="climate-disinfo",
        description="Climate disinformation in quotes: 8 classes (CARDS), input = quote text",
        labels=LABELS,
        input_kind="text",
        metrics=(
            Metric("accuracy", True, "share of quotes given the right class"),
            Metric("macro_f1", True, "F1 averaged over the classes present, each class equal"),
        ),
        loader=load,
        scorer=classification_scores,
        input_unit="quote",
        ladder=(
            "random",
            "majority",
            "tfidf-linear",
            "ngram-linear",
            "static-minilm-linear",
            "minilm-linear",
            "minilm-tfidf-linear",
            "minilm-finetuned",
            "cascade",
        ),
    )
)
