"""Weights and data files as arrays (interfaces.md, "Files"): safe parsing and structural checks only.

- Weights: ``.npz`` with arrays ``W1``, ``W2``, ..., ``WN`` and nothing else, no gaps.
- Data: ``.npz`` with ``X`` and ``Y`` (samples as rows); or population form,
  ``Sigma_x`` with ``T`` or with ``Sigma_yx``. One form per file: a file holding
  samples and population moments, or both T and Sigma_yx, is refused rather than
  read as one of them (they could disagree).

A base module: it knows which arrays a file must hold, never what they mean. Turning
them into checked weights or :class:`~wideminima.numeric.Moments` is
:mod:`wideminima.numeric.files`'s job. Every problem raises
:class:`~wideminima.errors.InputError` with one line naming the file and what is
wrong. Files are written atomically.

Reading is safe with hostile files (:func:`read_npz`, :func:`read_npy`): the input
must be a regular file (a FIFO, a device or a folder is named as such); the zip
directory and every ``.npy`` header are read first, and the member count, the
compression ratio and the declared sizes are checked against :mod:`wideminima.limits`
before any array is allocated; a header whose shape disagrees with the bytes stored
is refused; only real numbers are accepted (bool, int, uint, float: no complex,
datetime64, timedelta64, strings, structured or object arrays), so no pickle is
ever loaded and no data file causes code to run.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np

from wideminima.atomic import atomic_open
from wideminima.errors import InputError
from wideminima.limits import array_count_limit, check_memory, format_bytes, ratio_limit
from wideminima.types import Array

__all__ = ["DataArrays", "check_input_file", "read_npz", "read_npy", "read_weights_file", "read_data_arrays", "save_npz", "json_ready", "trajectory_text", "write_trajectory"]

_LAYER = re.compile(r"W([1-9][0-9]*)")
_NPY_MAGIC = b"\x93NUMPY"
# Members smaller than this may compress by any ratio (zero weights do, about 1000 times): a zip bomb
# needs size, and the declared size is checked against the memory limit anyway.
_RATIO_CHECKED_ABOVE = 16 * 1024**2
_REAL_KINDS = "biuf"  # bool, signed and unsigned integers, floats
_KIND_NAMES = {"c": "complex", "M": "datetime64", "m": "timedelta64", "U": "text", "S": "bytes", "O": "Python object",
               "V": "structured"}
# Errors the zip and zlib modules raise on damaged input (besides InputError of our own checks).
_DAMAGED = (OSError, ValueError, EOFError, RuntimeError, NotImplementedError, OverflowError, zipfile.BadZipFile,
            zlib.error, KeyError)
_FILE_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def check_input_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path if it is a readable regular file (symbolic links followed), else one-line InputError."""
    p = Path(path)
    try:
        mode = os.stat(p).st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(f"{p}: no such file") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{p}: is a folder, not a file")
    for test, kind in _FILE_KINDS:
        if test(mode):
            raise InputError(f"{p}: is {kind}, not a regular file")
    if not stat.S_ISREG(mode):  # pragma: no cover - every POSIX file type is named above
        raise InputError(f"{p}: not a regular file")
    if not os.access(p, os.R_OK):
        raise InputError(f"{p}: cannot read (permission denied)")
    return p


def _check_dtype(where: str, dtype: np.dtype, shape: tuple[int, ...], text: bool) -> None:
    if dtype.kind == "U" and text and shape == ():
        return
    if dtype.hasobject or dtype.fields is not None or dtype.kind not in _REAL_KINDS:
        kind = _KIND_NAMES.get(dtype.kind, str(dtype))
        raise InputError(f"{where} holds {kind} values (dtype {dtype.str}); only real numbers "
                         "(float, int or bool arrays) are accepted")


