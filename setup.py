"""Package metadata lives in setup.cfg; this file only puts the data beside the code in a wheel.

``corpus/`` and ``models/`` stay at the top of the checkout, where researchers edit them. A
wheel carries copies as ``pipeline/_data/corpus`` and ``pipeline/_data/models``, which
``pipeline.resources`` uses when the package runs away from its checkout. An editable
install reads the checkout's own directories, so nothing is copied for it.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA_DIRS = ("corpus", "models")


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        root = Path(__file__).resolve().parent
        for name in DATA_DIRS:
            target = Path(self.build_lib) / "pipeline" / "_data" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(root / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithData})
