"""Worker threads beside the caller's, for work that releases the GIL: detection's stages, training's page checks."""

from __future__ import annotations

import contextlib
from typing import Iterator


@contextlib.contextmanager
def worker_threads(count: int = 1) -> Iterator:
    """A ThreadPoolExecutor of `count` threads, shut down without waiting for them where the
    block is interrupted: after Ctrl-C, the worker may wait for ever on an import lock that
    the interrupt left held, and the run would hang instead of stopping (see start.leave). After
    any other error, or a block left early, the work not started is dropped and the work
    started is waited for, as the next image's work must not run beside it."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(count)
    interrupted = False
    try:
        yield pool
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        pool.shutdown(wait=not interrupted, cancel_futures=True)
