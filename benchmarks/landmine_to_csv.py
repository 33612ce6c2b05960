"""Write the Landmine data (../shared/data/landmine/) as a CSV for ``skmtl compare``.

Columns: ``field`` (task id 1-29: fields 1-15 foliated, 16-29 desert), the
nine features ``f1`` ... ``f9``, and ``landmine`` (1 = landmine, 0 = clutter).

Usage: python benchmarks/landmine_to_csv.py PATH/TO/LandmineData.mat OUT.csv
then:  skmtl compare OUT.csv --task-column field --target landmine
"""

import csv
import sys

import numpy as np
from scipy.io import loadmat


def main(source, target):
    data = loadmat(source)
    with open(target, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["field", *(f"f{j}" for j in range(1, 10)), "landmine"])
        for field, (X, y) in enumerate(zip(data["feature"][0], data["label"][0]), start=1):
            for row, label in zip(np.asarray(X, float), np.asarray(y).ravel()):
                writer.writerow([field, *(repr(float(v)) for v in row), int(label)])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
