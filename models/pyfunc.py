"""The registered artefact: one ``mlflow.pyfunc`` model wrapping a RatingPipeline.

A custom PythonModel (not ``mlflow.lightgbm``/``mlflow.sklearn``) because the
flavour must return PDs, grades, overrides and contributions, not class labels
(STACK.md), and because the whole inference path is what a version fixes.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import mlflow
import pandas as pd

from models.pipeline import RatingPipeline

ARTIFACT = "pipeline"


class XinpingModel(mlflow.pyfunc.PythonModel):
    """Indicator frame in; pd, score, model_grade, final_grade, overrides, contributions out."""

    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        with open(context.artifacts[ARTIFACT], "rb") as fh:
            self.pipeline: RatingPipeline = pickle.load(fh)

    def predict(
        self,
        context: mlflow.pyfunc.PythonModelContext,
        model_input: pd.DataFrame,
        params: dict | None = None,
    ) -> pd.DataFrame:
        contributions = True if params is None else bool(params.get("contributions", True))
        return self.pipeline.rate(model_input, contributions=contributions)


def save_pipeline(pipeline: RatingPipeline, path: Path) -> Path:
    """Pickle a pipeline for :func:`mlflow.pyfunc.log_model` artifacts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        pickle.dump(pipeline, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def load_pipeline(model_uri: str) -> RatingPipeline:
    """The RatingPipeline inside a registered model, e.g. ``models:/xinping-sme@champion``."""
    model = mlflow.pyfunc.load_model(model_uri)
    return model.unwrap_python_model().pipeline
