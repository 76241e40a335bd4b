"""Sector classification of appeals (ЖКХ, ТКО, энергетика, …): text preparation, model, evaluation.

`Classifier.load_default()` gives the model trained on the shipped corpus; `clf.classify(text)`
returns a `Classification` (sector, confidence, runner-up, reasons, full ranking).
"""

from core.classification.model import Classification, Classifier, Params
from core.classification.store import load_classifier

__all__ = ["Classification", "Classifier", "Params", "load_classifier"]
