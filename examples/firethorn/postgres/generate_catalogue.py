"""A synthetic star catalogue as CSV on stdout, the same for the same seed.

    python3 generate_catalogue.py --rows 300000 --seed 2016 | psql -c "COPY stars (…) FROM STDIN (FORMAT csv)"
    python3 generate_catalogue.py --columns      # the column list for that COPY

Field stars cover the sky uniformly; a few percent are galaxies and quasars (no proper
motion, no parallax); about 8% belong to a dozen compact open clusters that share a
position, proper motion, distance and a colour-magnitude sequence, so cone searches and
proper-motion cuts find something worth finding. Standard library only: it runs in the
database image at first start.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass

COLUMNS = ("source_id", "ra", "dec", "kind", "mag_g", "mag_r", "mag_i", "mag_z", "mag_r_err", "pm_ra", "pm_dec", "parallax", "variable", "cluster_id")
CLUSTERS = 12
CLUSTER_FRACTION = 0.08
GALAXY_FRACTION = 0.05
QSO_FRACTION = 0.01
VARIABLE_FRACTION = 0.02


@dataclass(frozen=True)
class Cluster:
    ra: float
    dec: float
    radius: float  # degrees: members are spread with sigma = radius / 2
    pm_ra: float
    pm_dec: float
    parallax: float
    distance_modulus: float


def sky_position(rng: random.Random) -> tuple[float, float]:
    """Uniform on the sphere: uniform RA, and sin(dec) uniform."""
    return rng.uniform(0.0, 360.0), math.degrees(math.asin(rng.uniform(-1.0, 1.0)))


def make_clusters(rng: random.Random, count: int = CLUSTERS) -> list[Cluster]:
    clusters = []
    for _ in range(count):
        ra, dec = sky_position(rng)
        dec = max(-70.0, min(70.0, dec))  # away from the poles, where RA ranges get awkward
        distance_pc = rng.uniform(150.0, 2500.0)
        clusters.append(Cluster(ra, dec, rng.uniform(0.05, 0.4), rng.gauss(0, 8), rng.gauss(0, 8), 1000.0 / distance_pc, 5 * math.log10(distance_pc / 10)))
    return clusters


def colours(rng: random.Random, g_r: float) -> tuple[float, float, float]:
    """r-i and i-z following g-r as stellar colours roughly do, with some scatter."""
    r_i = 0.38 * g_r + rng.gauss(0, 0.04)
    i_z = 0.2 * g_r + rng.gauss(0, 0.03)
    return g_r, r_i, i_z


def field_star(rng: random.Random) -> dict:
    ra, dec = sky_position(rng)
    distance_pc = 100.0 + 9000.0 * rng.random() ** 0.5
    return {"ra": ra, "dec": dec, "kind": "star", "mag_r": 12.0 + 10.0 * rng.random() ** 0.45,
            "colours": colours(rng, rng.uniform(0.15, 1.45)), "pm": (rng.gauss(0, 6), rng.gauss(0, 6)),
            "parallax": 1000.0 / distance_pc + rng.gauss(0, 0.08), "cluster_id": None}  # fmt: skip


def extragalactic(rng: random.Random, kind: str) -> dict:
    ra, dec = sky_position(rng)
    if kind == "galaxy":
        mag_r, g_r = 16.5 + 5.5 * rng.random() ** 0.35, rng.uniform(0.5, 1.2)
    else:
        mag_r, g_r = 17.5 + 4.5 * rng.random() ** 0.5, rng.uniform(0.0, 0.4)
    return {"ra": ra, "dec": dec, "kind": kind, "mag_r": mag_r, "colours": colours(rng, g_r),
            "pm": (rng.gauss(0, 0.3), rng.gauss(0, 0.3)), "parallax": rng.gauss(0, 0.1), "cluster_id": None}  # fmt: skip


def cluster_member(rng: random.Random, cluster: Cluster, cluster_id: int) -> dict:
    dec = max(-90.0, min(90.0, cluster.dec + rng.gauss(0, cluster.radius / 2)))
    ra = (cluster.ra + rng.gauss(0, cluster.radius / 2) / math.cos(math.radians(cluster.dec))) % 360.0
    absolute = rng.uniform(0.5, 10.0)  # along a main sequence: fainter is redder
    return {"ra": ra, "dec": dec, "kind": "star", "mag_r": cluster.distance_modulus + absolute,
            "colours": colours(rng, 0.12 * absolute + rng.gauss(0, 0.05)),
            "pm": (cluster.pm_ra + rng.gauss(0, 0.15), cluster.pm_dec + rng.gauss(0, 0.15)),
            "parallax": cluster.parallax + rng.gauss(0, 0.05), "cluster_id": cluster_id}  # fmt: skip


def source(rng: random.Random, clusters: list[Cluster]) -> dict:
    draw = rng.random()
    if draw < CLUSTER_FRACTION:
        index = int(draw / CLUSTER_FRACTION * len(clusters))
        return cluster_member(rng, clusters[index], index + 1)
    draw -= CLUSTER_FRACTION
    if draw < GALAXY_FRACTION:
        return extragalactic(rng, "galaxy")
    if draw - GALAXY_FRACTION < QSO_FRACTION:
        return extragalactic(rng, "qso")
    return field_star(rng)


def csv_line(source_id: int, item: dict, rng: random.Random) -> str:
    mag_r = item["mag_r"]
    g_r, r_i, i_z = item["colours"]
    mag_i = mag_r - r_i
    error = 0.002 + 0.03 * 10 ** (0.4 * (mag_r - 21.0))
    variable = "t" if rng.random() < VARIABLE_FRACTION else "f"
    cluster = "" if item["cluster_id"] is None else str(item["cluster_id"])
    pm_ra, pm_dec = item["pm"]
    ra = item["ra"] % 360.0
    return (f"{source_id},{ra:.7f},{item['dec']:.7f},{item['kind']},{mag_r + g_r:.3f},{mag_r:.3f},{mag_i:.3f},"
            f"{mag_i - i_z:.3f},{error:.4f},{pm_ra:.3f},{pm_dec:.3f},{item['parallax']:.4f},{variable},{cluster}\n")  # fmt: skip


def catalogue_lines(rows: int, seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    clusters = make_clusters(rng)
    for source_id in range(1, rows + 1):
        yield csv_line(source_id, source(rng, clusters), rng)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--columns", action="store_true", help="print the CSV's column list and exit")
    args = parser.parse_args(argv)
    if args.columns:
        print(", ".join(COLUMNS))
        return 0
    out = sys.stdout
    batch: list[str] = []
    for line in catalogue_lines(args.rows, args.seed):
        batch.append(line)
        if len(batch) == 5000:
            out.write("".join(batch))
            batch.clear()
    out.write("".join(batch))
    return 0


if __name__ == "__main__":
    sys.exit(main())
