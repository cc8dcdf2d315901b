#!/usr/bin/python3
"""References for the robustness perturbations' first-order Butterworth filters
(test/fixtures/perturb/filters.json), from Debian's python3-scipy:

    /usr/bin/python3 scripts/gen-perturb-fixtures.py

For each case, scipy.signal.butter(1, cutoff, btype, fs=rate) gives b and a; lfilter(b, a, x)
runs them once forwards from a zero state on a short float32 signal (a chirp plus noise, so both
ends of the band are excited); freqz gives |H| at a few frequencies, the cutoff among them
(-3.01 dB). The C++ test (binding/tests/test_perturb.cpp) compares its coefficients, outputs and
response with these.
"""
import json
import os

import numpy as np
from scipy import signal

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "perturb", "filters.json")
CASES = [("highpass", 50.0, 16000), ("highpass", 100.0, 16000), ("highpass", 150.0, 16000),
         ("lowpass", 6500.0, 16000), ("lowpass", 7000.0, 16000), ("lowpass", 7500.0, 16000),
         ("highpass", 100.0, 44100), ("lowpass", 7000.0, 22050)]


def test_signal(n, rate):
    t = np.arange(n) / rate
    chirp = 0.5 * signal.chirp(t, f0=20, t1=t[-1], f1=0.45 * rate, method="logarithmic")
    noise = 0.1 * np.random.RandomState(3).standard_normal(n)
    return (chirp + noise + 0.05).astype(np.float32)  # the offset shows the high-pass at DC


def short(values):
    """9 significant digits: float32 inputs exactly, outputs to ~1e-9."""
    return [float(f"{v:.9g}") for v in values]


def main():
    cases = []
    for btype, cutoff, rate in CASES:
        x = test_signal(400, rate)
        b, a = signal.butter(1, cutoff, btype=btype, fs=rate)
        y = signal.lfilter(b, a, x.astype(np.float64))
        freqs = [cutoff / 4, cutoff / 2, cutoff, 2 * cutoff, min(4 * cutoff, 0.49 * rate)]
        _, h = signal.freqz(b, a, worN=freqs, fs=rate)
        cases.append({"btype": btype, "cutoff": cutoff, "rate": rate, "b": b.tolist(), "a": a.tolist(),
                      "input": short(x), "output": short(y), "response_hz": freqs,
                      "response_abs": np.abs(h).tolist()})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"scipy": __import__("scipy").__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
