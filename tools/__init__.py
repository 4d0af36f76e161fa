"""The maintainers' tools, run from a clone of the repository (never installed with ganlib):

- ``python -m tools.edition SOLVED_DIR OUT_DIR``: the student edition of the solved chapters (``make student``);
- ``python -m tools.cards RUN``: a shipped generator's model card (``make pretrained`` runs it);
- ``python -m tools.badges URL``: the course's public address, and the Colab badges and install lines from it.
- ``pytest -p tools.one_queue -n 2 …``: ``make test``'s queue of chapters and tests on two processes.
"""


def command(argv: list[str], count: int, usage: str, act) -> int:
    """Run a tool from its command line: ``usage`` when ``argv`` does not hold ``count`` arguments (exit status
    2), the error in one line for an ``OSError`` or ``ValueError`` (1), else the line ``act(*argv)`` returns (0)."""
    if len(argv) != count:
        print(f"usage: {usage}")
        return 2
    try:
        message = act(*argv)
    except (OSError, ValueError) as error:
        print(f"error: {error}")
        return 1
    print(message)
    return 0
