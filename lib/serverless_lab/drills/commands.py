"""The `serverless-lab drill` sub-command."""

from __future__ import annotations

import argparse

from ..subcommands import command


@command("drill", "interview drill with spaced repetition (progress kept per user)")
def _drill(p: argparse.ArgumentParser):
    p.add_argument("--topics", help="comma-separated topics (see --list-topics); default: all")
    p.add_argument("-n", "--count", type=int, default=10, help="questions this session (default 10)")
    p.add_argument("--minutes", type=float, help="timed mode: stop when the time is up (e.g. 20)")
    p.add_argument("--progress", help="progress file (default ~/.serverless-lab/drill-progress.json, "
                                      "or $SERVERLESS_LAB_DRILL_PROGRESS)")
    p.add_argument("--seed", type=int, help="order of new questions (for repeatable sessions)")
    p.add_argument("--list-topics", action="store_true", help="print the topics and their question counts")
    p.add_argument("--summary", action="store_true", help="print your weakest topics and exit")
    p.add_argument("--design", nargs="?", const="", metavar="SCENARIO",
                   help="a system-design round: one scenario and its follow-ups (photo-10x, order-api-launch, "
                        "nightly-etl; default: one at random)")

    def run(args: argparse.Namespace) -> int:
        from .bank import load_bank
        from .progress import Progress
        from .terminal import run_drill

        if args.design is not None:
            from .terminal import run_design

            return run_design(scenario_id=args.design or None, seed=args.seed)
        if args.list_topics:
            counts: dict[str, int] = {}
            for q in load_bank():
                counts[q.topic] = counts.get(q.topic, 0) + 1
            for topic, n in sorted(counts.items()):
                print(f"{topic:<16} {n:>3} questions")
            return 0
        if args.summary:
            progress = Progress.load(args.progress)
            if progress.notice:
                print(f"note: {progress.notice}")
            rows = progress.weak_topics()
            if not rows:
                print("No answers yet: run `serverless-lab drill`.")
            for topic, score, n in rows:
                print(f"{topic:<16} {score:>5.0%}  over {n} answers")
            return 0
        topics = [t.strip() for t in args.topics.split(",") if t.strip()] if args.topics else None
        return run_drill(topics=topics, count=args.count, minutes=args.minutes,
                         progress_path=args.progress, seed=args.seed)
    return run
