"""Generate a tiny but real Vosk model for tests (standard library only).

The model recognises two "words" (by default "один" and "два"), which are not
speech at all but tones: a low tone (440 Hz) is word A and a high tone (3 kHz)
is word B.  Everything else that Vosk needs is real Kaldi data, so the whole
recognition path (feature extraction, nnet3 computation, lattice decoding, word
alignment, MBR confidences, endpointing) runs exactly as with a downloaded model.

Layout written by :func:`build_tiny_model`::

    am/final.mdl                 TransitionModel + nnet3 AmNnetSimple, Kaldi text format
    conf/model.conf              decoder / endpoint / decodable options
    conf/mfcc.conf               MFCC options (13 ceps, log-energy as c0, no dither)
    graph/HCLG.fst               OpenFst "vector"/"standard" binary, no symbol tables
    graph/words.txt              word symbol table
    graph/phones.txt             phone symbol table (informational; Vosk does not read it)
    graph/phones/word_boundary.int
    README.txt

How it works:

* Phones: 1 = SIL, 2 = word A, 3 = word B.  One HMM topology entry for all
  three: one emitting state with a self-loop and an exit, so transition-ids are
  1/2 (SIL loop/exit), 3/4 (A loop/exit), 5/6 (B loop/exit); pdf = phone - 1.
* Network: 13-dim MFCC -> FixedAffine(2) -> Tanh -> FixedAffine(3) -> output.
  Hidden unit 1 is loudness, ``tanh(c0 - 12)``, where c0 is the log frame
  energy (``--use-energy=true``; 12 is about RMS 20 in 16-bit units).  Hidden
  unit 2 is the spectral tilt ``tanh(0.3 * (L(440 Hz) - L(3 kHz) + 5))``, where
  ``L(f)`` is the smoothed log-mel energy around ``f`` rebuilt from c1..c12 by
  undoing the lifter and the DCT (about +9..+20 for a 440 Hz tone and -23 for a
  3 kHz tone at any level, 8 kHz band-limited audio included).  The three
  outputs (SIL, A, B) are used directly as log-likelihoods: empty priors and
  ``--acoustic-scale=1.0``; a fully confident frame scores 0 for the right
  class and -8 for the wrong ones.
* Graph: every "phone ended" state can start SIL (no word), A (outputs word A)
  or B (outputs word B); so the grammar is ``(SIL | A | B)*``.  Entering a
  word costs 10 (a word needs at least two confident frames), entering SIL 1,
  self-loops are free.

Kaldi / OpenFst format pitfalls met while writing this (keep them in mind when
changing anything here):

* Kaldi text-mode ``ReadToken`` does ``is >> token`` and then consumes exactly
  one whitespace character, which must exist.  ``<Nnet3>`` is followed by a
  ``getline`` that must return an empty line, so the file needs ``"<Nnet3> \\n"``
  (token, one space, newline); ``"<Nnet3>\\n"`` makes the first config line get
  swallowed and fails with "Expected newline in config file".
* The nnet3 config section ends at the first empty line; without it the
  component section is read as config lines.
* ``NonlinearComponent::Read`` needs ``<Dim>``, ``<ValueAvg>``, ``<DerivAvg>``
  and ``<Count>``; empty vectors ``[ ]`` are fine for the statistics.
* ``<LogProbs>`` is indexed by transition-id and is one-based: it has
  ``num_transition_ids + 1`` entries, the first one unused (0).
* Transition-ids are numbered in the order of the sorted (phone, hmm-state,
  pdf) triples and, inside one state, in the order the ``<Transition>`` entries
  are listed in the topology.
* Vosk word alignment (WordAlignLattice with ``reorder=true``) expects the
  graph as Kaldi builds it with ``add-self-loops --reorder=true``: a phone is
  entered through its exit (forward) transition and its self-loops come after
  it.  With "self-loops first, then exit" decoding still finds the words, but
  alignment warns "Phone changed unexpectedly" and the word times are wrong.
* Vosk computes word times as ``frame * 0.03`` no matter what the model says,
  so ``--frame-subsampling-factor=3`` is required for correct times.
* OpenFst binary header: int32 magic 2125659606, length-prefixed strings
  "vector" and "standard", int32 version 2, int32 flags (0: no symbol tables),
  uint64 properties, int64 start, int64 numstates, int64 numarcs; then per
  state a float32 final weight (+inf when not final), int64 arc count and arcs
  of (int32 ilabel, int32 olabel, float32 weight, int32 nextstate).  OpenFst
  takes the stored properties at their word, so only the static bits
  (kExpanded | kMutable) are claimed and everything else is left "unknown"
  (``fstinfo`` from libfst-tools accepts the file and computes the rest).
* With ``--dither`` left at its default (1.0) the features are random; the
  model sets ``--dither=0`` so that results and confidences are reproducible.
* Vosk's word times and confidences come from MBR over the lattice.  When
  splitting one long word into two costs less than ``--lattice-beam`` (word
  entry cost 2 with lattice beam 6 at first), the lattice is full of such
  splits and MBR averages their times: word ends came out ~16 % too early.
  Word entry cost 10 with lattice beam 4 gives exact frame times.
* c1 alone is a poor tilt feature: the rounding noise of 16-bit audio pulls it
  negative for quiet low tones (a 440 Hz tone at about -57 dBFS was read as
  word B), so
  the tilt unit compares the rebuilt log-mel energies at the two tone bins.
* ``mfcc.conf`` spells out every option the network weights depend on
  (23 mel bins, low-freq 20, lifter 22), so Kaldi default changes cannot
  silently break the model.
"""

