"""Circle packing, n = 26: print 26 circles `x y r` inside the unit square,
no two overlapping, maximizing the sum of the radii. The host checks the
output exactly (f64, zero tolerance); see README.md. numpy and scipy are
available."""

import numpy as np

N = 26


# EVOLVE-BLOCK-START
def pack(n):
    """26 circles (x, y, r): the seed puts equal circles on a 6-column grid,
    each a hair smaller than its cell so that neighbours do not touch."""
    cols = 6
    cell = 1.0 / cols
    r = cell / 2.0 - 1e-9
    return [((k % cols + 0.5) * cell, (k // cols + 0.5) * cell, r) for k in range(n)]
# EVOLVE-BLOCK-END


def main():
    for x, y, r in pack(N):
        print(repr(float(x)), repr(float(y)), repr(float(r)))


if __name__ == "__main__":
    main()
