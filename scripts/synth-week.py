#!/usr/bin/python3
"""A synthetic week in the SP500 schema, for benchmarks and size tests:

    scripts/synth-week.py ROWS OUT.csv [SEED]

Tickers T000000, T000001, ...; every column of the real file, with values
of the same shapes (prices with 2 to 4 decimals, signal words, ratios as
long decimals, a few empty cells), deterministic for a seed.
"""

import random
import sys

COLUMNS = ["ticker", "c", "weekly_low", "25DMA", "25DMA_shifted",
           "long_signal_value", "short_signal_value", "signal",
           "signal_status_prior_week", "vol_ratio", "25DMA_range_bps",
           "25D_ADV_Shares_MM", "25D_ADV_nortional_B", "avg_trade_size"]

SIGNALS = ("Long", "Neutral", "Neutral", "Neutral", "Short")


def write_week(path, rows, seed=1):
    rnd = random.Random(seed)
    with open(path, "w", newline="") as f:
        f.write(",".join(COLUMNS) + "\n")
        for i in range(rows):
            c = rnd.uniform(5, 900)
            low = c * rnd.uniform(0.9, 1.0)
            dma = c * rnd.uniform(0.9, 1.1)
            cells = [
                "T%06d" % i,
                "%.2f" % c,
                "%.2f" % low,
                "%.4f" % dma,
                "%.4f" % (dma * rnd.uniform(0.95, 1.05)),
                repr(rnd.uniform(-0.2, 0.2)),
                repr(rnd.uniform(-0.2, 0.2)),
                rnd.choice(SIGNALS),
                rnd.choice(SIGNALS),
                repr(rnd.uniform(0.3, 4)) if i % 50 else "",
                repr(rnd.uniform(0.001, 0.05)),
                "%.6f" % rnd.uniform(0.1, 90),
                repr(rnd.uniform(0.01, 20)),
                repr(rnd.uniform(10, 400)),
            ]
            f.write(",".join(cells) + "\n")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    write_week(sys.argv[2], int(sys.argv[1]),
               int(sys.argv[3]) if len(sys.argv) == 4 else 1)


if __name__ == "__main__":
    main()
