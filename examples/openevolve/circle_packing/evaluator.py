"""Evaluator for circle packing (n=26), in the shape of OpenEvolve's: it
writes a script that imports the program and pickles its result, runs it
with sys.executable in a subprocess, loads the pickle and validates the
packing with numpy."""

import os
import pickle
import subprocess
import sys
import tempfile
import traceback

import numpy as np

N = 26
TARGET = 2.635  # AlphaEvolve's sum of radii for n = 26


def validate_packing(centers, radii):
    if centers.shape != (N, 2) or radii.shape != (N,):
        return False
    if np.any(~np.isfinite(centers)) or np.any(~np.isfinite(radii)) or np.any(radii < 0):
        return False
    for i in range(N):
        x, y = centers[i]
        r = radii[i]
        if x - r < -1e-6 or x + r > 1 + 1e-6 or y - r < -1e-6 or y + r > 1 + 1e-6:
            return False
    for i in range(N):
        for j in range(i + 1, N):
            if np.hypot(*(centers[i] - centers[j])) < radii[i] + radii[j] - 1e-6:
                return False
    return True


def run_with_timeout(program_path, timeout_seconds=120):
    with tempfile.NamedTemporaryFile(suffix=".py", delete=False) as temp_file:
        script = f"""
import sys, os, pickle, traceback
import importlib.util
sys.path.insert(0, os.path.dirname({program_path!r}))
try:
    spec = importlib.util.spec_from_file_location("program", {program_path!r})
    program = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(program)
    centers, radii, sum_radii = program.run_packing()
    results = {{"centers": centers, "radii": radii, "sum_radii": sum_radii}}
except Exception as e:
    traceback.print_exc()
    results = {{"error": str(e)}}
with open({temp_file.name + ".results"!r}, "wb") as f:
    pickle.dump(results, f)
"""
        temp_file.write(script.encode())
        temp_file_path = temp_file.name
    results_path = temp_file_path + ".results"
    try:
        process = subprocess.Popen(
            [sys.executable, temp_file_path], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        stdout, stderr = communicate(process, timeout_seconds)
        if not os.path.exists(results_path):
            raise RuntimeError(f"no results file; stderr: {stderr.decode()[-2000:]}")
        with open(results_path, "rb") as f:
            results = pickle.load(f)
        if "error" in results:
            raise RuntimeError(f"program failed: {results['error']}")
        return results["centers"], results["radii"], results["sum_radii"]
    finally:
        for path in (temp_file_path, results_path):
            if os.path.exists(path):
                os.unlink(path)


def communicate(process, timeout_seconds):
    """The process's output; one that runs past the timeout is killed first
    (a program that never ends must not go on using the machine)."""
    try:
        return process.communicate(timeout=timeout_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise


def evaluate(program_path):
    try:
        centers, radii, reported = run_with_timeout(program_path)
        centers, radii = np.asarray(centers, dtype=float), np.asarray(radii, dtype=float)
        if not validate_packing(centers, radii):
            return {"sum_radii": 0.0, "validity": 0.0, "combined_score": 0.0}
        sum_radii = float(np.sum(radii))
        return {
            "sum_radii": sum_radii,
            "target_ratio": sum_radii / TARGET,
            "validity": 1.0,
            "combined_score": sum_radii / TARGET,
        }
    except Exception as e:
        traceback.print_exc()
        return {"sum_radii": 0.0, "validity": 0.0, "combined_score": 0.0, "error": str(e)}
