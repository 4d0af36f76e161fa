"""The maintainers' tools, run from a clone of the repository (never installed with ganlib):

- ``python -m tools.edition SOLVED_DIR OUT_DIR``: the student edition of the solved chapters (``make student``);
- ``python -m tools.cards RUN``: a shipped generator's model card (``make pretrained`` runs it);
- ``python -m tools.badges URL``: the course's public address, and the Colab badges and install lines from it.
"""