def _read_array(where: str, stream: IO[bytes], size: int, *, text: bool = False) -> np.ndarray:
    """The array in the ``.npy`` stream of ``size`` bytes: header checked, then exactly the declared bytes read."""
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise InputError(f"{where}: .npy format version {version} is not supported (1.0 and 2.0 are)")
        offset = stream.tell()
    except InputError:
        raise
    except _DAMAGED:
        raise InputError(f"{where}: damaged .npy header") from None
    _check_dtype(where, dtype, shape, text)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes != size - offset:
        raise InputError(f"{where}: header declares shape {shape} ({format_bytes(nbytes)}) but "
                         f"{format_bytes(max(size - offset, 0))} are stored: damaged or forged")
    array = np.empty(shape, dtype=dtype, order="F" if fortran else "C")
    view = memoryview(array.reshape(-1, order="A").view(np.uint8)) if nbytes else memoryview(b"")
    done = 0
    try:
        while done < nbytes:
            got = stream.readinto(view[done:])  # type: ignore[attr-defined]
            if not got:
                raise InputError(f"{where}: truncated (expected {nbytes} bytes of data, found {done})")
            done += got
    except InputError:
        raise
    except _DAMAGED:
        raise InputError(f"{where}: damaged data (checksum or compression error)") from None
    return array


def read_npy(path: str | os.PathLike[str]) -> np.ndarray:
    """The one array stored in the ``.npy`` file ``path``, read with the checks of :func:`read_npz`."""
    p = check_input_file(path)
    size = p.stat().st_size
    check_memory(f"{p}: its array", size)
    with open(p, "rb") as handle:
        if handle.read(len(_NPY_MAGIC)) != _NPY_MAGIC:
            raise InputError(f"{p}: not a .npy file")
        handle.seek(0)
        return _read_array(str(p), handle, size)


def read_npz(path: str | os.PathLike[str], *, text: frozenset[str] = frozenset()) -> dict[str, np.ndarray]:
    """Every array stored in the ``.npz`` file ``path``, read safely (module docstring).

    ``text``: names of arrays that may be a single string (a 0-d unicode array), such as
    a counterexample's JSON metadata; every other array must hold real numbers.
    """
    p = check_input_file(path)
    with open(p, "rb") as handle:
        head = handle.read(len(_NPY_MAGIC))
        if head == _NPY_MAGIC:
            raise InputError(f"{p}: is a .npy file (one array), not an .npz archive of named arrays; "
                             "write it with numpy.savez(path, NAME=array, ...)")
        if not head.startswith(b"PK"):
            raise InputError(f"{p}: not an .npz archive (not a zip file)")
        handle.seek(0)
        try:
            archive = zipfile.ZipFile(handle)
        except _DAMAGED:
            raise InputError(f"{p}: not an .npz archive (damaged zip file)") from None
        with archive:
            return _members(p, archive, text)


def _members(p: Path, archive: zipfile.ZipFile, text: frozenset[str]) -> dict[str, np.ndarray]:
    infos = archive.infolist()
    if len(infos) > array_count_limit():
        raise InputError(f"{p}: holds {len(infos)} arrays, above the limit of {array_count_limit()}; "
                         "set WIDEMINIMA_MAX_ARRAYS to raise it")
    names = []
    for info in infos:
        if not info.filename.endswith(".npy") or info.is_dir():
            raise InputError(f"{p}: member {info.filename!r} is not a .npy array; not an .npz file of arrays")
        names.append(info.filename[: -len(".npy")])
        ratio = ratio_limit()
        if (info.compress_type != zipfile.ZIP_STORED and info.file_size > _RATIO_CHECKED_ABOVE
                and info.file_size > ratio * max(info.compress_size, 1)):
            raise InputError(f"{p}: array {names[-1]!r} expands {info.file_size // max(info.compress_size, 1)} times "
                             f"(a zip bomb?), above the limit of {ratio}; set WIDEMINIMA_MAX_RATIO to raise it")
    if len(set(names)) != len(names):
        raise InputError(f"{p}: the same array name appears twice; damaged or forged")
    check_memory(f"{p}: its {len(infos)} array(s)", sum(info.file_size for info in infos))
    arrays = {}
    for name, info in zip(names, infos):
        try:
            stream = archive.open(info)
        except _DAMAGED:
            raise InputError(f"{p}: array {name!r} cannot be read (damaged or encrypted)") from None
        with stream:
            arrays[name] = _read_array(f"{p}: array {name!r}", stream, info.file_size, text=name in text)
    return arrays


