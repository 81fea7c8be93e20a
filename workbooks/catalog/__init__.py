"""The form catalog: YAML files -> checked model -> compiled cell layout."""

from workbooks.catalog.loader import CatalogError, get_form, load_catalog, load_form
from workbooks.catalog.model import Form

__all__ = ["CatalogError", "Form", "get_form", "load_catalog", "load_form"]
