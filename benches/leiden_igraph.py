"""Times python-igraph's community_leiden on an edge list and compares the
modularity of its partition with Hydrascope's (both scored by igraph).

Usage: python3 benches/leiden_igraph.py EDGES.tsv NODES HYDRASCOPE_MEMBERSHIP [RESOLUTION]
"""
import sys
import time

import igraph

edges_path, nodes, ours_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
resolution = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
edges, weights = [], []
with open(edges_path) as f:
    for line in f:
        a, b, w = line.split("\t")
        edges.append((int(a), int(b)))
        weights.append(float(w))
g = igraph.Graph(n=nodes, edges=edges, directed=False)
g.es["weight"] = weights
best = None
for _ in range(3):
    started = time.perf_counter()
    part = g.community_leiden(objective_function="modularity", weights="weight",
                              resolution=resolution, n_iterations=2)
    secs = time.perf_counter() - started
    best = secs if best is None else min(best, secs)
q_igraph = g.modularity(part.membership, weights="weight", resolution=resolution)
ours = [int(line) for line in open(ours_path)]
q_ours = g.modularity(ours, weights="weight", resolution=resolution)
print(f"igraph {igraph.__version__} community_leiden: {best:.3f} s (best of 3), "
      f"{len(set(part.membership))} communities, modularity {q_igraph:.4f}")
print(f"hydrascope's partition scored by igraph: modularity {q_ours:.4f}")
