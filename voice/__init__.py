"""Speech-to-text core: audio decoding, Vosk recognition, model download."""
