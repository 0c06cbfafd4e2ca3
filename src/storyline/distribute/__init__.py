"""Where the embarrassingly parallel stages (cleaning, analysis) run: in this process, in a pool
of local processes, or on a Ray cluster. Whichever runs them, results come back in input order
to the one process that writes the store and updates the events, so every engine stores the
same results (:mod:`storyline.distribute.local`, :mod:`storyline.distribute.cluster`)."""
from storyline.distribute.local import InProcess, ProcessPool, Workers

__all__ = ["InProcess", "ProcessPool", "Workers"]
