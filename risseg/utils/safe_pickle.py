"""Restricted loading of REFER ``refs(<splitBy>).p`` files, which are untrusted pickles.

A pickle can name any importable callable and run it while loading. REFER annotation files
only hold plain containers and scalars, so :class:`SafeUnpickler` admits exactly those and
rejects every other global with :class:`UnsafePickleError`. Python-2 pickles (the original
REFER files were written by ``cPickle``) are retried with ``encoding='latin1'``.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

# Globals a plain-data pickle may reference. Protocols <= 3 build sets, frozensets and
# (Python-3) bytes through these callables. Python-2 pickles name the builtins module
# ``__builtin__``; find_class maps it to ``builtins`` before checking.
_ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    [
        ("builtins", name)
        for name in (
            "dict",
            "list",
            "tuple",
            "set",
            "frozenset",
            "str",
            "bytes",
            "bytearray",
            "int",
            "float",
            "bool",
            "complex",
        )
    ]
    + [("_codecs", "encode")]  # only encodes a str into bytes (protocol-2 bytes objects)
)


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle references a global outside the plain-data allow-list."""


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that only builds plain containers and scalars.

    Args:
        file: binary file object to read.
        source: name used in error messages (usually the file path).
        **kwargs: passed to :class:`pickle.Unpickler` (``encoding``, ``fix_imports``).
    """

    def __init__(self, file: io.BufferedIOBase, source: str = "<pickle>", **kwargs: Any):
        super().__init__(file, **kwargs)
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        if module == "__builtin__":
            module = "builtins"
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise UnsafePickleError(
            f"{self.source}: refusing to load global '{module}.{name}'; REFER annotation "
            "pickles may only contain dict, list, tuple, set, str, bytes, int, float, bool "
            "and None, so this is not a genuine REFER refs file (or it was modified): get a "
            "fresh copy from the REFER release. A refs file you made yourself can be given as "
            "JSON instead (refs(<splitBy>).json, a list of ref dicts; see docs/datasets.md)."
        )

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickleError(f"{self.source}: persistent ids are not allowed ({pid!r}).")


def safe_loads(data: bytes, source: str = "<bytes>") -> Any:
    """Unpickle plain data from bytes, refusing any non-plain global.

    Args:
        data: the pickle bytes.
        source: name used in error messages.

    Returns:
        The unpickled object (nested dicts/lists/tuples/sets of scalars).

    Raises:
        UnsafePickleError: the pickle references a disallowed global.
        ValueError: the bytes are not a valid pickle (truncated, corrupt, not a pickle).
    """
    try:
        return SafeUnpickler(io.BytesIO(data), source, fix_imports=True).load()
    except UnicodeDecodeError:
        pass  # a Python-2 str holding non-ASCII bytes: retry as latin1 below
    except UnsafePickleError:
        raise
    except (
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        IndexError,
        AttributeError,
        KeyError,
        OverflowError,
    ) as err:
        raise ValueError(
            f"{source}: not a valid pickle file ({type(err).__name__}: {err})"
        ) from err
    try:
        return SafeUnpickler(io.BytesIO(data), source, fix_imports=True, encoding="latin1").load()
    except UnsafePickleError:
        raise
    except Exception as err:  # noqa: BLE001 - any failure here means a malformed file
        raise ValueError(
            f"{source}: not a valid pickle file ({type(err).__name__}: {err})"
        ) from err


def safe_load_pickle(path: str | Path) -> Any:
    """Load a plain-data pickle file (e.g. REFER ``refs(unc).p``) without running code.

    Args:
        path: the pickle file.

    Returns:
        The unpickled plain data.

    Raises:
        FileNotFoundError: the file does not exist.
        UnsafePickleError: the file references a disallowed global (names the file).
        ValueError: the file is not a valid pickle (names the file).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Annotation file not found: {path}")
    return safe_loads(path.read_bytes(), source=str(path))
