#!/usr/bin/env python3
"""Writes the small audio fixtures of the C++ audio tests into test/fixtures/audio/.

Run from the repository root: /usr/bin/python3 scripts/make-audio-fixtures.py
Needs numpy and soundfile (libsndfile >= 1.1 for MP3). Durations are short so every file
stays under 20 KB; the tests know the signals below and compare against them.
"""
import os

import numpy as np
import soundfile as sf

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "audio")


def sine(rate, seconds, freq=440.0, amp=0.5):
    # n / rate rather than linspace so the C++ tests can rebuild the exact signal.
    n = int(round(rate * seconds))
    return amp * np.sin(2 * np.pi * freq * np.arange(n) / rate)


def write(name, data, rate, fmt, subtype):
    sf.write(os.path.join(OUT, name), data, rate, format=fmt, subtype=subtype)


def main():
    os.makedirs(OUT, exist_ok=True)
    # Mono 440 Hz sine, amplitude 0.5, in each container/sample format at differing rates.
    write("sine_16k_pcm16.wav", sine(16000, 0.5), 16000, "WAV", "PCM_16")
    write("sine_22k_pcm24.wav", sine(22050, 0.2), 22050, "WAV", "PCM_24")
    write("sine_44k_pcm32.wav", sine(44100, 0.1), 44100, "WAV", "PCM_32")
    write("sine_48k_float.wav", sine(48000, 0.1).astype(np.float32), 48000, "WAV", "FLOAT")
    write("sine_44k.flac", sine(44100, 0.5), 44100, "FLAC", "PCM_16")
    write("sine_44k.ogg", sine(44100, 0.5), 44100, "OGG", "VORBIS")
    write("sine_44k.mp3", sine(44100, 0.5), 44100, "MP3", "MPEG_LAYER_III")

    # Stereo whose channels differ (440 Hz amp 0.5 left, 660 Hz amp 0.25 right) so downmix is visible.
    stereo = np.stack([sine(22050, 0.2), sine(22050, 0.2, freq=660.0, amp=0.25)], axis=1)
    write("stereo_22k_pcm16.wav", stereo, 22050, "WAV", "PCM_16")

    # Bad files: each must raise ERR_AUDIO naming the file.
    rng = np.random.default_rng(1234)
    with open(os.path.join(OUT, "corrupt.wav"), "wb") as f:
        f.write(rng.integers(0, 256, 2000, dtype=np.uint8).tobytes())
    open(os.path.join(OUT, "empty.wav"), "wb").close()
    write("zero_frames.wav", np.zeros(0), 16000, "WAV", "PCM_16")
    # A 0.5 s PCM16 WAV cut after 1000 frames: the header still claims 8000 (16000 bytes).
    full = os.path.join(OUT, "truncated.wav")
    write("truncated.wav", sine(16000, 0.5), 16000, "WAV", "PCM_16")
    with open(full, "rb") as f:
        head = f.read(44 + 2 * 1000)
    with open(full, "wb") as f:
        f.write(head)
    # The FLAC cut at a frame boundary: decodes cleanly, but short of STREAMINFO's 22050 frames.
    with open(os.path.join(OUT, "sine_44k.flac"), "rb") as f:
        flac = f.read()
    frame_starts = [i for i in range(4, len(flac) - 1) if flac[i] == 0xFF and flac[i + 1] == 0xF8]
    with open(os.path.join(OUT, "truncated.flac"), "wb") as f:
        f.write(flac[: frame_starts[2]])

    # Streaming writers that never patch the header leave 0xFFFFFFFF sizes: whole, must be read to EOF.
    path = os.path.join(OUT, "streamed_ffff.wav")
    write("streamed_ffff.wav", sine(16000, 0.0625), 16000, "WAV", "PCM_16")
    with open(path, "r+b") as f:
        f.seek(4)
        f.write(b"\xff\xff\xff\xff")  # RIFF size
        f.seek(40)
        f.write(b"\xff\xff\xff\xff")  # data size

    bad = sine(16000, 0.1).astype(np.float32)
    bad[100] = np.nan
    write("nan_float.wav", bad, 16000, "WAV", "FLOAT")
    bad = sine(16000, 0.1).astype(np.float32)
    bad[200] = np.inf
    write("inf_float.wav", bad, 16000, "WAV", "FLOAT")


if __name__ == "__main__":
    main()
