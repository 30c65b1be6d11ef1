from risseg.evaluation.metrics.dump_predictions import DumpPredictions

__all__ = ["DumpPredictions"]
