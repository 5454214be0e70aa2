"""``torch-mi``: parse the options, score, print; every input problem is one line and exit status 2."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from importlib import resources
from typing import Optional, Sequence

import torch.distributed as dist

from torch_mi.cli import distributed
from torch_mi.cli.arguments import EXAMPLE_TARGET, build_parser
from torch_mi.cli.errors import InputError
from torch_mi.cli.metric_registry import choose_metrics
from torch_mi.cli.report import render
from torch_mi.cli.score import resolve_device, score_files

EXAMPLE_FILE = "digits_clusterings.csv"


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.inputs and args.target is None:
        parser.error("--target is required with INPUT")
    started = False
    try:
        with ExitStack() as stack:
            if args.inputs:
                inputs, source_name = args.inputs, None
            else:
                example = resources.files("torch_mi") / "data" / EXAMPLE_FILE
                inputs = [stack.enter_context(resources.as_file(example))]
                source_name = f"{EXAMPLE_FILE} (bundled example)"
            device, started = distributed.init_from_env(resolve_device(args.device))
            metrics, note = choose_metrics(args.metrics)
            if note is not None and distributed.rank() == 0:
                print(f"torch-mi: note: {note}", file=sys.stderr)
            report = score_files(
                inputs, args.target or EXAMPLE_TARGET, args.preds, input_format=args.input_format,
                delimiter=args.delimiter, block_size=args.block_size, batch_rows=args.batch_rows,
                average_method=args.average_method, device=device, ignore_label=args.ignore_label,
                ignore_preds_label=args.ignore_preds_label, heatmap=args.heatmap, heatmap_preds=args.heatmap_preds,
                progress=not args.no_progress, metrics=metrics,
            )
            if source_name is not None:
                report.source = source_name
            if distributed.rank() == 0:  # every rank has the scores of all the data; one prints them
                print(render(report, args.format, args.precision))
    except InputError as error:
        if distributed.rank() == 0:
            print(f"torch-mi: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        if started:
            dist.destroy_process_group()
    return 0
