"""Evaluator for constructive TSP (ReEvo's protocol, 64 instances of 50
cities from ReEvo's test set, uniform_50.json), in the shape of OpenEvolve's
evaluators: it writes a script that imports the program, builds one tour per
instance by asking `select_next_node` for each next city, and pickles the
tours; the script runs with sys.executable in a subprocess. The evaluator
then checks every tour and measures it itself from the coordinates, so the
program decides the order of the cities and nothing else.

combined_score = nearest neighbour's mean tour length / the program's
(the seed scores 1.0; higher is better)."""

import json
import os
import pickle
import subprocess
import sys
import tempfile
import traceback

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
# Nearest neighbour's mean tour length on these instances (ReEvo's table).
NEAREST_NEIGHBOUR = 6.891886602053466

SCRIPT = """
import importlib.util, os, pickle, sys, traceback
import numpy as np
try:
    sys.path.insert(0, os.path.dirname({program!r}))
    spec = importlib.util.spec_from_file_location("program", {program!r})
    program = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(program)
    tours = []
    for points in np.load({coords!r}):
        distances = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(-1))
        current, tour = 0, [0]
        unvisited = np.arange(1, len(points))
        while len(unvisited):
            chosen = int(program.select_next_node(current, 0, unvisited, distances))
            if chosen not in unvisited:
                raise ValueError(f"select_next_node returned {{chosen}}, not an unvisited node")
            tour.append(chosen)
            unvisited = unvisited[unvisited != chosen]
            current = chosen
        tours.append(tour)
    results = {{"tours": tours}}
except Exception as e:
    traceback.print_exc()
    results = {{"error": str(e)}}
with open({results!r}, "wb") as f:
    pickle.dump(results, f)
"""


def instances():
    with open(os.path.join(HERE, "uniform_50.json")) as f:
        return np.array(json.load(f)["instances"], dtype=float)


def tours_of(program_path, coords, timeout_seconds=120):
    with tempfile.TemporaryDirectory() as folder:
        coords_path = os.path.join(folder, "coords.npy")
        results_path = os.path.join(folder, "results.pkl")
        script_path = os.path.join(folder, "run.py")
        np.save(coords_path, coords)
        with open(script_path, "w") as f:
            f.write(SCRIPT.format(program=program_path, coords=coords_path, results=results_path))
        process = subprocess.Popen(
            [sys.executable, script_path], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        _, stderr = communicate(process, timeout_seconds)
        if not os.path.exists(results_path):
            raise RuntimeError(f"no results file; stderr: {stderr.decode()[-2000:]}")
        with open(results_path, "rb") as f:
            results = pickle.load(f)
    if "error" in results:
        raise RuntimeError(f"program failed: {results['error']}")
    return results["tours"]


def tour_length(points, tour):
    order = np.asarray(tour + [tour[0]], dtype=int)
    return float(np.sqrt(((points[order[1:]] - points[order[:-1]]) ** 2).sum(-1)).sum())


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
        coords = instances()
        tours = tours_of(program_path, coords)
        if len(tours) != len(coords):
            raise ValueError(f"{len(tours)} tours for {len(coords)} instances")
        lengths = []
        for points, tour in zip(coords, tours):
            tour = [int(node) for node in tour]
            if tour[0] != 0 or sorted(tour) != list(range(len(points))):
                raise ValueError("a tour is not a permutation of the cities starting at 0")
            lengths.append(tour_length(points, tour))
        mean = float(np.mean(lengths))
        return {"tour_length": mean, "combined_score": NEAREST_NEIGHBOUR / mean}
    except Exception as e:
        traceback.print_exc()
        return {"tour_length": 0.0, "combined_score": 0.0, "error": str(e)}