from __future__ import annotations

import argparse
import math
import struct
import sys
from pathlib import Path

__all__ = [
    "HIGH_TONE_HZ",
    "LOW_TONE_HZ",
    "SAMPLE_RATE",
    "build_tiny_model",
    "hclg_bytes",
    "main",
]

SAMPLE_RATE = 16000
LOW_TONE_HZ = 440.0
HIGH_TONE_HZ = 3000.0

# Phones and transition-ids (see the module docstring).
_SIL, _WORD_A, _WORD_B = 1, 2, 3
_SELF_LOOP = {_SIL: 1, _WORD_A: 3, _WORD_B: 5}
_EXIT = {_SIL: 2, _WORD_A: 4, _WORD_B: 6}
_SELF_LOOP_PROB = 0.75

# Network parameters.
_NUM_CEPS = 13
_NUM_MEL_BINS = 23
_LOW_FREQ = 20.0
_CEPSTRAL_LIFTER = 22.0
_LOUDNESS_THRESHOLD = 12.0  # log energy of a 25 ms frame: about RMS 20 in 16-bit units
_LOUDNESS_SCALE = 1.0
_TILT_THRESHOLD = -5.0  # log-mel(440 Hz) - log-mel(3 kHz): about +9..+20 vs -23
_TILT_SCALE = 0.3
_OUTPUT_SCALE = 8.0

# Graph costs (negative log probabilities, tropical semiring).
_WORD_ENTRY_COST = 10.0
_SIL_ENTRY_COST = 1.0
_SELF_LOOP_COST = 0.0

_FST_MAGIC = 2125659606
_FST_VERSION = 2
_FST_STATIC_PROPERTIES = 0x1 | 0x2  # kExpanded | kMutable


def _fmt(value: float) -> str:
    """Format a float the way Kaldi text files do (plain decimal)."""
    text = f"{value:.7g}"
    return "0" if text == "-0" else text


def _vector(values: list[float]) -> str:
    return "[ " + " ".join(_fmt(v) for v in values) + (" ]" if values else "]")


def _matrix(rows: list[list[float]]) -> str:
    body = "\n".join("  " + " ".join(_fmt(v) for v in row) for row in rows)
    return "[\n" + body + " ]"


