"""Impact wheel bot: facilitates two partner organisations through the Impact through Collaboration wheel."""

__version__ = "0.3.0"
