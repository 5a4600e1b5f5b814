"""A grid of cells about 500 m square over the whole earth, for demand that must not keep a point.

A cell is (row, col): rows are bands of latitude CELL_M tall; within a row, columns are CELL_M wide at
the row's middle latitude. Where shoppers searched is kept only as such a cell, and network planning
(insight) estimates demand on the same cells.
"""

import math

CELL_M = 500
METRES_PER_DEGREE = 111_320.0


def cell_of(latitude: float, longitude: float) -> tuple[int, int]:
    row = math.floor(latitude * METRES_PER_DEGREE / CELL_M)
    return row, math.floor(longitude * _metres_per_degree_of_longitude(row) / CELL_M)


def cell_centre(row: int, col: int) -> tuple[float, float]:
    """(latitude, longitude) of the cell's middle."""
    return (row + 0.5) * CELL_M / METRES_PER_DEGREE, (col + 0.5) * CELL_M / _metres_per_degree_of_longitude(row)


def _metres_per_degree_of_longitude(row: int) -> float:
    middle = (row + 0.5) * CELL_M / METRES_PER_DEGREE
    return METRES_PER_DEGREE * max(math.cos(math.radians(middle)), 1e-6)
