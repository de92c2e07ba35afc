"""calmline.transcripts: read call transcripts and detect from them how each practice was done.

- :func:`read_transcripts` reads JSON Lines, CSV, Parquet or Amazon Transcribe files into
  ``transcript_turns``, rejecting unusable rows into ``transcript_rejects``.
- :func:`detect` scores every call of a turns table with the rules in ``rules/<language>.toml``
  (:func:`load_rules` merges a centre's own rule files), writing ``transcript_practices``
  (every value with its evidence) and ``transcript_calls`` (one row per call).
- :func:`score` (:mod:`calmline.transcripts.accuracy`) measures detection against labels or
  QA scores: precision, recall, F1 and Cohen's kappa per practice.
"""

from calmline.transcripts.detect import detect
from calmline.transcripts.read import RejectReport, read_transcripts
from calmline.transcripts.rulebook import load_rules

__all__ = ["RejectReport", "detect", "load_rules", "read_transcripts", "score"]


def __getattr__(name: str):
    # score is imported when first used: its statsmodels, scipy and pandas take about 1 s to
    # import, which every `calmline etl` would otherwise pay for nothing (#12).
    if name == "score":
        from calmline.transcripts.accuracy import score

        return score
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
