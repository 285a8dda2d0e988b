"""The worker protocol's bytes: data only, never objects that run code when read.

The worker is untrusted: a model runs inside it and can write anything to its end of the pipe.
So nothing the harness reads is unpickled: a message is one JSON header plus raw buffers, read
with a size cap and a deadline. Buffers carry what JSON cannot hold compactly (a waveform, a
JPEG's bytes) and decode into ``bytes`` or a numpy array of an allowlisted dtype; a frame is a
tagged pair of buffers. Replies from the worker are plain JSON (``allow_buffers=False``): labels,
numbers, short strings, each checked by the harness against what its operation may return.

Framing: ``u64`` length of the rest, ``u32`` header length, the header (UTF-8 JSON), then per
buffer ``u64`` length and its bytes.
"""

from __future__ import annotations

import json
import math
import os
import select
import struct
import time
from enum import StrEnum
from typing import Any

_LEN = struct.Struct(">Q")
_HEAD = struct.Struct(">I")
DTYPES = ("float32", "float64", "int16", "int32", "int64", "uint8", "bool")
MAX_DEPTH = 64


class ProtocolError(Exception):
    """A message that is not well-formed, too large, or late: the peer is not to be trusted."""


def encode(value: Any) -> bytes:
    """One message: ``value`` made of JSON types, ``bytes``, numpy arrays and frames."""
    buffers: list[bytes] = []
    header = json.dumps(_pack(value, buffers, 0), allow_nan=False, separators=(",", ":")).encode()
    parts = [_HEAD.pack(len(header)), header]
    for buf in buffers:
        parts += [_LEN.pack(len(buf)), buf]
    body = b"".join(parts)
    return _LEN.pack(len(body)) + body


def _pack(value: Any, buffers: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ProtocolError("message nests too deep")
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bytes):
        buffers.append(value)
        return {"$bytes": len(buffers) - 1}
    if isinstance(value, list | tuple):
        return [_pack(v, buffers, depth + 1) for v in value]
    if isinstance(value, dict):
        if any(not isinstance(k, str) or k.startswith("$") for k in value):
            raise ProtocolError("message keys must be strings not starting with '$'")
        return {k: _pack(v, buffers, depth + 1) for k, v in value.items()}
    from frugalbench.image.decode import Frame

    if isinstance(value, Frame):
        return {"$frame": [_pack(value.image, buffers, depth), _pack(value.previous, buffers, 0)]}
    import numpy as np

    if isinstance(value, np.ndarray):
        if value.dtype.name not in DTYPES:
            raise ProtocolError(f"arrays of {value.dtype} cannot cross the worker boundary")
        buffers.append(np.ascontiguousarray(value).tobytes())
        return {"$array": len(buffers) - 1, "dtype": value.dtype.name, "shape": list(value.shape)}
    if isinstance(value, np.generic):
        return _pack(value.item(), buffers, depth)
    raise ProtocolError(f"a {type(value).__name__} cannot cross the worker boundary")


def decode(message: bytes, allow_buffers: bool = True) -> Any:
    """The value of one message body (without its length prefix); ``ProtocolError`` if bad."""
    try:
        (head_len,) = _HEAD.unpack_from(message, 0)
        header = message[_HEAD.size : _HEAD.size + head_len]
        if len(header) != head_len:
            raise ProtocolError("truncated header")
        buffers: list[bytes] = []
        offset = _HEAD.size + head_len
        while offset < len(message):
            if not allow_buffers:
                raise ProtocolError("binary data where only JSON is allowed")
            (size,) = _LEN.unpack_from(message, offset)
            offset += _LEN.size
            if offset + size > len(message):
                raise ProtocolError("truncated buffer")
            buffers.append(message[offset : offset + size])
            offset += size
        tree = json.loads(header, parse_constant=_no_constant)
        return _unpack(tree, buffers, 0)
    except ProtocolError:
        raise
    except (struct.error, ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"malformed message ({type(exc).__name__})") from None


def _no_constant(name: str) -> Any:
    raise ProtocolError(f"{name} is not allowed")


def _unpack(value: Any, buffers: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ProtocolError("message nests too deep")
    if isinstance(value, list):
        return [_unpack(v, buffers, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    if "$bytes" in value:
        return _buffer(buffers, value["$bytes"])
    if "$frame" in value:
        from frugalbench.image.decode import Frame

        image, previous = (_unpack(v, buffers, depth + 1) for v in value["$frame"])
        if not isinstance(image, bytes) or not isinstance(previous, bytes | None):
            raise ProtocolError("a frame is two byte buffers")
        return Frame(image, previous)
    if "$array" in value:
        return _array(buffers, value)
    return {k: _unpack(v, buffers, depth + 1) for k, v in value.items()}


def _buffer(buffers: list[bytes], index: Any) -> bytes:
    if not isinstance(index, int) or not 0 <= index < len(buffers):
        raise ProtocolError("reference to a missing buffer")
    return buffers[index]


def _array(buffers: list[bytes], spec: dict[str, Any]) -> Any:
    import numpy as np

    dtype, shape = spec.get("dtype"), spec.get("shape")
    if dtype not in DTYPES or not isinstance(shape, list):
        raise ProtocolError("array of a dtype or shape that is not allowed")
    if not all(isinstance(n, int) and n >= 0 for n in shape):
        raise ProtocolError("array shape must be non-negative integers")
    data = _buffer(buffers, spec["$array"])
    if math.prod(shape) * np.dtype(dtype).itemsize != len(data):
        raise ProtocolError("array shape does not match its data")
    return np.frombuffer(data, dtype=dtype).reshape(shape)


def write_message(fd: int, message: bytes, deadline: float | None = None) -> None:
    """Write all of ``message``; ``TimeoutError`` if the reader does not take it in time."""
    view = memoryview(message)
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    while view:
        if not poller.poll(_wait_ms(deadline)):
            raise TimeoutError("the worker did not take its input in time")
        try:
            sent = os.write(fd, view[: 1 << 20])
        except BlockingIOError:
            continue
        view = view[sent:]


def read_message(fd: int, deadline: float | None, max_bytes: int) -> bytes:
    """One message body from ``fd``; ``EOFError`` when the writer is gone, ``TimeoutError`` past
    ``deadline`` (a ``time.monotonic()`` value), ``ProtocolError`` over ``max_bytes``."""
    (size,) = _LEN.unpack(_read_exact(fd, _LEN.size, deadline))
    if size > max_bytes:
        raise ProtocolError(f"a reply of {size} bytes is over the limit of {max_bytes}")
    return _read_exact(fd, size, deadline)


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    left = size
    while left:
        if not poller.poll(_wait_ms(deadline)):
            raise TimeoutError("no answer in time")
        try:
            chunk = os.read(fd, min(left, 1 << 20))
        except BlockingIOError:
            continue
        if not chunk:
            raise EOFError("the worker closed its pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _wait_ms(deadline: float | None) -> int | None:
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        return 0
    return min(max(1, int(left * 1000)), 2**31 - 1)  # poll() takes a C int of milliseconds


class Op(StrEnum):
    """What the harness may ask; the reply to each is checked by the harness."""

    TRAIN = "train"
    LOAD = "load"
    PREDICT = "predict"
    PREDICT_CONF = "predict_conf"
    STATS = "stats"
    OUTPUTS = "outputs"
    PING = "ping"
    EXIT = "exit"


def request(op: Op, payload: Any = None) -> bytes:
    """One request to the worker, encoded (a measured pass sends bytes encoded before it)."""
    return encode({"op": op.value, "payload": payload})
