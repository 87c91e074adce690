"""The only layer that wires sources, the store and the detector together."""
