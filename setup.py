"""Map the card's top-level folders onto one import package, ``storyai``.

``core/`` installs as ``storyai.core``, ``cli/`` as ``storyai.cli`` and so on,
so that we never claim generic top-level names such as ``core`` or ``cli``.
Everything else lives in pyproject.toml.
"""

from setuptools import find_packages, setup

TOP_LEVEL = ("core", "tui", "cli", "bots", "content")

packages: list[str] = []
package_dir: dict[str, str] = {}
for top in TOP_LEVEL:
    package_dir[f"storyai.{top}"] = top
    packages.append(f"storyai.{top}")
    packages += [f"storyai.{top}.{sub}" for sub in find_packages(top)]

setup(packages=packages, package_dir=package_dir)
