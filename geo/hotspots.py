"""Getis-Ord Gi* hotspot and coldspot detection on complaint counts per grid cell."""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse
import scipy.stats
from esda import G_Local
from libpysal.graph import Graph
from libpysal.weights import DistanceBand

logger = logging.getLogger(__name__)

#: Default distance band in cell sizes. On a hexagon grid 2.5 cell sizes reach
#: the two rings of neighbours (18 cells, at 1, sqrt(3) and 2 cell sizes) and
#: stop well short of the third ring (sqrt(7) = 2.65). On a square grid it
#: reaches the 20 cells at 1, sqrt(2), 2 and sqrt(5) cell sizes.
DEFAULT_BAND_CELLS = 2.5
#: Minimum number of cells for Gi*. Its variance divides by n - 1.
MIN_CELLS = 3
#: (largest adjusted p-value, bin) from the strictest level down, as in the
#: Gi_Bin field of ArcGIS "Hot Spot Analysis (Getis-Ord Gi*)".
CONFIDENCE_BINS = ((0.01, 3), (0.05, 2), (0.10, 1))
_BIN_BY_CONFIDENCE = {0.90: 1, 0.95: 2, 0.99: 3}


@dataclass(frozen=True, eq=False)
class HotspotResult:
    """Gi* z-scores, p-values and confidence bins per cell, with the parameters."""

    #: Gi* z-score per cell, 0 where the cell was not tested.
    z: np.ndarray
    #: Two-sided p-value from the normal approximation, 1 where not tested.
    p: np.ndarray
    #: Benjamini-Hochberg adjusted p-value, equal to ``p`` when ``fdr`` is off.
    p_adjusted: np.ndarray
    #: Confidence bin per cell (int8): +3/+2/+1 hot at 99/95/90 %, -3/-2/-1
    #: cold, 0 not significant.
    bin: np.ndarray
    #: Cells with no other cell within the distance band. They are not tested.
    islands: np.ndarray
    distance_band_m: float
    cell_count: int
    #: Mean number of other cells within the distance band of a cell.
    mean_neighbor_count: float
    fdr: bool
    #: Why no cell was tested, or None when the statistic was computed.
    not_tested_reason: str | None = None


def default_distance_band_m(cell_size_m: float) -> float:
    """Return the default Gi* distance band for a grid cell size.

    The band is `DEFAULT_BAND_CELLS` (2.5) cell sizes, so each hexagon
    reaches its two rings of neighbours and no cell of a full grid is an island.

    Args:
        cell_size_m: Distance in metres between centres of neighbouring cells.

    Raises:
        ValueError: If the cell size is not a positive finite number.
    """
    if not math.isfinite(cell_size_m) or cell_size_m <= 0:
        raise ValueError(
            f"Invalid cell_size_m={cell_size_m}: it must be a positive number."
        )
    return DEFAULT_BAND_CELLS * cell_size_m


def find_hotspots(
    counts: np.ndarray,
    centroids_m: np.ndarray,
    distance_band_m: float,
    fdr: bool = True,
) -> HotspotResult:
    """Find hot and cold spots of complaint counts with Getis-Ord Gi*.

    The statistic is esda's ``G_Local`` with ``star=True`` on binary
    distance-band weights that include the cell itself. The z-scores are
    analytical and the p-values two-sided from the normal approximation.
    Islands, and cells whose band contains every cell (their variance is zero),
    are not tested: they get z 0, p 1 and bin 0.

    NOTE: Grid cells cut by the city outline cover less of the city, so they
    expect fewer complaints and can show as cold spots along the boundary.

    Args:
        counts: Non-negative complaint count per cell.
        centroids_m: Cell centres as an (n, 2) array in a metric CRS.
        distance_band_m: Cells whose centres lie within this many metres of a
            cell's centre are its neighbours.
        fdr: Adjust the p-values with Benjamini-Hochberg before binning.

    Returns:
        Per-cell results. Fewer than `MIN_CELLS` cells, counts that are all
        equal (all zero, for example), or a band that leaves every cell an
        island give z 0, p 1 and bin 0 everywhere, with ``not_tested_reason``
        set.

    Raises:
        ValueError: If counts contain NaN, infinity or negative values, the
            centroids do not match the counts, or the band is not positive.
    """
    counts = _checked_counts(counts)
    centroids = _checked_centroids(centroids_m, len(counts))
    band = _checked_distance_band(distance_band_m)
    cell_count = len(counts)
    neighbor_counts = np.zeros(0, dtype=np.int64)
    if cell_count > 0:
        weights, neighbor_counts = _gi_star_weights(centroids, band)
    reason = _reason_not_to_test(counts, neighbor_counts, band)
    if reason is not None:
        return _untested_result(neighbor_counts, band, fdr, reason)

    islands = neighbor_counts == 0
    z, p, tested = _gi_star_z_and_p(counts, weights, islands)
    p_adjusted = p.copy()
    if fdr:
        p_adjusted[tested] = benjamini_hochberg(p[tested])

    if islands.any():
        logger.warning(
            "%d of %d cells have no neighbour within %.0f m and were not tested",
            islands.sum(),
            cell_count,
            band,
        )
    return HotspotResult(
        z=z,
        p=p,
        p_adjusted=p_adjusted,
        bin=confidence_bins(z, p_adjusted),
        islands=islands,
        distance_band_m=band,
        cell_count=cell_count,
        mean_neighbor_count=float(neighbor_counts.mean()),
        fdr=fdr,
    )


