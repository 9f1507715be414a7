"""Online bin packing (FunSearch's protocol): the host places the items in
order and asks `priority` for one score per bin that fits the item; the item
goes to the highest score. The program never sees future items, and each
problem instance meets a fresh interpreter. numpy is available."""

import numpy as np


# EVOLVE-BLOCK-START
def priority(item: int, bins: np.ndarray) -> np.ndarray:
    """One finite score per bin in `bins` (the free capacities of the bins
    the item fits); the highest wins. The seed is best fit: the tightest
    bin."""
    return -(bins - item)
# EVOLVE-BLOCK-END
