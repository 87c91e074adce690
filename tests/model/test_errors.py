"""The one exception tree: every netvigil exception is a NetvigilError, drawn in model/errors.py."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import netvigil
from netvigil.model import errors
from netvigil.model.errors import (
    EntityParseError,
    InputError,
    NetvigilError,
    StepError,
    UnknownNameError,
    reading,
)


def _netvigil_exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(netvigil.__path__, prefix="netvigil."):
        if info.name.endswith(".__main__"):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__.startswith("netvigil."):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


def test_every_exception_class_of_netvigil_is_a_netvigil_error() -> None:
    classes = _netvigil_exception_classes()
    assert "netvigil.model.errors.InputError" in classes
    strays = sorted(name for name, cls in classes.items() if not issubclass(cls, NetvigilError))
    assert strays == [], f"not under NetvigilError (see model/errors.py): {strays}"


def test_every_exception_class_is_drawn_in_the_tree() -> None:
    tree = (errors.__doc__ or "").split("\n\n")[1]
    drawn = set(re.findall(r"^[ │├└─]*(\w+Error)\b", tree, flags=re.MULTILINE))
    missing = sorted(name for name, cls in _netvigil_exception_classes().items() if cls.__name__ not in drawn)
    assert missing == [], f"add these to the tree in model/errors.py's docstring: {missing}"


def test_second_parents_keep_built_in_catches_working() -> None:
    with pytest.raises(ValueError, match="expected"):
        raise EntityParseError("'KZ' is not an entity; expected country:CC")
    assert issubclass(StepError, ValueError)
    with pytest.raises(KeyError) as caught:
        raise UnknownNameError("unknown test 'x'; known: signal")
    assert str(caught.value) == "unknown test 'x'; known: signal"


def test_reading_gives_an_os_error_as_input_error_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    with pytest.raises(InputError) as caught, reading(missing):
        missing.read_text()
    assert str(caught.value) == f"{missing}: cannot read: No such file or directory"
    assert isinstance(caught.value.__cause__, FileNotFoundError)
