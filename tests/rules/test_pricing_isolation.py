"""The engine stays pure: importing ``rules`` loads neither Flask nor SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_import_rules_loads_no_flask_and_no_sqlalchemy() -> None:
    # given a fresh interpreter
    probe = (
        "import sys, rules, rules.cli; "
        "banned = {'flask', 'sqlalchemy', 'flask_sqlalchemy', 'werkzeug'}; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in banned); "
        "print(','.join(loaded))"
    )

    # when
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)

    # then
    assert result.stdout.strip() == ""


def test_the_probe_would_notice_flask() -> None:
    probe = "import sys, flask; print('flask' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True"
