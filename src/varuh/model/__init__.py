"""The privacy model (privacy.yaml) and the data map (datasets.yaml): schemas, loading, lint.

Pure: no database, no network. Everything else may import it.
"""

from varuh.model.load import load_model
from varuh.model.privacy import PrivacyModel

__all__ = ["PrivacyModel", "load_model"]
