"""Tests of the speech-to-text core (voice/)."""
