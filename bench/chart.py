#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Usage: chart.py RESULTS.CSV CHART.PNG

Draw the cost ratios of a gmem-bench run: for every size and metric, the
median of guest-memfd (and of memory-backend-ram, the reference) against
the median of memfd, as bars from 1 (parity) on a log scale: up is worse,
down is better; above the dashed line guest-memfd misses our goal.  The
goal ('# goal-cost-ratio:') and whether less or more of a metric is better
(the 'better' column) come from the CSV: gmem-bench.c is their one home.
"""
import csv
import statistics
import sys

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

SUBJECTS = [('guest-memfd', 'tab:red'), ('ram', 'tab:gray')]
BASELINE = 'memfd'


def read(path):
    """The header comments, the goal, {(size, backend, metric): [values]},
    which way each metric is better, and the metrics in their order."""
    comments, rows, goal = [], [], None
    with open(path) as f:
        for line in f:
            if line.startswith('# goal-cost-ratio:'):
                goal = float(line.split(':', 1)[1])
            elif line.startswith('#'):
                comments.append(line[1:].strip())
            else:
                rows.append(line)
    samples, better, order = {}, {}, []
    for row in csv.DictReader(rows):
        key = (int(row['size_bytes']), row['backend'], row['metric'])
        samples.setdefault(key, []).append(float(row['value']))
        better[row['metric']] = row['better']
        if row['metric'] not in order:
            order.append(row['metric'])
    if goal is None:
        sys.exit(f'{path}: no "# goal-cost-ratio:" line; not a gmem-bench CSV?')
    return comments, goal, samples, better, order


def cost_ratio(better, value, baseline):
    return value / baseline if better == 'lower' else baseline / value


def size_text(size):
    return f'{size >> 30} GiB' if size % (1 << 30) == 0 else f'{size >> 20} MiB'


def main(csv_path, png_path):
    comments, goal, samples, better, order = read(csv_path)
    sizes = sorted({size for size, _, _ in samples})
    metrics = [m for m in order if (sizes[0], BASELINE, m) in samples]
    fig, axes = plt.subplots(1, len(sizes), figsize=(5 * len(sizes), 4.5),
                             sharey=True, squeeze=False)
    ratios = []
    for ax, size in zip(axes[0], sizes):
        for i, (backend, colour) in enumerate(SUBJECTS):
            xs, ys = [], []
            for x, metric in enumerate(metrics):
                base = samples.get((size, BASELINE, metric))
                mine = samples.get((size, backend, metric))
                if base and mine:
                    xs.append(x + (i - 0.5) * 0.4)
                    ys.append(cost_ratio(better[metric],
                                         statistics.median(mine),
                                         statistics.median(base)))
            # From 1 (parity) up or down to the ratio.
            ax.bar(xs, [y - 1 for y in ys], bottom=1, width=0.4,
                   color=colour, label=f'{backend} / memfd')
            ratios.extend(ys)
        ax.axhline(1.0, color='black', linewidth=0.8)
        ax.axhline(goal, color='tab:red', linewidth=0.8, linestyle='--')
        ax.set_yscale('log')
        ax.set_title(size_text(size))
        ax.set_xticks(range(len(metrics)))
        ax.set_xticklabels(metrics, rotation=35, ha='right', fontsize=8)
    axes[0][0].set_ylim(min(ratios + [0.9]) / 1.3, max(ratios + [1.1]) * 1.3)
    axes[0][0].set_ylabel('cost against memfd (median; >1 is worse)')
    axes[0][0].legend(fontsize=8)
    fig.suptitle('\n'.join(comments), fontsize=8)
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    return 0


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
