"""``netopsbench benchmark prepare``: write the campaign's scenario files."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from ..campaign import DEFAULT_CAMPAIGN, generate_campaign, load_campaign, tier_folder, write_campaign
from ..errors import ScenarioError
from ..topology import SCALES

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("benchmark", help="prepare the versioned scenario campaign")
    parser.set_defaults(func=lambda _args: _usage(parser))
    cmds = parser.add_subparsers(dest="benchmark_command", metavar="SUBCOMMAND")
    prep = cmds.add_parser(
        "prepare",
        help="generate scenarios/generated/[<tier>/]<scale>/*.yaml from the campaign (deterministic)",
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
        help="output root; the standard tier goes to DIR/<scale>/, tier T to DIR/T/<scale>/ "
        "(default scenarios/generated)",
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
    print(f"campaign {campaign.version} (seed {campaign.seed})")
    for tier in campaign.tier_names:
        for scale, scenarios in generate_campaign(campaign, scales, tier).items():
            healthy = sum(s.healthy for s in scenarios)
            kinds = Counter(f.type for s in scenarios for f in s.fault_specs)
            faults = len(scenarios) - healthy
            folder = tier_folder(args.out, tier, scale)
            files = written[folder.relative_to(args.out).as_posix()]
            print(
                f"  {tier:>8} {scale:>2}: {len(scenarios):3d} scenarios ({faults} fault, {healthy} healthy, "
                f"{len(kinds)} fault types) -> {folder}/ ({len(files)} files)"
            )
    return 0
