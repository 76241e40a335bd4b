"""Priemnaya: the application shell — settings, composition root and the `priemnaya` command."""

import os

# NumPy's and SciPy's OpenBLAS start a thread per core on first use and let those threads spin
# for a while after every call. The service has its own concurrency (the event loop, the Vosk
# pool) and only small vectors: measured on the voice line, one RMS of a voice note made the
# spinning threads burn ~90 ms of CPU, nearly as much as recognising the note. One thread,
# unless the operator asks for more. (Set here, before anything imports NumPy.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
