"""Course tooling for lecturers, authors and CI: not part of the learner's API.

Modules
-------
layout    the repository root and the list of course notebooks
runner    ``course run``: execute notebooks, measure time and memory, write ``build/``
grading   ``course grading ...``: nbgrader release, collect, autograde, export
badges    Colab/Binder badges and the Colab install cell
cli       the single command-line entry point (``course``, or ``python -m course_utils``)

The learner's package (``course_utils`` and its topic modules) never imports
from here, so ``import course_utils`` on Colab loads no Jupyter or nbgrader
machinery; a test checks that.
"""