def _transition_model_text() -> str:
    """Kaldi text form of a TransitionModel with three one-state phones."""
    stay = _SELF_LOOP_PROB
    log_probs = [0.0]  # index 0 is unused: the array is indexed by transition-id
    for _phone in (_SIL, _WORD_A, _WORD_B):
        log_probs += [math.log(stay), math.log(1.0 - stay)]
    lines = [
        "<TransitionModel> ",
        "<Topology> ",
        "<TopologyEntry> ",
        "<ForPhones> ",
        f"{_SIL} {_WORD_A} {_WORD_B} ",
        "</ForPhones> ",
        f"<State> 0 <PdfClass> 0 <Transition> 0 {_fmt(stay)} "
        f"<Transition> 1 {_fmt(1.0 - stay)} </State> ",
        "<State> 1 </State> ",
        "</TopologyEntry> ",
        "</Topology> ",
        "<Triples> 3 ",
        f"{_SIL} 0 0 ",
        f"{_WORD_A} 0 1 ",
        f"{_WORD_B} 0 2 ",
        "</Triples> ",
        "<LogProbs> ",
        _vector(log_probs) + " ",
        "</LogProbs> ",
        "</TransitionModel> ",
    ]
    return "\n".join(lines) + "\n"


def _mel(freq: float) -> float:
    return 1127.0 * math.log(1.0 + freq / 700.0)


def _log_mel_reader(freq: float) -> list[float]:
    """Weights over c0..c12 giving the smoothed log-mel energy around ``freq``.

    This undoes Kaldi's liftering and DCT (rows 1..12 only: c0 holds the frame
    energy instead), evaluated at the fractional mel-bin position of ``freq``.
    """
    low, high = _mel(_LOW_FREQ), _mel(SAMPLE_RATE / 2)
    delta = (high - low) / (_NUM_MEL_BINS + 1)
    position = (_mel(freq) - low) / delta - 1.0  # index of the bin centred on freq
    weights = [0.0]
    for i in range(1, _NUM_CEPS):
        lifter = 1.0 + 0.5 * _CEPSTRAL_LIFTER * math.sin(math.pi * i / _CEPSTRAL_LIFTER)
        dct = math.sqrt(2.0 / _NUM_MEL_BINS) * math.cos(
            math.pi * i * (position + 0.5) / _NUM_MEL_BINS
        )
        weights.append(dct / lifter)
    return weights


def _network_parameters() -> tuple[list[list[float]], list[float], list[list[float]], list[float]]:
    """Weights of MFCC -> 2 tanh units (loudness, tilt) -> 3 log-likelihoods."""
    hidden_w = [[0.0] * _NUM_CEPS for _ in range(2)]
    hidden_b = [0.0, 0.0]
    hidden_w[0][0] = _LOUDNESS_SCALE  # c0 is the log energy (--use-energy=true)
    hidden_b[0] = -_LOUDNESS_SCALE * _LOUDNESS_THRESHOLD
    low = _log_mel_reader(LOW_TONE_HZ)
    high = _log_mel_reader(HIGH_TONE_HZ)
    hidden_w[1] = [_TILT_SCALE * (a - b) for a, b in zip(low, high, strict=True)]
    hidden_b[1] = -_TILT_SCALE * _TILT_THRESHOLD
    # With loud = (1 + h1) / 2 and low = (1 + h2) / 2 (both 0..1) and K = _OUTPUT_SCALE:
    # SIL = -K * loud,  A = -K * (1 - loud) - K * (1 - low),  B = -K * (1 - loud) - K * low
    k = _OUTPUT_SCALE / 2.0
    out_w = [
        [-k, 0.0],
        [k, k],
        [k, -k],
    ]
    out_b = [-k, -2.0 * k, -2.0 * k]
    return hidden_w, hidden_b, out_w, out_b


def _identity_layer(name: str, rows: int, cols: int) -> str:
    """A FixedAffineComponent that passes its input through (zero-padded or cut)."""
    lines = [" ".join("1" if r == c else "0" for c in range(cols)) for r in range(rows)]
    matrix = "[\n  " + "\n  ".join(lines) + " ]"
    bias = "[ " + " ".join("0" for _ in range(rows)) + " ]"
    return (
        f"<ComponentName> {name} <FixedAffineComponent> <LinearParams> {matrix}"
        f"\n<BiasParams> {bias}\n</FixedAffineComponent> \n"
    )


