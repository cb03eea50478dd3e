#!/usr/bin/env python3
"""Writes the door's two sounds, public/sounds/{admit,stop}.wav: a rising double beep to
let a ticket in and a low buzz to stop one. 8-bit mono WAV at 16 kHz, a few KB each, with
5 ms fades so that they do not click. Run from the repository's root."""
import math
import os
import wave

RATE = 16000


def tone(path, parts):
    frames = bytearray()
    for freq, ms, volume in parts:
        n = int(RATE * ms / 1000)
        for i in range(n):
            envelope = min(1.0, i / (RATE * 0.005), (n - i) / (RATE * 0.005))
            value = volume * envelope * math.sin(2 * math.pi * freq * i / RATE) if freq else 0.0
            frames.append(int(128 + 127 * value))
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))


os.makedirs("public/sounds", exist_ok=True)
tone("public/sounds/admit.wav", [(880, 90, 0.5), (0, 30, 0), (1320, 110, 0.5)])
tone("public/sounds/stop.wav", [(220, 450, 0.6)])
