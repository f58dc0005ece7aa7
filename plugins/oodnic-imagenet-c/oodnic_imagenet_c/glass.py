"""ImageNet-C's glass-blur pixel shuffle, vectorised exactly.

The reference walks the pixels in reverse raster order and, for each one, runs
``x[h, w], x[h', w'] = x[h', w'], x[h, w]`` on NumPy views: that is not a swap
but a copy, ``x[h, w] = x[h', w']``. So every visited pixel ends up holding the
*current* value of its source: the source's final value if the source was
visited earlier, else its original value. Resolving those chains by pointer
jumping gives the same image as the loop, in a few vectorised passes.
"""

from __future__ import annotations

import numpy as np


def visit_grid(shape: tuple[int, int], delta: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns the reference visits, in its order (both descending)."""
    height, width = shape
    return np.arange(height - delta, delta, -1), np.arange(width - delta, delta, -1)


def _one_pass(width: int, size: int, visited: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Flat source index of every pixel after one pass of copies."""
    source = visited + offsets[..., 1].astype(np.intp) * width + offsets[..., 0]
    is_visited = np.zeros(size, dtype=bool)
    is_visited[visited] = True
    pointer = np.arange(size)
    pointer[visited] = source
    # the source was visited before (larger flat index): take its final value
    pending = np.zeros(size, dtype=bool)
    pending[visited] = is_visited[source] & (source > visited)
    todo = np.flatnonzero(pending)
    while todo.size:
        target = pointer[todo]
        pointer[todo] = pointer[target]
        pending[todo] = pending[target]
        todo = todo[pending[todo]]
    return pointer


def shuffle(image: np.ndarray, delta: int, offsets: np.ndarray) -> np.ndarray:
    """Apply the reference's passes; ``offsets[i, row, col] = (dx, dy)`` in visiting order."""
    height, width = image.shape[:2]
    rows, cols = visit_grid((height, width), delta)
    if rows.size == 0 or cols.size == 0:
        return image.copy()
    visited = rows[:, None] * width + cols[None, :]
    source = np.arange(height * width)
    for pass_offsets in offsets:
        source = source[_one_pass(width, height * width, visited, pass_offsets)]
    flat = image.reshape(height * width, -1)
    return flat[source].reshape(image.shape)
