"""`calmline etl` does not pay for the statistics stack it never uses (#12).

Importing statsmodels, scipy and pandas took about 1 s of the load's start (2 s wall on the
benchmark machine), more than a tenth of a 1M-call load's whole budget against the bare read.
"""

import subprocess
import sys


def test_loading_imports_no_statistics_stack():
    code = ("import sys; import calmline.cli; from calmline.etl.load import load; "
            "print(sorted(m for m in ('statsmodels', 'scipy', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_transcripts_score_still_importable_from_the_package():
    from calmline.transcripts import score
    from calmline.transcripts.accuracy import score as direct

    assert score is direct
