"""scratchnet: neural networks from first principles in NumPy."""

__version__ = "0.1.0"
