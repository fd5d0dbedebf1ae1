"""matchgate: statute-gated verification of interagency disclosure requests.

The flow of one batch is intake -> standardise -> match -> decide -> disclose;
`matchgate.pipeline` is the table of contents.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
