"""``python -m dlbasics.tools.grade SUBMISSION.ipynb ...`` (see the package's docstring)."""

import sys

from .cli import hide_from_submissions, main

hide_from_submissions()
sys.exit(main())