def _nnet_text(ballast_layers: int = 0, ballast_width: int = 1024) -> str:
    """Kaldi text form of an nnet3 AmNnetSimple (network, contexts, priors).

    ``ballast_layers`` square identity layers of ``ballast_width`` after the tanh make the
    network cost what a real acoustic model costs per frame (dense products) without changing
    what it hears: a stand-in for benchmarks.
    """
    hidden_w, hidden_b, out_w, out_b = _network_parameters()
    ballast = []
    if ballast_layers > 0:
        names = [f"ballast{i}" for i in range(ballast_layers + 1)]
        dims = [(ballast_width, 2)] + [(ballast_width, ballast_width)] * (ballast_layers - 1)
        dims.append((2, ballast_width))
        ballast = [_identity_layer(n, r, c) for n, (r, c) in zip(names, dims, strict=True)]
    nodes = ["tanh1", *(f"ballast{i}" for i in range(len(ballast)))]
    config = [
        "input-node name=input dim=13",
        "component-node name=affine1 component=affine1 input=input",
        "component-node name=tanh1 component=tanh1 input=affine1",
        *(
            f"component-node name={node} component={node} input={source}"
            for source, node in zip(nodes, nodes[1:], strict=False)
        ),
        f"component-node name=affine2 component=affine2 input={nodes[-1]}",
        "output-node name=output input=affine2 objective=linear",
    ]
    parts = [
        "<Nnet3> \n" + "\n".join(config) + "\n\n",
        f"<NumComponents> {3 + len(ballast)} \n",
        "<ComponentName> affine1 <FixedAffineComponent> <LinearParams> "
        + _matrix(hidden_w)
        + "\n<BiasParams> "
        + _vector(hidden_b)
        + "\n</FixedAffineComponent> \n",
        "<ComponentName> tanh1 <TanhComponent> <Dim> 2 <ValueAvg> [ ] "
        "<DerivAvg> [ ] <Count> 0 </TanhComponent> \n",
        *ballast,
        "<ComponentName> affine2 <FixedAffineComponent> <LinearParams> "
        + _matrix(out_w)
        + "\n<BiasParams> "
        + _vector(out_b)
        + "\n</FixedAffineComponent> \n",
        "</Nnet3> \n",
        "<LeftContext> 0 <RightContext> 0 <Priors> [ ]\n",
    ]
    return "".join(parts)


def _hclg_arcs() -> tuple[int, list[float | None], list[list[tuple[int, int, float, int]]]]:
    """States, final costs and arcs of the decoding graph.

    State 0 is the start; state ``p`` (1..3) means "inside phone p" and carries
    that phone's self-loop.  Every state can enter any phone through the phone's
    exit transition-id (Kaldi's reordered layout: exit first, then self-loops).
    """
    phone_state = {_SIL: 1, _WORD_A: 2, _WORD_B: 3}
    word_of = {_SIL: 0, _WORD_A: 1, _WORD_B: 2}
    entry_cost = {_SIL: _SIL_ENTRY_COST, _WORD_A: _WORD_ENTRY_COST, _WORD_B: _WORD_ENTRY_COST}
    num_states = 4
    finals: list[float | None] = [0.0, 0.0, 0.0, 0.0]
    arcs: list[list[tuple[int, int, float, int]]] = [[] for _ in range(num_states)]
    for state in range(num_states):
        for phone in (_SIL, _WORD_A, _WORD_B):
            if phone_state[phone] == state:
                arcs[state].append((_SELF_LOOP[phone], 0, _SELF_LOOP_COST, state))
        for phone in (_SIL, _WORD_A, _WORD_B):
            arcs[state].append(
                (_EXIT[phone], word_of[phone], entry_cost[phone], phone_state[phone])
            )
    return 0, finals, arcs


def _fst_string(text: str) -> bytes:
    raw = text.encode("ascii")
    return struct.pack("<i", len(raw)) + raw


