"""Installs risseg. Dependencies are listed in requirements/ (see README for the set-up)."""

from pathlib import Path

from setuptools import find_packages, setup


def read_requirements(name: str) -> list[str]:
    lines = (Path(__file__).parent / "requirements" / name).read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith(("#", "-r"))]


setup(
    name="risseg",
    version="0.1.0",
    description="Label-efficient referring image segmentation on mmengine",
    long_description=Path("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(exclude=("tests", "tests.*", "configs", "tools")),
    install_requires=read_requirements("runtime.txt"),
    extras_require={
        "all": read_requirements("optional.txt"),
        "demo": read_requirements("demo.txt"),
        "tests": read_requirements("tests.txt"),
    },
    license="Apache-2.0",
)
