# EVOLVE-BLOCK-START
"""Function minimization: find the global minimum of a function with many
local minima, by random search."""
import numpy as np


def search_algorithm(iterations=300, bounds=(-5, 5)):
    best_x = np.random.uniform(bounds[0], bounds[1])
    best_y = np.random.uniform(bounds[0], bounds[1])
    best_value = evaluate_function(best_x, best_y)
    for _ in range(iterations):
        x = np.random.uniform(bounds[0], bounds[1])
        y = np.random.uniform(bounds[0], bounds[1])
        value = evaluate_function(x, y)
        if value < best_value:
            best_value, best_x, best_y = value, x, y
    return best_x, best_y, best_value


# EVOLVE-BLOCK-END


def evaluate_function(x, y):
    """The function to minimise: many local minima."""
    return np.sin(x) * np.cos(y) + np.sin(x * y) + (x**2 + y**2) / 20


def run_search():
    x, y, value = search_algorithm()
    return x, y, value


if __name__ == "__main__":
    x, y, value = run_search()
    print(f"Found minimum at ({x}, {y}) with value {value}")
