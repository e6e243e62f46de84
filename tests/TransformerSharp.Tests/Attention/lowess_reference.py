"""Reference LOWESS fits from statsmodels, for LowessTests.

Reads a JSON list of cases {x, y, frac, it, delta, is_sorted} from argv[1] and writes a JSON list of fitted
value lists (in the order statsmodels returns them, sorted by x) to argv[2].
"""
import json
import sys

import numpy as np
from statsmodels.nonparametric.smoothers_lowess import lowess

with open(sys.argv[1]) as source:
    cases = json.load(source)
results = []
for case in cases:
    fit = lowess(np.asarray(case["y"], dtype=float), np.asarray(case["x"], dtype=float),
                 frac=case["frac"], it=case["it"], delta=case["delta"], is_sorted=case["is_sorted"])
    results.append({"x": fit[:, 0].tolist(), "fitted": fit[:, 1].tolist()})
with open(sys.argv[2], "w") as target:
    json.dump(results, target)