def read_weights_file(path: str | os.PathLike[str]) -> list[np.ndarray]:
    """The arrays [W1, ..., WN] stored in ``path``, as stored (names checked: W1..WN, no gaps, nothing else)."""
    arrays = read_npz(path)
    names = set(arrays)
    layers = sorted((int(m.group(1)) for n in names if (m := _LAYER.fullmatch(n))))
    others = sorted(names - {f"W{k}" for k in layers})
    if others:
        raise InputError(f"{path}: unexpected arrays {others}; a weights file holds only W1..WN")
    if not layers:
        raise InputError(f"{path}: no layers; a weights file holds arrays W1, W2, ..., WN")
    if layers != list(range(1, len(layers) + 1)):
        missing = sorted(set(range(1, max(layers) + 1)) - set(layers))
        raise InputError(f"{path}: layers must be W1..WN without gaps; missing {['W%d' % k for k in missing]}")
    return [arrays[f"W{k}"] for k in layers]


def save_npz(path: str | os.PathLike[str], arrays: Mapping[str, Array]) -> Path:
    """Write ``arrays`` to ``path`` (.npz, uncompressed) atomically; return the path."""
    target = Path(path)
    with atomic_open(target, "wb") as handle:
        np.savez(handle, **{k: np.asarray(v) for k, v in arrays.items()})
    return target


@dataclass(frozen=True)
class DataArrays:
    """The arrays of a data file and which of the three forms it has.

    ``form``: ``"samples"`` (``X`` (n, d_0) and ``Y`` (n, d_N)), ``"target"``
    (``Sigma_x`` and ``T``) or ``"cross"`` (``Sigma_x`` and ``Sigma_yx``); ``arrays``
    maps those names to the stored arrays, unchecked.
    """

    form: Literal["samples", "target", "cross"]
    arrays: dict[str, np.ndarray]


def read_data_arrays(path: str | os.PathLike[str]) -> DataArrays:
    """The arrays of the data file ``path``: samples X, Y, or population Sigma_x with T or Sigma_yx."""
    arrays = read_npz(path)
    names = set(arrays)
    samples, population = sorted(names & {"X", "Y"}), sorted(names & {"Sigma_x", "T", "Sigma_yx"})
    if samples and population:
        raise InputError(f"{path}: holds samples {samples} and population moments {population}; they could disagree, "
                         "so keep one form per file")
    if {"T", "Sigma_yx"} <= names:
        raise InputError(f"{path}: holds both T and Sigma_yx; they could disagree, so keep one of them")
    for form, needed in (("samples", ("X", "Y")), ("target", ("Sigma_x", "T")), ("cross", ("Sigma_x", "Sigma_yx"))):
        if set(needed) <= names:
            return DataArrays(form, {name: arrays[name] for name in needed})  # type: ignore[arg-type]
    raise InputError(
        f"{path}: holds {sorted(names)}; a data file needs X and Y, or Sigma_x with T or Sigma_yx"
    )


def json_ready(value: Any) -> Any:
    """A JSON-ready value: NumPy scalars as Python ones, non-finite floats as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    return value


def trajectory_text(path: str | os.PathLike[str], config: dict[str, Any], status: str, rows: list[dict[str, Any]]) -> str:
    """A training trajectory as the text of ``path``: ``.json`` as {"config", "status", "rows"}, or ``.csv`` (lists
    spread over ``key_i`` columns). Non-finite numbers become null. Used by ``wideminima train`` (which writes it
    together with the weights) and by :func:`write_trajectory`."""
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return json.dumps({"config": config, "status": status, "rows": [{k: json_ready(v) for k, v in r.items()} for r in rows]}, indent=1)
    if suffix != ".csv":
        raise InputError(f"{path}: a trajectory file's extension must be .json or .csv")
    flat = []
    for row in rows:
        cells: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, (list, tuple)):
                cells.update({f"{key}_{i}": v for i, v in enumerate(value)})
            else:
                cells[key] = value
        flat.append(cells)
    columns = list(dict.fromkeys(k for cells in flat for k in cells))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)
    return buffer.getvalue()


def write_trajectory(path: str | os.PathLike[str], config: dict[str, Any], status: str, rows: list[dict[str, Any]]) -> None:
    """Write :func:`trajectory_text` to ``path`` atomically (``wideminima.numeric.tracking``)."""
    text = trajectory_text(path, config, status, rows)
    with atomic_open(Path(path), "w") as handle:
        handle.write(text)