def hclg_bytes() -> bytes:
    """The decoding graph in OpenFst binary ``vector``/``standard`` format."""
    start, finals, arcs = _hclg_arcs()
    num_arcs = sum(len(a) for a in arcs)
    out = bytearray()
    out += struct.pack("<i", _FST_MAGIC)
    out += _fst_string("vector")
    out += _fst_string("standard")
    out += struct.pack(
        "<iiQqqq", _FST_VERSION, 0, _FST_STATIC_PROPERTIES, start, len(arcs), num_arcs
    )
    for final, state_arcs in zip(finals, arcs, strict=True):
        out += struct.pack("<f", math.inf if final is None else final)
        out += struct.pack("<q", len(state_arcs))
        for ilabel, olabel, weight, nextstate in state_arcs:
            out += struct.pack("<iifi", ilabel, olabel, weight, nextstate)
    return bytes(out)


_MODEL_CONF = """\
--min-active=10
--max-active=500
--beam=14.0
--lattice-beam=4.0
--acoustic-scale=1.0
--frame-subsampling-factor=3
--endpoint.silence-phones=1
--endpoint.rule2.min-trailing-silence=0.5
--endpoint.rule3.min-trailing-silence=1.0
--endpoint.rule4.min-trailing-silence=2.0
"""

_MFCC_CONF = """\
--sample-frequency=16000
--use-energy=true
--num-ceps=13
--num-mel-bins=23
--low-freq=20
--high-freq=0
--cepstral-lifter=22
--dither=0.0
--allow-upsample=true
"""


def build_tiny_model(
    directory: Path,
    words: tuple[str, str] = ("один", "два"),
    *,
    ballast_layers: int = 0,
    ballast_width: int = 1024,
) -> Path:
    """Write the tiny model into ``directory`` (created if needed) and return it.

    ``words[0]`` is recognised for a low tone (440 Hz), ``words[1]`` for a high
    tone (3 kHz); silence (or very quiet audio) gives no words. ``ballast_layers``
    makes it as costly as a real model (see :func:`_nnet_text`), for benchmarks.
    """
    word_a, word_b = words
    for word in words:
        if not word or any(ch.isspace() for ch in word):
            raise ValueError(f"word must be a non-empty token without spaces: {word!r}")
    if word_a == word_b:
        raise ValueError("the two words must differ")
    directory = Path(directory)
    for sub in ("am", "conf", "graph/phones"):
        (directory / sub).mkdir(parents=True, exist_ok=True)

    mdl = _transition_model_text() + _nnet_text(ballast_layers, ballast_width)
    (directory / "am" / "final.mdl").write_text(mdl, encoding="ascii")
    (directory / "conf" / "model.conf").write_text(_MODEL_CONF, encoding="ascii")
    (directory / "conf" / "mfcc.conf").write_text(_MFCC_CONF, encoding="ascii")
    (directory / "graph" / "HCLG.fst").write_bytes(hclg_bytes())
    (directory / "graph" / "words.txt").write_text(
        f"<eps> 0\n{word_a} 1\n{word_b} 2\n", encoding="utf-8"
    )
    (directory / "graph" / "phones.txt").write_text(
        f"<eps> 0\nSIL {_SIL}\nA {_WORD_A}\nB {_WORD_B}\n", encoding="ascii"
    )
    (directory / "graph" / "phones" / "word_boundary.int").write_text(
        f"{_SIL} nonword\n{_WORD_A} singleton\n{_WORD_B} singleton\n", encoding="ascii"
    )
    (directory / "README.txt").write_text(
        "Tiny test model generated by voice.tinymodel: "
        f"{LOW_TONE_HZ:g} Hz tone = {word_a!r}, {HIGH_TONE_HZ:g} Hz tone = {word_b!r}.\n"
        "It is not a speech model.\n",
        encoding="utf-8",
    )
    return directory


def main(argv: list[str] | None = None) -> int:
    """Command line entry: ``python -m voice.tinymodel OUTDIR``."""
    parser = argparse.ArgumentParser(
        prog="python -m voice.tinymodel",
        description="Write a tiny tone-based Vosk model (for tests) into OUTDIR.",
    )
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--words", nargs=2, metavar=("LOW", "HIGH"), default=["один", "два"])
    args = parser.parse_args(argv)
    path = build_tiny_model(args.outdir, (args.words[0], args.words[1]))
    sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
