"""Solve a DIMACS min-cost-flow file (as written by `duijie plan-pairing --dimacs`) with OR-Tools.

Usage: python ortools_mcf.py FILE.min
Lower bounds are removed the usual way (supplies shifted, the fixed cost added back), then
ortools.graph.python.min_cost_flow.SimpleMinCostFlow solves it. Prints one JSON line:
{"objective", "solve_seconds", "load_seconds", "status"}; only solve() is inside solve_seconds.
"""
import json
import sys
import time

import numpy as np
from ortools.graph.python import min_cost_flow

t0 = time.perf_counter()
nodes = 0
supply = None
tails, heads, caps, costs = [], [], [], []
fixed = 0
with open(sys.argv[1]) as f:
    for line in f:
        if line.startswith("a "):
            _, u, v, low, cap, cost = line.split()
            u, v, low, cap, cost = int(u) - 1, int(v) - 1, int(low), int(cap), int(cost)
            if low:
                supply[u] -= low
                supply[v] += low
                fixed += low * cost
            tails.append(u)
            heads.append(v)
            caps.append(cap - low)
            costs.append(cost)
        elif line.startswith("n "):
            _, v, s = line.split()
            supply[int(v) - 1] += int(s)
        elif line.startswith("p "):
            nodes = int(line.split()[2])
            supply = [0] * nodes
mcf = min_cost_flow.SimpleMinCostFlow()
mcf.add_arcs_with_capacity_and_unit_cost(
    np.array(tails, dtype=np.int32), np.array(heads, dtype=np.int32),
    np.array(caps, dtype=np.int64), np.array(costs, dtype=np.int64))
mcf.set_nodes_supplies(np.arange(nodes, dtype=np.int32), np.array(supply, dtype=np.int64))
load = time.perf_counter() - t0
t1 = time.perf_counter()
status = mcf.solve()
solve = time.perf_counter() - t1
ok = status == mcf.OPTIMAL
print(json.dumps({
    "objective": mcf.optimal_cost() + fixed if ok else None,
    "solve_seconds": round(solve, 3),
    "load_seconds": round(load, 3),
    "status": str(status),
}))
