"""Evaluator for the function minimization problem, in OpenEvolve's shape:
it imports the program by path and calls run_search() in a thread with a
timeout."""

import concurrent.futures
import importlib.util
import traceback

import numpy as np

GLOBAL_MIN_X, GLOBAL_MIN_Y, GLOBAL_MIN_VALUE = -1.704, 0.678, -1.519


def run_with_timeout(func, args=(), kwargs=None, timeout_seconds=30):
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        future = executor.submit(func, *args, **(kwargs or {}))
        return future.result(timeout=timeout_seconds)


def evaluate(program_path):
    try:
        spec = importlib.util.spec_from_file_location("program", program_path)
        program = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(program)
        if not hasattr(program, "run_search"):
            return {"combined_score": 0.0, "error": "Missing run_search function"}
        values, distances = [], []
        for _ in range(3):
            x, y, value = run_with_timeout(program.run_search)
            x, y, value = float(x), float(y), float(value)
            if not np.all(np.isfinite([x, y, value])):
                continue
            # The value reported must be the function's at the point.
            true_value = np.sin(x) * np.cos(y) + np.sin(x * y) + (x**2 + y**2) / 20
            if abs(true_value - value) > 1e-6:
                return {"combined_score": 0.0, "error": "reported value does not match the point"}
            values.append(value)
            distances.append(np.hypot(x - GLOBAL_MIN_X, y - GLOBAL_MIN_Y))
        if not values:
            return {"combined_score": 0.0, "error": "no valid trial"}
        value_score = 1.0 / (1.0 + abs(np.mean(values) - GLOBAL_MIN_VALUE))
        distance_score = 1.0 / (1.0 + np.mean(distances))
        return {
            "value_score": float(value_score),
            "distance_score": float(distance_score),
            "combined_score": float(0.5 * value_score + 0.5 * distance_score),
        }
    except Exception as e:
        traceback.print_exc()
        return {"combined_score": 0.0, "error": str(e)}
