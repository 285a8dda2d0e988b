"""Cross-validation tables for the terminal: threshold sweeps, alarm rules, held-out groups.

The benchmarks' library code (:mod:`frugalbench.harness.crossval`) returns the numbers; these
print them, one line per threshold or rule, so a run's log reads as the README's tables.
"""

from __future__ import annotations

from typing import Any


def print_sweeps(cv: dict[str, Any], positive: str, over: str = "folds") -> None:
    """Each rung's mean scores by alarm threshold: the recall / false-alarm trade-off."""
    for name, res in cv.items():
        if res["threshold_sweep"]:
            ap = res["summary"].get("average_precision", {}).get("mean")
            shown = "" if ap is None or ap != ap else f" (average precision {ap:.3f})"
            print(f"\n{name}: mean over {over} by alarm threshold P({positive}) >= t{shown}")
            for t, m in res["threshold_sweep"].items():
                precision = m.get("precision")
                p_text = "-" if precision is None or precision != precision else f"{precision:.3f}"
                print(
                    f"  t={t}: accuracy {m['accuracy']:.3f}, recall {m[f'{positive}_recall']:.3f}, "
                    f"precision {p_text}, "
                    f"false alarms {m['false_alarm_rate']:.3f}"
                )


def print_alarm_rules(cv: dict[str, Any], positive: str) -> None:
    """Each rung's mean scores when an alarm needs k of n consecutive windows of a recording."""
    for name, res in cv.items():
        if res.get("alarm_rules"):
            print(f"\n{name}: alarms confirmed by k of n consecutive windows (mean over folds)")
            for rule, m in res["alarm_rules"].items():
                recall = m[f"{positive}_recall"]
                print(
                    f"  {rule}: accuracy {m['accuracy']:.3f}, recall {recall:.3f}, "
                    f"false alarms {m['false_alarm_rate']:.3f}"
                )
