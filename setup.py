"""Map the card's top-level folders onto one import package, ``storyai``.

``core/`` installs as ``storyai.core``, ``cli/`` as ``storyai.cli`` and so on,
so that we never claim generic top-level names such as ``core`` or ``cli``.
Everything else lives in pyproject.toml.
"""

from setuptools import find_namespace_packages, find_packages, setup

TOP_LEVEL = ("core", "tui", "cli", "bots", "content")

packages: list[str] = []
package_dir: dict[str, str] = {}
for top in TOP_LEVEL:
    package_dir[f"storyai.{top}"] = top
    packages.append(f"storyai.{top}")
    # content/ holds data folders (worlds) without __init__.py: list them as namespace
    # packages so their YAML files are shipped as package data, not skipped.
    finder = find_namespace_packages if top == "content" else find_packages
    packages += [f"storyai.{top}.{sub}" for sub in finder(top)]

setup(packages=packages, package_dir=package_dir)
