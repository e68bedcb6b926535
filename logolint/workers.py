"""A worker thread beside the caller's, for the detection stages that release the GIL."""

from __future__ import annotations

import contextlib
from typing import Iterator


@contextlib.contextmanager
def one_worker() -> Iterator:
    """A ThreadPoolExecutor of one thread, shut down without waiting for it where the block
    raises: after Ctrl-C, the worker may wait for ever on an import lock that the interrupt
    left held, and the run would hang instead of stopping (see start.leave)."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(1)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