def _checked_counts(counts: np.ndarray) -> np.ndarray:
    values = np.asarray(counts, dtype=float)
    if values.ndim != 1:
        raise ValueError(
            f"counts must be a 1-D array with one value per cell, got shape "
            f"{values.shape}."
        )
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(
            f"counts contain {bad.sum()} NaN or infinite values (first at index "
            f"{np.flatnonzero(bad)[0]}): use 0 for cells without complaints."
        )
    negative = values < 0
    if negative.any():
        raise ValueError(
            f"counts contain {negative.sum()} negative values (first "
            f"{values[negative][0]:g} at index {np.flatnonzero(negative)[0]}): "
            "Gi* needs non-negative values such as complaint counts."
        )
    return values


def _checked_centroids(centroids_m: np.ndarray, cell_count: int) -> np.ndarray:
    centroids = np.asarray(centroids_m, dtype=float)
    if centroids.shape != (cell_count, 2):
        raise ValueError(
            f"centroids_m has shape {centroids.shape}, expected ({cell_count}, 2): "
            "pass one (x, y) centre in metres per count."
        )
    if not np.isfinite(centroids).all():
        raise ValueError("centroids_m contain NaN or infinite coordinates.")
    return centroids


def _checked_distance_band(distance_band_m: float) -> float:
    if not math.isfinite(distance_band_m) or distance_band_m <= 0:
        raise ValueError(
            f"Invalid distance_band_m={distance_band_m}: it must be a positive "
            "number of metres, for example default_distance_band_m(cell_size_m)."
        )
    return float(distance_band_m)


def _gi_star_weights(
    centroids: np.ndarray, distance_band_m: float
) -> tuple[Graph, np.ndarray]:
    """Return binary Gi* weights with self-weight 1 and the neighbour counts.

    The diagonal is added on the sparse matrix and wrapped in a libpysal Graph
    because letting esda fill the diagonal of a ``W`` rebuilds it through
    Python dicts, which takes about a second on 20,000 cells.
    """
    with warnings.catch_warnings():
        # Islands are reported through HotspotResult.islands instead.
        warnings.simplefilter("ignore", UserWarning)
        band = DistanceBand(
            centroids, threshold=distance_band_m, binary=True, silence_warnings=True
        )
    adjacency = band.sparse.tocsr()
    neighbor_counts = np.diff(adjacency.indptr)
    identity = scipy.sparse.identity(len(centroids), format="csr")
    return Graph.from_sparse((adjacency + identity).tocsr()), neighbor_counts


