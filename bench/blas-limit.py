"""The BLAS limit for `npm run bench -- gemm`: GFLOP/s of OpenBLAS sgemm (through numpy, which calls the system
libblas.so.3) for C[m, n] = A[m, k] · B[n, k]ᵀ, the addon's dense layout, at the thread counts asked for.

usage: blas-limit.py SECONDS THREADS M,N,K [M,N,K ...]   (THREADS: a comma list, e.g. 1,2)
Prints one JSON line per shape and thread count: {"m", "n", "k", "threads", "gflops"}, after one line naming the BLAS
({"blas": "OpenBLAS 0.3.21 ... Cooperlake", "corename": ...}), so that a netlib fallback (~20x slower) is visible.
Each figure is the best of repeated calls within SECONDS, as the addon's denseGemmGflops measures its own kernel.
"""
import ctypes
import ctypes.util
import json
import sys
import time

import numpy as np


def blas_library():
    """The OpenBLAS that numpy's libblas.so.3 resolves to, for naming it and setting its threads."""
    for name in ('libblas.so.3', 'libopenblas.so.0', ctypes.util.find_library('openblas') or ''):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        if hasattr(lib, 'openblas_get_config'):
            return lib
    return None


def main():
    seconds = float(sys.argv[1])
    threads = [int(t) for t in sys.argv[2].split(',')]
    shapes = [tuple(int(v) for v in s.split(',')) for s in sys.argv[3:]]
    lib = blas_library()
    if lib is None:
        print(json.dumps({'blas': None}))
    else:
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_corename.restype = ctypes.c_char_p
        print(json.dumps({'blas': lib.openblas_get_config().decode(), 'corename': lib.openblas_get_corename().decode()}))
    rng = np.random.default_rng(0)
    for t in threads:
        if lib is not None:
            lib.openblas_set_num_threads(t)
        for m, n, k in shapes:
            a = rng.standard_normal((m, k), dtype=np.float32)
            b = rng.standard_normal((n, k), dtype=np.float32).T
            c = np.empty((m, n), dtype=np.float32)
            np.matmul(a, b, out=c)
            best = float('inf')
            until = time.perf_counter() + seconds
            while True:
                start = time.perf_counter()
                np.matmul(a, b, out=c)
                best = min(best, time.perf_counter() - start)
                if time.perf_counter() >= until:
                    break
            print(json.dumps({'m': m, 'n': n, 'k': k, 'threads': t, 'gflops': 2.0 * m * n * k / best / 1e9}), flush=True)


main()
