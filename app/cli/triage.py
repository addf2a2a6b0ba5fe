"""`clubos-tickets triage`: what triage decides for one message, for JSON lines on stdin, or
how well it scores on a labelled file, with the configured backend; `--train` retrains the
local model's shipped weights from the labelled corpus, `--retrain` the club's stored ones
from the corpus and its operators' decisions.

The work (and the triage tables it loads) is in `triage_session`, imported when the command
runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import cli_settings, fail

Text = Annotated[str | None, typer.Argument(help="The customer message to triage.")]
Location = Annotated[
    str | None, typer.Option("--location", "-l", help="The channel's location (any name).")
]
Bay = Annotated[int | None, typer.Option("--bay", "-b", help="The bay, if known.")]
Jsonl = Annotated[
    bool,
    typer.Option(
        "--jsonl",
        help='Read {"id","text","location","bay"} lines on stdin; write a decision line each.',
    ),
]
ScoreFile = Annotated[
    Path | None,
    typer.Option(
        "--score",
        exists=True,
        dir_okay=False,
        help="Score the backend on a labelled jsonl file (ticket F1, category/priority acc.).",
    ),
]
Train = Annotated[
    bool,
    typer.Option("--train", help="Retrain the shipped weights file from the corpus (a checkout)."),
]
Retrain = Annotated[
    bool,
    typer.Option(
        "--retrain",
        help="Retrain on the corpus plus the operators' learnable and dismissed tickets "
        "(DATABASE_URL); the weights are stored there for every instance.",
    ),
]
Out = Annotated[
    Path | None,
    typer.Option("--out", dir_okay=False, help="With --train: where to write the weights."),
]


def triage_command(
    text: Text = None,
    location: Location = None,
    bay: Bay = None,
    jsonl: Jsonl = False,
    score_file: ScoreFile = None,
    train: Train = False,
    retrain: Retrain = False,
    out: Out = None,
) -> None:
    """Decide whether a customer message deserves a ticket with the configured backend
    (TRIAGE_BACKEND; with no OPENAI_API_KEY the embedded local model and rules, no network)."""
    from app.cli import triage_session

    if train or retrain:
        from app.cli import triage_training

        settings = cli_settings()  # logging configured, and a bad environment said first
        if retrain:
            triage_training.retrain(settings)
        else:
            triage_training.train(out)
        return
    if text is None and not jsonl and score_file is None:
        raise fail('Give the message text (e.g. triage "no balls in bay 2"), or --jsonl.')
    with triage_session.open_session(cli_settings()) as session:
        if score_file is not None:
            triage_session.score(session, score_file)
        elif jsonl:
            triage_session.triage_lines(session)
        else:
            assert text is not None
            triage_session.triage_one(session, text, location, bay)
