"""Constructive TSP (ReEvo's protocol): the host starts a tour at node 0 and
asks `select_next_node` which unvisited node comes next until none is left;
the tour returns to node 0. The host builds and measures the tour; each
problem instance meets a fresh interpreter. numpy is available."""

import numpy as np


# EVOLVE-BLOCK-START
def select_next_node(
    current_node: int,
    destination_node: int,
    unvisited_nodes: np.ndarray,
    distance_matrix: np.ndarray,
) -> int:
    """The next node, one of `unvisited_nodes`; `distance_matrix` is the
    n x n Euclidean distance matrix and `destination_node` the start, 0.
    The seed is nearest neighbour."""
    return unvisited_nodes[np.argmin(distance_matrix[current_node][unvisited_nodes])]
# EVOLVE-BLOCK-END
