"""``netopsbench benchmark prepare``: write the campaign's scenario files."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from ..campaign import DEFAULT_CAMPAIGN, generate_campaign, load_campaign, write_campaign
from ..errors import ScenarioError
from ..topology import SCALES

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("benchmark", help="prepare the versioned scenario campaign")
    parser.set_defaults(func=lambda _args: _usage(parser))
    cmds = parser.add_subparsers(dest="benchmark_command", metavar="SUBCOMMAND")
    prep = cmds.add_parser(
        "prepare", help="generate scenarios/generated/<scale>/*.yaml from the campaign (deterministic)"
    )
    prep.add_argument(
        "--scales",
        default="xs,s,m,l",
        help=f"comma-separated scales (of {', '.join(SCALES)}; default xs,s,m,l)",
    )
    prep.add_argument(
        "--campaign",
        default=str(DEFAULT_CAMPAIGN),
        metavar="FILE",
        help=f"campaign file (default {DEFAULT_CAMPAIGN})",
    )
    prep.add_argument(
        "--out",
        default="scenarios/generated",
        metavar="DIR",
        help="output root; files go to DIR/<scale>/ (default scenarios/generated)",
    )
    prep.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the files on disk differ from the campaign",
    )
    prep.set_defaults(func=_prepare)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _prepare(args: argparse.Namespace) -> int:
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    if not scales:
        raise ScenarioError("--scales is empty; e.g. --scales xs,s,m,l")
    if not Path(args.campaign).is_file():
        raise ScenarioError(
            "campaign file not found; run from the repository root or pass --campaign FILE",
            file=args.campaign,
        )
    campaign = load_campaign(args.campaign)
    if args.check:
        stale = write_campaign(campaign, scales, args.out, check=True)
        bad = [p for paths in stale.values() for p in paths]
        for path in bad:
            print(f"out of date: {path}")
        if bad:
            print(
                f"{len(bad)} file(s) differ from campaign {campaign.version}; "
                f"run: netopsbench benchmark prepare --scales {args.scales}"
            )
            return 1
        print(f"scenario files match campaign {campaign.version}")
        return 0
    written = write_campaign(campaign, scales, args.out)
    generated = generate_campaign(campaign, scales)
    print(f"campaign {campaign.version} (seed {campaign.seed})")
    for scale, scenarios in generated.items():
        healthy = sum(s.healthy for s in scenarios)
        kinds = Counter(s.fault.type for s in scenarios if s.fault is not None)
        faults = len(scenarios) - healthy
        print(
            f"  {scale:>2}: {len(scenarios):3d} scenarios ({faults} fault, {healthy} healthy, "
            f"{len(kinds)} fault types) -> {Path(args.out) / scale}/ ({len(written[scale])} files)"
        )
    return 0
