"""starcommunity: run a star-rated harmonious community evaluation."""

__version__ = "0.1.0"
