"""calmline.transcripts: read call transcripts and detect from them how each practice was done.

- :func:`read_transcripts` reads JSON Lines, CSV, Parquet or Amazon Transcribe files into
  ``transcript_turns``, rejecting unusable rows into ``transcript_rejects``.
- :func:`detect` scores every call of a turns table with the rules in ``rules/<language>.toml``,
  writing ``transcript_practices`` (every value with its evidence) and ``transcript_calls``
  (one row per call).
- :mod:`calmline.transcripts.accuracy` scores detection against labels (precision, recall,
  F1, Cohen's kappa).
"""

from calmline.transcripts.read import RejectReport, read_transcripts

__all__ = ["RejectReport", "read_transcripts"]
