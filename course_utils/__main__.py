"""``python -m course_utils ...`` is the ``course`` command (see course_utils.tooling.cli)."""

import sys

from .tooling.cli import main

if __name__ == "__main__":
    sys.exit(main())
