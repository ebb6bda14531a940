"""flake8-losslint: find misused loss functions in deep-learning code."""

__version__ = "0.2.0"
