"""Constructive TSP in ReEvo's form: a tour starts at node 0 and
`select_next_node` picks each next city until none is left; the tour returns
to node 0. The seed is nearest neighbour."""
import numpy as np


# EVOLVE-BLOCK-START
def select_next_node(current_node, destination_node, unvisited_nodes, distance_matrix):
    """The next node, one of `unvisited_nodes` (an int array);
    `distance_matrix` is the n x n Euclidean distance matrix and
    `destination_node` the start, 0."""
    return unvisited_nodes[np.argmin(distance_matrix[current_node][unvisited_nodes])]


# EVOLVE-BLOCK-END