def _gi_star_z_and_p(
    counts: np.ndarray, weights: Graph, islands: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return Gi* z-scores, two-sided p-values and the mask of tested cells.

    Untested cells get z 0 and p 1.
    """
    # A cell whose band contains every cell has zero variance, so esda divides
    # 0 by 0. Its z is NaN and the cell is left untested.
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = G_Local(counts, weights, transform="B", star=True, permutations=0)
    tested = ~islands & np.isfinite(statistic.Zs)
    z = np.where(tested, statistic.Zs, 0.0)
    # esda 2.9 computes p_norm = norm.sf(|z|), a one-sided p-value: double it.
    p = np.where(tested, np.minimum(2.0 * statistic.p_norm, 1.0), 1.0)
    return z, p, tested


def _reason_not_to_test(
    counts: np.ndarray, neighbor_counts: np.ndarray, distance_band_m: float
) -> str | None:
    if len(counts) < MIN_CELLS:
        return f"Gi* needs at least {MIN_CELLS} cells, got {len(counts)}."
    if np.ptp(counts) == 0:
        return (
            f"All {len(counts)} cells have the same count ({counts[0]:g}), so "
            "there is no variation to test."
        )
    if (neighbor_counts == len(counts) - 1).all():
        return (
            f"distance_band_m={distance_band_m:g} contains every cell, so Gi* has "
            "no variance: use a smaller band."
        )
    if (neighbor_counts == 0).all():
        return (
            f"No cell has a neighbour within distance_band_m={distance_band_m:g}: "
            "use a band of at least the cell size."
        )
    return None


def _untested_result(
    neighbor_counts: np.ndarray, distance_band_m: float, fdr: bool, reason: str
) -> HotspotResult:
    logger.info("Hotspots not tested: %s", reason)
    cell_count = len(neighbor_counts)
    mean_neighbor_count = float(neighbor_counts.mean()) if cell_count else 0.0
    return HotspotResult(
        z=np.zeros(cell_count),
        p=np.ones(cell_count),
        p_adjusted=np.ones(cell_count),
        bin=np.zeros(cell_count, dtype=np.int8),
        islands=neighbor_counts == 0,
        distance_band_m=distance_band_m,
        cell_count=cell_count,
        mean_neighbor_count=mean_neighbor_count,
        fdr=fdr,
        not_tested_reason=reason,
    )


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Adjust p-values for the false discovery rate (Benjamini-Hochberg).

    Uses ``scipy.stats.false_discovery_control`` (scipy >= 1.11). A cell is
    significant at level q after correction when its adjusted p-value is at
    most q.

    Raises:
        ValueError: If the input is not 1-D or has values outside [0, 1].
    """
    p_values = np.asarray(p_values, dtype=float)
    if p_values.ndim != 1:
        raise ValueError(f"p_values must be 1-D, got shape {p_values.shape}.")
    if p_values.size == 0:
        return p_values.copy()
    if not ((p_values >= 0) & (p_values <= 1)).all():
        raise ValueError("p_values must all lie in [0, 1] and must not be NaN.")
    return scipy.stats.false_discovery_control(p_values, method="bh")


def confidence_bins(z: np.ndarray, p_adjusted: np.ndarray) -> np.ndarray:
    """Return Gi_Bin style confidence bins from z-scores and p-values.

    A cell gets +3, +2 or +1 (hot) when its p-value is at most 0.01, 0.05 or
    0.10 and z is positive, the negative bin (cold) when z is negative, and 0
    otherwise.
    """
    z = np.asarray(z, dtype=float)
    p_adjusted = np.asarray(p_adjusted, dtype=float)
    level = np.zeros(z.shape, dtype=np.int8)
    for max_p_value, bin_value in reversed(CONFIDENCE_BINS):
        level[p_adjusted <= max_p_value] = bin_value
    return (level * np.sign(z)).astype(np.int8)


def new_hotspots(
    latest_bins: np.ndarray,
    previous_bins_list: list[np.ndarray],
    confidence: float = 0.90,
) -> np.ndarray:
    """Flag cells that are hot in the latest period and in no previous one.

    Args:
        latest_bins: Confidence bins of the latest period, one per cell.
        previous_bins_list: Confidence bins of earlier periods on the same
            grid. With no earlier period every latest hotspot is new.
        confidence: Minimum confidence for "hot": 0.90, 0.95 or 0.99.

    Returns:
        Boolean array, True where the cell is new hot.

    Raises:
        ValueError: If the confidence is not one of the bins or the arrays
            differ in shape.
    """
    min_bin = _BIN_BY_CONFIDENCE.get(confidence)
    if min_bin is None:
        raise ValueError(
            f"Invalid confidence={confidence}: use one of 0.90, 0.95 or 0.99."
        )
    latest = np.asarray(latest_bins)
    was_hot = np.zeros(latest.shape, dtype=bool)
    for period, previous in enumerate(previous_bins_list):
        previous = np.asarray(previous)
        if previous.shape != latest.shape:
            raise ValueError(
                f"Previous bins at position {period} have shape {previous.shape} "
                f"but the latest bins have {latest.shape}: use the same grid."
            )
        was_hot |= previous >= min_bin
    return (latest >= min_bin) & ~was_hot
